"""`mbt trends`: rates, intervals, grouping, ordering, the table, the page and the CLI.

Fixtures: tests/fixtures/trends (written by its make_fixtures.py; the counts per
session are listed there). Expected figures are worked out by hand below.
"""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from mbt_nlp.cli.main import app
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from mbt_nlp.research.trends import (
    CASE_COLUMNS,
    COLUMNS,
    Grouping,
    OrderError,
    collect,
    describe_slope,
    fit_slope,
    natural_key,
    parse_order,
    wilson_interval,
)
from mbt_nlp.writers.report import render_index
from mbt_nlp.writers.trends_page import RELATED_MARKER, link_from_index, render_trends_page
from tests.conftest import REPO

runner = CliRunner()
FIXTURES = REPO / "tests" / "fixtures" / "trends"
TAGGED = FIXTURES / "tagged"
CORPUS = FIXTURES / "corpus.jsonl"
PATTERN = r"(?P<case>[^_]+)_s(?P<n>\d+)"
Z = 1.959963984540054
SVG = "{http://www.w3.org/2000/svg}"


# -- statistics --------------------------------------------------------------------------------

def test_wilson_interval_matches_hand_calculation():
    # 2 of 10: p = .2, z² = 3.8415; centre (.2 + .19207) / 1.38415 = .28326,
    # half-width 1.96 / 1.38415 · √(.016 + .0096037) = .22658 -> .0567 to .5098.
    low, high = wilson_interval(2, 10)
    assert low == pytest.approx(0.05668, abs=1e-5)
    assert high == pytest.approx(0.50984, abs=1e-5)
    # At the edges the interval has a closed form: 0/n -> [0, z²/(n+z²)], n/n -> [n/(n+z²), 1].
    assert wilson_interval(0, 10) == pytest.approx((0.0, Z**2 / (10 + Z**2)))
    assert wilson_interval(4, 4) == pytest.approx((4 / (4 + Z**2), 1.0))


def test_wilson_interval_agrees_with_statsmodels():
    for total in (1, 2, 3, 5, 10, 17, 40, 100):
        for count in range(total + 1):
            expected = proportion_confint(count, total, alpha=0.05, method="wilson")
            assert wilson_interval(count, total) == pytest.approx(expected, abs=1e-9)


def test_wilson_interval_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(1, 0)
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_slope_matches_hand_calculation():
    # x 1..4, y 0 10 5 20: Sxy 27.5, Sxx 5 -> slope 5.5; residuals -.5 4 -6.5 3, SSR 67.5,
    # s² 33.75, se √(33.75/5) = 2.598; t(.975, 2 df) = 4.3027 -> 5.5 ± 11.179.
    slope = fit_slope("pretend", [0, 10, 5, 20])
    assert slope.per_session == pytest.approx(5.5)
    assert slope.low == pytest.approx(5.5 - 4.302653 * math.sqrt(6.75), abs=1e-4)
    assert slope.high == pytest.approx(5.5 + 4.302653 * math.sqrt(6.75), abs=1e-4)
    assert (slope.first, slope.last, slope.sessions) == (0, 20, 4)
    assert "the interval includes 0" in describe_slope(slope)


def test_slope_needs_three_sessions_and_says_so():
    slope = fit_slope("teleological", [10.0, 0.0])
    assert slope.per_session is slope.low is slope.high is None
    assert "too few for a fitted change" in describe_slope(slope)
    flat = fit_slope("pretend", [5.0, 5.0, 5.0])
    assert (flat.per_session, flat.low, flat.high) == (0.0, 0.0, 0.0)
    rising = fit_slope("mentalizing", [10.0, 20.0, 31.0, 40.0, 52.0])
    assert rising.low > 0 and "lies above 0" in describe_slope(rising)


# -- ordering values ---------------------------------------------------------------------------

def test_natural_order_puts_s2_before_s10():
    names = ["s10", "S2", "s1", "s2b", "intake"]
    assert sorted(names, key=natural_key) == ["intake", "s1", "S2", "s2b", "s10"]


@pytest.mark.parametrize(("value", "expected"), [
    (3, 3.0), ("12", 12.0), ("2.5", 2.5),
    ("2024-03-14", datetime(2024, 3, 14)), ("2024-03-14T10:30", datetime(2024, 3, 14, 10, 30)),
    ("14 March 2024", datetime(2024, 3, 14)), ("March 14th, 2024", datetime(2024, 3, 14)),
    ("3 Sept 2024", datetime(2024, 9, 3)), ("14/03/2024", datetime(2024, 3, 14)),
    ("03/14/2024", datetime(2024, 3, 14)),
])
def test_order_values_are_read_as_numbers_or_dates(value, expected):
    assert parse_order(value) == expected


@pytest.mark.parametrize("value", ["03/04/2024", "14 March", "soon", True, ["2024"], "31/02/2024"])
def test_order_values_that_are_refused(value):
    with pytest.raises(OrderError):
        parse_order(value)


# -- grouping, ordering, figures ---------------------------------------------------------------

def by_session(trends):
    return {row["session"]: row for row in trends.rows()}


def test_case_pattern_groups_and_numbers_sessions():
    trends = collect([TAGGED], Grouping(case_pattern=PATTERN))
    assert [c.name for c in trends.cases] == ["clientA", "clientB"]
    assert [r["session"] for r in trends.cases[0].sessions] == [
        "clientA_s1", "clientA_s2", "clientA_s10"]
    assert [r["position"] for r in trends.cases[0].sessions] == [1, 2, 3]
    assert [r["order_value"] for r in trends.cases[0].sessions] == [1, 2, 10]


def test_without_a_number_sessions_come_in_natural_order():
    trends = collect([TAGGED], Grouping(case_pattern=r"(?P<case>[^_]+)_"))
    assert [r["session"] for r in trends.cases[0].sessions] == [
        "clientA_s1", "clientA_s2", "clientA_s10"]
    assert all(r["order_value"] is None for r in trends.rows())


def test_default_case_is_each_input_as_given():
    a, b = TAGGED / "clientA_s1.jsonl", TAGGED / "clientB_s1.jsonl"
    trends = collect([a, b])
    assert [c.name for c in trends.cases] == [str(a), str(b)]
    assert [len(c.sessions) for c in collect([TAGGED]).cases] == [5]


def test_session_figures_match_hand_counts():
    rows = by_session(collect([TAGGED], Grouping(case_pattern=PATTERN)))
    s1 = rows["clientA_s1"]  # 10 client turns (and 10 clinician turns): PE 2, TEL 1, MENT 3
    assert s1["client_turns"] == 10
    assert [s1[f"n_{k}"] for k in ("psychic_equivalence", "teleological", "pretend",
                                   "mentalizing", "none")] == [2, 1, 0, 3, 4]
    assert s1["rate100_psychic_equivalence"] == 20.0
    assert s1["rate100_psychic_equivalence_low"] == pytest.approx(5.668, abs=1e-3)
    assert s1["rate100_psychic_equivalence_high"] == pytest.approx(50.984, abs=1e-3)
    assert s1["rate100_pretend"] == 0.0
    assert s1["rate100_pretend_high"] == pytest.approx(100 * Z**2 / (10 + Z**2), abs=1e-3)
    assert s1["share_mentalizing"] == 0.3
    # 4 of 10 client turns lean to self (+1); only client turns count, so the clinician's
    # 0 on automatic-controlled does not dilute the clients' -1.
    assert s1["profile_self_other"] == 0.4
    assert s1["profile_automatic_controlled"] == -1.0
    s10 = rows["clientA_s10"]  # 20 client turns: PE 1
    expected = proportion_confint(1, 20, method="wilson")
    assert (s10["rate100_psychic_equivalence_low"], s10["rate100_psychic_equivalence_high"]) \
        == pytest.approx(tuple(100 * e for e in expected), abs=1e-3)
    b1 = rows["clientB_s1"]  # 4 of 4 mentalizing
    assert b1["share_mentalizing"] == 1.0
    assert b1["share_mentalizing_low"] == pytest.approx(4 / (4 + Z**2), abs=1e-5)


def test_case_trend_follows_the_session_order():
    trends = collect([TAGGED], Grouping(case_pattern=PATTERN))
    slope = {(r["case"], r["measure"]): r for r in trends.case_rows()}
    pe = slope[("clientA", "psychic_equivalence")]
    # PE per 100: 20, 10, 5 in order s1, s2, s10 -> slope -7.5 (in name order s1, s10, s2
    # it would be -5); residuals .833 -1.667 .833, se √(4.1667/2), t(.975, 1 df) 12.7062.
    assert pe["slope_per_session"] == -7.5
    assert pe["slope_low"] == pytest.approx(-7.5 - 12.7062 * math.sqrt(4.1667 / 2), abs=1e-2)
    assert (pe["first"], pe["last"], pe["sessions"]) == (20.0, 5.0, 3)
    assert slope[("clientA", "mentalizing")]["first"] == 30.0  # a percentage
    assert slope[("clientB", "pretend")]["slope_per_session"] is None  # two sessions


def test_case_field_and_date_order_from_meta():
    trends = collect([CORPUS], Grouping(case_field="client_id", order_field="date"))
    assert [c.name for c in trends.cases] == ["anna", "ben"]
    anna = trends.cases[0].sessions
    # a 2024-03-01, b 2024-01-15, c "7 February 2024": by date b, c, a.
    assert [r["session"] for r in anna] == ["b", "c", "a"]
    assert [r["order_value"] for r in anna] == ["2024-01-15", "2024-02-07", "2024-03-01"]
    assert [r["rate100_psychic_equivalence"] for r in anna] == [10.0, 20.0, 30.0]


def test_case_field_may_be_a_top_level_field(tmp_path):
    records = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    for record in records:
        record["case"] = record.pop("meta")["client_id"]
    path = tmp_path / "flat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert [c.name for c in collect([path], Grouping(case_field="case")).cases] == [
        "anna", "ben"]


def test_reading_is_one_pass_per_file(monkeypatch):
    from mbt_nlp.research import trends as module

    opened = []
    original = module.tagged_records
    monkeypatch.setattr(module, "tagged_records",
                        lambda path: opened.append(path) or original(path))
    collect([TAGGED], Grouping(case_pattern=PATTERN))
    assert sorted(p.name for p in opened) == sorted(p.name for p in TAGGED.glob("*.jsonl"))


# -- the table and the page --------------------------------------------------------------------

def run(*args):
    return runner.invoke(app, ["trends", *map(str, args)])


def test_cli_writes_documented_tables_and_page(tmp_path):
    out = tmp_path / "out"
    result = run(TAGGED, "--out", out, "--case-pattern", PATTERN, "--format",
                 "csv,parquet", "--format", "html")
    assert result.exit_code == 0, result.output
    with (out / "trends.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 5
    assert [r["session"] for r in rows[:3]] == ["clientA_s1", "clientA_s2", "clientA_s10"]
    parquet = pd.read_parquet(out / "trends.parquet")
    assert list(parquet.columns) == list(COLUMNS)
    assert parquet["rate100_psychic_equivalence"].tolist() == [
        float(r["rate100_psychic_equivalence"]) for r in rows]
    cases = pd.read_csv(out / "trends_by_case.csv")
    assert list(cases.columns) == list(CASE_COLUMNS)
    assert len(cases) == 2 * 4  # two cases × three modes and mentalizing
    page = (out / "trends.html").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"<dt>{column}</dt>" in page
    assert "5 session(s) in 2 case(s)" in result.output


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(chunk) for chunk in re.findall(r"<svg class=\"trend\".*?</svg>",
                                                         page, re.DOTALL)]


def test_page_has_one_chart_per_case_with_a_whisker_per_session_and_mode():
    trends = collect([TAGGED], Grouping(case_pattern=PATTERN))
    page = render_trends_page(trends)
    charts = svgs(page)
    assert len(charts) == 2
    for chart, sessions in zip(charts, (3, 2), strict=True):
        whiskers = chart.findall(f".//{SVG}path[@class='whisker']")
        assert len(whiskers) == sessions * 3
        points = [e for e in chart.iter() if e.get("class") == "point"]
        assert len(points) == sessions * 3
        for whisker in whiskers:
            # "Mx,low V high M..." in SVG units: the upper end is higher up (smaller y).
            low, high = (float(v) for v in re.match(r"M[\d.]+,([\d.]+)V([\d.]+)",
                                                    whisker.get("d")).groups())
            assert high <= low
    assert "<script" not in page and "http://" not in page.replace(SVG[1:-1], "")


def test_whisker_spans_the_interval_on_the_axis():
    trends = collect([TAGGED / "clientA_s1.jsonl"])
    chart = svgs(render_trends_page(trends))[0]
    # psychic equivalence, 2/10: 5.67 to 50.98 on an axis from 0 (bottom) to 100 (top).
    whisker = chart.findall(f".//{SVG}path[@class='whisker']")[0]
    low, high = (float(v) for v in re.match(r"M[\d.]+,([\d.]+)V([\d.]+)",
                                            whisker.get("d")).groups())
    grid = {line.get("y1"): line for line in chart.findall(f".//{SVG}line[@class='grid']")}
    ys = sorted(float(y) for y in grid)
    top, bottom = ys[0], ys[-1]
    assert (bottom - low) / (bottom - top) == pytest.approx(0.0567, abs=0.002)
    assert (bottom - high) / (bottom - top) == pytest.approx(0.5098, abs=0.002)


def test_case_and_session_ids_are_escaped(tmp_path):
    records = [json.loads(line) for line in (TAGGED / "clientB_s2.jsonl").read_text()
               .splitlines()]
    for record in records:
        record["session"] = "<script>alert(1)</script>"
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    page = render_trends_page(collect([path]))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert len(svgs(page)) == 1  # still well-formed XML


def copy_tagged(tmp_path: Path) -> Path:
    folder = tmp_path / "tagged"
    shutil.copytree(TAGGED, folder)
    return folder


def test_cli_links_the_page_from_the_tag_index(tmp_path):
    folder = copy_tagged(tmp_path)
    (folder / "index.html").write_text(render_index([]), encoding="utf-8")
    result = run(folder, "--out", tmp_path / "trends", "--case-pattern", PATTERN)
    assert result.exit_code == 0, result.output
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count('href="./../trends/trends.html"') == 1
    assert index.index('data-mbt="trends"') < index.index(RELATED_MARKER)
    again = run(folder, "--out", tmp_path / "trends", "--case-pattern", PATTERN, "--force")
    assert again.exit_code == 0
    assert (folder / "index.html").read_text(encoding="utf-8").count('data-mbt="trends"') == 1


def test_link_into_an_older_index_and_never_into_a_foreign_page(tmp_path):
    page = tmp_path / "trends.html"
    older = tmp_path / "older.html"
    older.write_text(render_index([]).replace(RELATED_MARKER, ""), encoding="utf-8")
    assert link_from_index(older, page)
    html = older.read_text(encoding="utf-8")
    assert html.index('href="./trends.html"') < html.index("</header>")
    foreign = tmp_path / "index.html"
    foreign.write_text("<html><header></header></html>", encoding="utf-8")
    assert not link_from_index(foreign, page)
    assert foreign.read_text(encoding="utf-8") == "<html><header></header></html>"


def test_cli_refuses_to_overwrite_without_force(tmp_path):
    assert run(TAGGED, "--out", tmp_path).exit_code == 0
    result = run(TAGGED, "--out", tmp_path)
    assert result.exit_code == 2 and "--force" in result.output


# -- bad input ---------------------------------------------------------------------------------

SECRET = "my secret words"


def write_records(path: Path, edit) -> Path:
    """The records of clientA_s1 (text replaced by SECRET), changed by `edit(i, record)`."""
    records = [json.loads(line) for line in (TAGGED / "clientA_s1.jsonl").read_text()
               .splitlines()]
    lines = []
    for i, record in enumerate(records):
        record["text"] = SECRET
        record["meta"] = {"client_id": "A", "date": "2024-01-10"}
        changed = edit(i, record)
        lines.append(changed if isinstance(changed, str) else json.dumps(record))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_one_line_error(result, where: str, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    message = " ".join(result.output.split())
    assert f"error: {where}: " in message and words in message, message
    assert SECRET not in result.output


def test_error_invalid_json_names_file_and_line(tmp_path):
    path = write_records(tmp_path / "bad.jsonl", lambda i, r: '{"schema": ' if i == 2 else r)
    assert_one_line_error(run(path, "--out", tmp_path / "o"), f"{path}:3", "invalid JSON")


def test_error_case_field_missing_in_a_record(tmp_path):
    def edit(i, record):
        if i == 5:
            del record["meta"]["client_id"]

    path = write_records(tmp_path / "missing.jsonl", edit)
    result = run(path, "--out", tmp_path / "o", "--case-field", "client_id")
    assert_one_line_error(result, f"{path}:6", "no field 'client_id' (--case-field)")


def test_error_unparsable_date_names_line_without_the_value(tmp_path):
    def edit(i, record):
        record["meta"]["date"] = f"when {SECRET}" if i >= 7 else "2024-01-10"

    path = write_records(tmp_path / "dates.jsonl", edit)
    result = run(path, "--out", tmp_path / "o", "--order-field", "date")
    assert_one_line_error(result, f"{path}:8", "--order-field")


def test_error_ambiguous_date(tmp_path):
    def edit(i, record):
        record["meta"]["date"] = "03/04/2024"

    path = write_records(tmp_path / "ambiguous.jsonl", edit)
    result = run(path, "--out", tmp_path / "o", "--order-field", "date")
    assert_one_line_error(result, f"{path}:1", "YYYY-MM-DD")


def test_error_session_without_client_turns(tmp_path):
    def edit(i, record):
        record["role"], record["mode"] = "clinician", None

    path = write_records(tmp_path / "clinician_only.jsonl", edit)
    assert_one_line_error(run(path, "--out", tmp_path / "o"), f"{path}:1", "no client turns")


def test_error_unreadable_files(tmp_path):
    missing = tmp_path / "nowhere.jsonl"
    assert_one_line_error(run(missing, "--out", tmp_path / "o"), str(missing), "no such file")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes((TAGGED / "clientB_s1.jsonl").read_bytes() + b'{"schema": "\xff"}\n')
    assert_one_line_error(run(latin, "--out", tmp_path / "o"), f"{latin}:9", "not UTF-8")


def test_error_tag_folder_without_jsonl(tmp_path):
    folder = tmp_path / "html_only"
    folder.mkdir()
    (folder / ".mbt-run.json").write_text("{}", encoding="utf-8")
    (folder / "s1.sessions.csv").write_text("session\n", encoding="utf-8")
    assert_one_line_error(run(folder, "--out", tmp_path / "o"), str(folder), "--format jsonl")


@pytest.mark.parametrize(("args", "words"), [
    (["--case-pattern", "(?P<who>x)"], "group named case"),
    (["--case-pattern", "(unclosed"], "not a regular expression"),
    (["--case-pattern", PATTERN, "--case-field", "client_id"], "not both"),
    (["--format", "csv,pdf"], "unknown --format pdf"),
])
def test_usage_errors(tmp_path, args, words):
    result = run(TAGGED, "--out", tmp_path, *args)
    assert result.exit_code == 2 and words in " ".join(result.output.split())


def test_pattern_that_misses_a_session(tmp_path):
    result = run(TAGGED, "--out", tmp_path, "--case-pattern", r"(?P<case>client[AB])_x")
    assert_one_line_error(result, f"{TAGGED / 'clientA_s1.jsonl'}:1",
                          "does not match --case-pattern")


def test_records_without_modes_are_refused(tmp_path):
    def edit(i, record):
        del record["mode"]

    path = write_records(tmp_path / "rules_only.jsonl", edit)
    assert_one_line_error(run(path, "--out", tmp_path / "o"), f"{path}:2", "without a mode")


# -- transcripts, tagged here ------------------------------------------------------------------

def test_transcripts_are_tagged_and_grouped_by_their_columns(tmp_path):
    folder = tmp_path / "transcripts"
    folder.mkdir()
    lines = ["T: How was the week?", "C: It just is what it is. He hates me, full stop.",
             "T: What makes you sure?", "C: I wonder if I misread him; maybe he was tired."]
    for name, date in (("late", "2024-05-02"), ("early", "2024-04-01")):
        rows = [{"session": name, "speaker": line[0], "text": line[3:], "client_id": "Z",
                 "date": date} for line in lines]
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    out = tmp_path / "out"
    result = run(folder, "--out", out, "--case-field", "client_id", "--order-field", "date")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "trends.csv")
    assert table["session"].tolist() == ["early", "late"]
    assert table["case"].tolist() == ["Z", "Z"]
    assert table["client_turns"].tolist() == [2, 2]
    modes = [f"n_{k}" for k in ("psychic_equivalence", "teleological", "pretend",
                                "mentalizing", "none")]
    assert (table[modes].sum(axis=1) == 2).all()

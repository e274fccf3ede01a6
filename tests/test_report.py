"""The supervisor's report: inert transcript text, self-contained, complete, right figures."""

from __future__ import annotations

import html as html_module
import json
import re
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

from mbt_nlp.annotation.flag_rates import FlagRates
from mbt_nlp.annotation.turns import annotate
from mbt_nlp.pipeline.resources import LABELS, MODES
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.transcript import RoleMap
from mbt_nlp.writers.report import (
    OutputExistsError,
    moments,
    page_names,
    render_index,
    render_report,
    session_entry,
    session_summary,
    smooth,
    text_pieces,
    write_report,
)
from tests.conftest import REPO

EXAMPLE = REPO / "mbt_nlp" / "examples" / "session.txt"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7*7 }}"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Page(HTMLParser):
    """Each turn element's speaker and words as a reader sees them (tooltips and the
    small family labels set aside), plus every link and source attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.turns: list[dict[str, object]] = []
        self.urls: list[str] = []
        self.stack: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [v or "" for k, v in attrs.items() if k in ("href", "src", "action")]
        classes = set((attrs.get("class") or "").split())
        if tag == "li" and "turn" in classes:
            self.turns.append({"classes": classes, "speaker": "", "text": "", "id": attrs["id"]})
        if tag not in VOID:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        inside = set().union(*(c for _, c in self.stack)) if self.stack else set()
        if "turn" not in inside or inside & {"tip", "tag"}:
            return
        if "speaker" in inside:
            self.turns[-1]["speaker"] += data
        elif "text" in inside:
            self.turns[-1]["text"] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, full_nlp):
    """A report on a transcript whose session, speakers and words are all attacks."""
    folder = tmp_path_factory.mktemp("hostile")
    rows = [
        {"speaker": SCRIPT, "text": f"Hello {SCRIPT} and {TEMPLATE}, where shall we start?"},
        {"speaker": IMG, "text": f"I know he hates me. It just is. {IMG}"},
        {"speaker": SCRIPT, "text": f"{TEMPLATE} How did you get there so fast?"},
        {"speaker": TEMPLATE, "text": f"Nobody ever stays with me {TEMPLATE} {SCRIPT}"},
        {"speaker": SCRIPT, "text": "What happened next? {% raw %}{{ config }}"},
        {"speaker": IMG, "text": f"If he cared he would ring. {SCRIPT} Words are cheap."},
    ]
    source = folder / "hostile.jsonl"
    source.write_text("".join(json.dumps({"session": SCRIPT, **r}) + "\n" for r in rows),
                      encoding="utf-8")
    output = folder / "report.html"
    options = ReadOptions(roles=RoleMap.from_options(clinician=SCRIPT))
    assert write_report(source, output, full_nlp, options) == [output]
    return rows, output.read_text(encoding="utf-8")


def test_transcript_text_is_inert(hostile):
    rows, html = hostile
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert TEMPLATE in html and "{% raw %}{{ config }}" in html
    page = parse(html)
    for row, turn in zip(rows, page.turns, strict=True):
        assert turn["speaker"] == row["speaker"]  # literally, not evaluated (no 49)
        assert turn["text"] == row["text"]
        assert "49" not in turn["text"] + turn["speaker"]
    assert html.count("<script") == 1  # ours only


def test_report_makes_no_external_request(hostile, tmp_path, full_nlp):
    pages = [hostile[1]]
    output = tmp_path / "example.html"
    write_report(EXAMPLE, output, full_nlp)
    pages.append(output.read_text(encoding="utf-8"))
    for html in pages:
        assert "http://" not in html and "https://" not in html
        assert "@import" not in html and "url(" not in html
        assert all(url.startswith("#") for url in parse(html).urls)
        assert "default-src 'none'" in html  # CSP: nothing may be fetched


def test_every_turn_appears_in_order(hostile, tmp_path, full_nlp):
    output = tmp_path / "example.html"
    write_report(EXAMPLE, output, full_nlp)
    html = output.read_text(encoding="utf-8")
    records = annotate(read_transcript(EXAMPLE), full_nlp)
    page = parse(html)
    assert len(page.turns) == len(records) == 24
    for record, turn in zip(records, page.turns, strict=True):
        assert turn["text"] == record["text"]
        assert turn["speaker"] == record["speaker"]
        assert record["role"] in turn["classes"]
        if not record["markers"]:
            assert str(escape(record["text"])) in html
    flagged = [t for t in page.turns if "flagged" in t["classes"]]
    assert len(flagged) == sum(r.get("mode") in MODES for r in records) > 0
    rows, hostile_html = hostile
    assert [t["text"] for t in parse(hostile_html).turns] == [r["text"] for r in rows]


def record(turn, role, words, mode=None, p=None, profile=None, markers=(), session="s1"):
    proba = None
    if role == "client":
        proba = dict.fromkeys(LABELS, 0.0)
        proba[mode] = p if p is not None else 1.0
    return {
        "session": session, "turn": turn, "speaker": "C" if role == "client" else "T",
        "role": role, "text": f"turn {turn} words", "start": None, "end": None,
        "markers": list(markers), "cancelled": [], "discourse": {"words": float(words)},
        "profile": profile or dict.fromkeys(("self_other", "internal_external",
                                             "cognitive_affective", "automatic_controlled"), 0.0),
        "mode": mode if role == "client" else None, "proba": proba, "segments": [],
    }


def marker(start, end, family, rule="r", label="L", text="x"):
    return {"start": start, "end": end, "text": text, "label": label, "family": family,
            "rule": rule}


HAND_MADE = [
    record(0, "clinician", 7),
    record(1, "client", 10, "psychic_equivalence", 0.9,
           {"self_other": 1.0, "internal_external": 0.5, "cognitive_affective": 0.0,
            "automatic_controlled": -1.0},
           [marker(0, 4, "psychic_equivalence"), marker(5, 10, "psychic_equivalence")]),
    record(2, "clinician", 12, markers=[marker(0, 4, "mentalizing")]),
    record(3, "client", 20, "teleological", 0.4,
           {"self_other": -1.0, "internal_external": 0.5, "cognitive_affective": 1.0,
            "automatic_controlled": 0.0}, [marker(0, 4, "teleological")]),
    record(4, "client", 10, "mentalizing", 0.8, markers=[marker(0, 4, "mentalizing")]),
    record(5, "client", 10, "none", 0.95),
    record(6, "clinician", 3),
]


def test_summary_figures_are_exact():
    summary = session_summary(HAND_MADE)
    assert (summary["turns"], summary["client_turns"], summary["clinician_turns"]) == (7, 4, 3)
    assert summary["client_words"] == 50
    assert summary["modes"] == {
        "psychic_equivalence": {"count": 1, "rate100w": 2.0},
        "teleological": {"count": 1, "rate100w": 2.0},
        "pretend": {"count": 0, "rate100w": 0.0},
    }
    assert summary["flagged"] == 2
    assert summary["mentalizing"] == {"count": 1, "rate100w": 2.0}
    assert summary["share_mentalizing"] == 0.25
    assert summary["markers"] == {"psychic_equivalence": 2, "teleological": 1, "pretend": 0,
                                  "mentalizing": 1}  # the clinician's marker is not counted
    assert summary["profile"] == pytest.approx({"self_other": 0.0, "internal_external": 0.25,
                                                "cognitive_affective": 0.25,
                                                "automatic_controlled": -0.25})
    html = render_report(HAND_MADE, reasons={}, model_name="m", model_version="9")
    assert "<dd>50</dd>" in html and "25%" in html and "2 <small>of 4</small>" in html
    assert "model m 9" in html


def test_summary_without_classifier_has_no_rates():
    rules_only = [{k: v for k, v in r.items() if k not in ("mode", "proba", "segments")}
                  for r in HAND_MADE]
    summary = session_summary(rules_only)
    assert not summary["classified"] and summary["share_mentalizing"] is None
    assert summary["markers"]["psychic_equivalence"] == 2
    html = render_report(rules_only, reasons={}, model_name="rules", model_version="")
    assert "no classifier" in html and len(parse(html).turns) == 7
    assert [m["record"]["turn"] for m in moments(rules_only, {})] == [1, 3]  # by marker count


def test_moments_are_the_strongest_flags_with_the_clinicians_next_turn():
    records = [record(0, "clinician", 3)]
    for turn, p in enumerate((0.2, 0.9, 0.5, 0.7, 0.1, 0.6), start=1):
        records.append(record(2 * turn - 1, "client", 5, "pretend", p))
        records.append(record(2 * turn, "clinician", 5))
    records.append(record(99, "client", 5, "teleological", 0.95))  # nothing follows it
    found = moments(records, {})
    assert [m["record"]["turn"] for m in found] == [99, 3, 7, 11, 5]
    assert found[0]["next"] is None
    assert [m["next"]["turn"] for m in found[1:]] == [4, 8, 12, 6]
    assert found[1]["probability"] == 0.9 and found[1]["mode"] == "pretend"


def test_a_split_client_turn_is_one_moment_showing_all_its_lines():
    records = [record(0, "clinician", 3)]
    for turn in (1, 2, 3):
        line = record(turn, "client", 4, "pretend", 0.6, markers=[marker(0, 4, "pretend")])
        # "turn N words": line 1's segment is the whole line, line 2's only "turn 2".
        end = 6 if turn == 2 else len(line["text"])
        segment = {"start": 0, "end": end, "mode": "pretend", "probability": 0.6, "markers": []}
        records.append({**line, "passage": [1, 3], "segments": [segment]})
    records += [record(4, "clinician", 3), {**record(5, "client", 4, "pretend", 0.3),
                                              "passage": [5, 5]}]
    found = moments(records, {})
    assert [m["positions"] for m in found] == [[1, 2, 3], [5]]
    assert found[0]["next"]["turn"] == 4
    assert len(found[0]["evidence"]) == 1 and found[0]["evidence"][0]["words"] == ["x"] * 3
    assert [seg["text"] for seg in found[0]["segments"]] == ["turn 2"]  # whole lines not repeated
    page = render_report(records, reasons={}, model_name="m", model_version="1")
    assert page.count("Turns 1–3") == 1 and "judged on them together" in page
    assert page.count(" 2 words") == 2  # in the moment and in the transcript


def test_overlapping_markers_become_non_overlapping_pieces():
    text = "So he doesn't care, that's obvious."
    markers = [marker(0, 18, "teleological", "te.a", "ACTION_AS_PROOF"),
               marker(3, 18, "psychic_equivalence", "pe.b", "GLOBAL_JUDGEMENT"),
               marker(20, 34, "mentalizing", "me.c", "X")]
    pieces = text_pieces(text, markers, {"te.a": "reason a"})
    assert "".join(p["text"] for p in pieces) == text
    assert [(p["text"], p["family"]) for p in pieces] == [
        ("So ", "teleological"), ("he doesn't care", "psychic_equivalence"), (", ", None),
        ("that's obvious", "mentalizing"), (".", None)]
    assert [m["rule"] for m in pieces[1]["markers"]] == ["pe.b", "te.a"]
    assert pieces[0]["markers"][0]["reason"] == "reason a"
    assert [p["tag"] for p in pieces] == [None, "PE+TEL", None, "MENT", None]


def test_a_turn_with_no_words_is_shown_empty(tmp_path, full_nlp):
    # Speaker labels with nothing after them are turns with empty text: the tagger keeps
    # them, and so must the page (it stopped on them with a ValueError).
    assert text_pieces("", [], {}) == []
    path = tmp_path / "labels.txt"
    path.write_text("T:\nC:\nT: How are you?\nC:\n", encoding="utf-8")
    output = tmp_path / "labels.html"
    write_report(path, output, full_nlp)
    turns = parse(output.read_text(encoding="utf-8")).turns
    assert [t["text"] for t in turns] == ["", "", "How are you?", ""]


def test_smooth_is_a_centred_three_turn_average():
    assert smooth([0.0, 0.3, 0.6, 0.0]) == pytest.approx([0.15, 0.3, 0.3, 0.3])
    assert smooth([]) == [] and smooth([0.4]) == [0.4]


def test_render_report_takes_one_session():
    with pytest.raises(ValueError, match="one session"):
        render_report([*HAND_MADE, record(9, "client", 1, "none", session="s2")], reasons={},
                      model_name="m", model_version="1")


def test_several_sessions_get_a_page_each_and_an_index(tmp_path, full_nlp):
    source = tmp_path / "two.csv"
    source.write_text("session,speaker,text\nA/1,T,How was it?\nA/1,C,It just is.\n"
                      "b 2,T,And then?\nb 2,C,Maybe he was tired.\n", encoding="utf-8")
    output = tmp_path / "out.html"
    pages = write_report(source, output, full_nlp)
    assert pages == [output, tmp_path / "out-A_1.html", tmp_path / "out-b_2.html"]
    index = output.read_text(encoding="utf-8")
    assert parse(index).urls == ["./out-A_1.html", "./out-b_2.html"]
    assert "http://" not in index and "https://" not in index
    assert "model mbt_en" in index and "model mbt_en" in pages[1].read_text(encoding="utf-8")
    assert "of 2 client turns; by length: 1-10 words" in index
    assert "It just is." in [t["text"] for t in parse(pages[1].read_text("utf-8")).turns]
    before = {p: p.read_text(encoding="utf-8") for p in pages}
    pages[2].unlink()
    with pytest.raises(OutputExistsError):
        write_report(source, output, full_nlp, force=False)
    assert not pages[2].exists() and all(p.read_text(encoding="utf-8") == before[p]
                                         for p in pages[:2])


def test_index_lists_sessions():
    entry = session_entry(HAND_MADE, "r-s1.html")
    assert entry == {"session": "s1", "href": "r-s1.html", "client_turns": 4,
                     "client_words": 50, "share_mentalizing": 0.25,
                     "flagged": {"psychic_equivalence": 1, "teleological": 1, "pretend": 0},
                     "flag_rates": FlagRates().add(HAND_MADE).to_dict()}
    assert entry["flag_rates"]["flagged"]["1-10"] == 2
    html = render_index([{**entry, "session": SCRIPT}])
    assert "<script" not in html and parse(html).urls == ["r-s1.html"]
    assert "client turns; by length" not in html  # no counts given, no line


def test_index_says_how_often_it_flagged_and_warns_when_that_is_unusual():
    entry = session_entry(HAND_MADE, "r-s1.html")
    ordinary = render_index([entry], flags=FlagRates().add(HAND_MADE))
    assert "Flagged 2 of 4 client turns; by length: 1-10 words 50.0% (2/4)." in ordinary
    assert "Note:" not in ordinary  # 4 turns are too few to call anything unusual
    long_turns = FlagRates().merge({"judged": {">100": 40}, "flagged": {">100": 20}})
    unusual = render_index([entry], flags=long_turns, uncounted=2)
    assert "Flagged 20 of 40 client turns" in unusual
    assert ("; 2 sessions listed without counts (tagged by an earlier version) are not "
            "counted.") in unusual
    assert "Note:</strong> A mode was flagged on 50% of 40 turns of >100 words" in html_text(
        unusual)
    assert "mbt report" in unusual
    rules_only = render_index([entry], flags=FlagRates())
    assert "client turns; by length" not in rules_only and "Note:" not in rules_only


def html_text(html: str) -> str:
    """The page with entities decoded, as a reader sees its text."""
    return html_module.unescape(html)


def test_page_names_are_safe_and_unique():
    assert page_names(["a/b", "a b", "A_B", "..", "x"], "r") == [
        "r-a_b.html", "r-a_b-2.html", "r-A_B-3.html", "r-session.html", "r-x.html"]


runner = CliRunner()


def test_cli_report_writes_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out), "--rules-only"])
    assert result.exit_code == 0, result.output
    assert "model mbt-nlp rules only (no classifier)" in out.read_text(encoding="utf-8")
    out.write_text("keep")
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 2 and out.read_text() == "keep"


def test_cli_report_bad_input_is_one_line_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("T: hi\nTherapsit: hello\n")
    result = runner.invoke(app, ["report", str(bad), "-o", str(tmp_path / "r.html"),
                                 "--rules-only", "--clinician", "T", "--client", "C"])
    assert result.exit_code == 1
    assert "bad.txt:2" in result.output and "Traceback" not in result.output


def test_cli_runs_as_a_module():
    # cli/main.py imports cli/report.py on its last line; run as a script, main is
    # imported a second time from there, which must not be a circular-import error.
    result = subprocess.run([sys.executable, "-m", "mbt_nlp.cli.main", "report", "--help"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "--rules-only" in result.stdout


CHROMIUM = shutil.which("chromium")


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=180, check=False,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                    "(apt-get install chromium) to render the report in a browser")
def test_report_renders_in_chromium_without_errors(tmp_path, full_nlp):
    page = tmp_path / "example.html"
    write_report(EXAMPLE, page, full_nlp)
    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000",
                      page.as_uri())
    assert shot.exists(), result.stderr
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    assert struct.unpack(">II", data[16:24]) == (1280, 2000)
    # Console messages (script errors, CSP refusals) are logged as "...:CONSOLE...".
    result = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom",
                      page.as_uri())
    assert result.returncode == 0, result.stderr
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    # The script ran: it shows the filter bar, which stays hidden without JavaScript.
    assert re.search(r'<div class="filter" id="filter" role="group" aria-label="Show turns">',
                     result.stdout)
    assert 'id="filter" role="group" aria-label="Show turns" hidden' in page.read_text()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                    "(apt-get install chromium) to render the report in a browser")
def test_filter_shows_a_mode_and_the_clinicians_replies(tmp_path, full_nlp):
    page = tmp_path / "example.html"
    write_report(EXAMPLE, page, full_nlp)
    html = page.read_text(encoding="utf-8")
    # A copy without the CSP (which would rightly block it) and with a script that presses
    # the "teleological" button and records what the page then says it shows.
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    probe = ('<script>document.querySelector(\'button[data-filter="teleological"]\').click();'
             'document.body.setAttribute("data-shown",'
             'document.getElementById("shown").textContent);</script></body>')
    clicked = tmp_path / "clicked.html"
    clicked.write_text(html.replace("</body>", probe), encoding="utf-8")
    result = chromium(tmp_path, "--dump-dom", clicked.as_uri())
    teleological = html.count('class="turn client mode-teleological flagged"')
    assert teleological == 2  # each followed by one clinician turn
    assert f'<body data-shown="{2 * teleological} of 24 turns shown">' in result.stdout
    assert re.search(r'data-filter="teleological" aria-pressed="true"', result.stdout)
    assert re.search(r'data-filter="all" aria-pressed="false"', result.stdout)

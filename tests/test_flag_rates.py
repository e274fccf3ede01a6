"""How often a run flagged a mode, by turn length, and the note when that is unusual."""

from __future__ import annotations

import pytest
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

from mbt_nlp.annotation.flag_rates import BUCKETS, UNUSUAL_MIN_TURNS, FlagRates, length_bucket

runner = CliRunner()


def record(words: int, mode: str | None, role: str = "client") -> dict:
    return {"role": role, "text": " ".join(["word"] * words), "mode": mode}


@pytest.mark.parametrize(("words", "bucket"), [(1, "1-10"), (10, "1-10"), (11, "11-30"),
                                               (30, "11-30"), (31, "31-100"), (100, "31-100"),
                                               (101, ">100")])
def test_length_buckets_have_inclusive_upper_bounds(words, bucket):
    assert length_bucket(words) == bucket


def test_counts_client_decisions_only_and_flags_only_modes():
    rates = FlagRates().add([
        record(5, "none"), record(5, "psychic_equivalence"), record(20, "mentalizing"),
        record(20, "pretend"), record(150, "teleological"),
        record(20, None, role="clinician"),  # a clinician turn is not judged
        {"role": "client", "text": "no decision here"},  # a rules-only record
    ])
    assert rates.judged == {"1-10": 2, "11-30": 2, "31-100": 0, ">100": 1}
    assert rates.flagged == {"1-10": 1, "11-30": 1, "31-100": 0, ">100": 1}
    assert rates.summary() == ("flagged 3 of 5 client turns; by length: 1-10 words 50.0% "
                               "(1/2), 11-30 words 50.0% (1/2), >100 words 100.0% (1/1)")


def test_counts_made_by_workers_add_up():
    first = FlagRates().add([record(5, "none"), record(50, "pretend")])
    second = FlagRates().add([record(50, "none")])
    merged = FlagRates().merge(first.to_dict()).merge(second.to_dict()).merge(None)
    assert merged.judged == {**dict.fromkeys(BUCKETS, 0), "1-10": 1, "31-100": 2}
    assert merged.flagged["31-100"] == 1 and merged.total_judged == 3


def test_a_bucket_is_unusual_above_a_tenth_over_enough_turns():
    n = UNUSUAL_MIN_TURNS
    at_limit = FlagRates().add([record(50, "pretend")] * (n // 10)
                               + [record(50, "none")] * (n - n // 10))
    assert at_limit.unusual() == [] and at_limit.warning() is None
    above = FlagRates().add([record(50, "pretend")] * (n // 10 + 1)
                            + [record(50, "none")] * (n - n // 10 - 1))
    assert above.unusual() == ["31-100"]
    too_few = FlagRates().add([record(150, "pretend")] * (n - 1))
    assert too_few.unusual() == []
    warning = above.warning()
    assert warning is not None and f"of {n} turns of 31-100 words" in warning


@pytest.fixture(scope="module")
def ordinary_talk(tmp_path_factory):
    """40 client turns of 11-30 words of plain narration."""
    path = tmp_path_factory.mktemp("talk") / "talk.txt"
    path.write_text("".join("T: And then?\nC: We went to the shop on the corner and I bought "
                            f"some bread and {i} eggs, then walked home.\n" for i in range(40)),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("target", ["-o", "--out-dir"])
def test_tag_says_how_often_it_flagged_and_notes_an_unusual_rate(ordinary_talk, tmp_path, target):
    out = tmp_path / ("out.jsonl" if target == "-o" else "out")
    # Threshold 0 flags every judged turn: far above what ordinary sessions show.
    result = runner.invoke(app, ["tag", str(ordinary_talk), target, str(out), "--threshold", "0"])
    assert result.exit_code == 0, result.output
    assert "flagged 40 of 40 client turns; by length: 11-30 words 100.0% (40/40)" in result.output
    assert "note: a mode was flagged on 100% of 40 turns of 11-30 words" in result.output
    plain = runner.invoke(app, ["tag", str(ordinary_talk), target, str(out), "--force"])
    assert plain.exit_code == 0, plain.output
    assert "of 40 client turns; by length: 11-30 words" in plain.output
    assert "note: a mode was flagged" not in plain.output


def test_tag_help_says_the_run_ends_with_its_flag_rates():
    result = runner.invoke(app, ["tag", "--help"])
    assert result.exit_code == 0
    assert "how often a mode was flagged, by turn length" in " ".join(result.output.split())


def test_a_rules_only_run_says_nothing_of_flags(ordinary_talk, tmp_path):
    result = runner.invoke(app, ["tag", str(ordinary_talk), "-o", str(tmp_path / "o.jsonl"),
                                 "--rules-only"])
    assert result.exit_code == 0, result.output
    assert "flagged" not in result.output


def test_a_resumed_run_says_its_rates_are_of_the_files_it_tagged(ordinary_talk, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("T: Hi.\nC: Fine thanks, busy week at work.\n", encoding="utf-8")
    out = tmp_path / "out"
    first = runner.invoke(app, ["tag", str(ordinary_talk), "--out-dir", str(out)])
    assert first.exit_code == 0 and "(the files tagged in this run)" not in first.output
    second = runner.invoke(app, ["tag", str(ordinary_talk), str(other), "--out-dir", str(out)])
    assert second.exit_code == 0, second.output
    assert "1 already done" in second.output
    assert "of 1 client turns; by length: 1-10 words" in second.output
    assert "(the files tagged in this run)" in second.output

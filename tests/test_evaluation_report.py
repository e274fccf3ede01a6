"""`format_report` prints every balanced part as a per-label table and every
realistic part as a false-alarm table, whatever the parts are called."""

from __future__ import annotations

import json

from mbt_nlp.learn.evaluation import format_report
from mbt_nlp.learn.metrics import macro_f1_by_writer
from tests.conftest import REPO


def _metrics() -> dict:
    return json.loads((REPO / "models" / "metrics.json").read_text(encoding="utf-8"))


def test_a_balanced_part_of_any_name_gets_the_per_label_tables():
    results = {key.replace("contrast_", "ours_"): value for key, value in _metrics().items()}
    text = format_report(results)
    for grouping in ("session-grouped 5-fold CV", "leave-one-writer-out"):
        heading = f"## ours, {grouping}"
        assert heading in text
        table = text.split(heading, 1)[1].split("\n## ", 1)[0]
        assert "macro-F1" in table and "| teleological |" in table
        assert "false alarms" not in table  # not screened as a realistic part
    assert "## Written corpus, leave-one-writer-out" in text
    assert "## Spoken sessions, leave-one-writer-out" in text


def test_without_a_balanced_extra_only_the_written_tables_are_printed():
    results = {key: value for key, value in _metrics().items()
               if not key.startswith("contrast_")}
    text = format_report(results)
    assert "## Contrast sets" not in text
    assert text.startswith("## Written corpus, session-grouped 5-fold CV")


def test_macro_f1_is_given_per_writer_in_number_order():
    gold = ["none", "pretend", "none", "pretend", "none", "pretend"]
    predicted = ["none", "pretend", "pretend", "none", "none", "pretend"]
    by_writer = macro_f1_by_writer(gold, predicted, ["w10", "w10", "w2", "w2", "w1", "w1"])
    assert list(by_writer) == ["w1", "w2", "w10"]
    # Over the labels each writer has: w1 and w10 get both right, w2 neither.
    assert by_writer == {"w1": 1.0, "w2": 0.0, "w10": 1.0}


def test_the_report_names_the_writers_under_the_expected_macro_f1():
    results = _metrics()
    for scheme in ("session_cv", "leave_one_writer_out"):
        results[f"written_{scheme}"]["by_writer"] = {"w1": 0.704, "w2": 0.9, "w3": 0.849,
                                                     "w4": 0.95}
    text = format_report(results)
    table = text.split("## Written corpus, leave-one-writer-out", 1)[1].split("\n## ", 1)[0]
    assert ("macro-F1 by writer (4 writers): lowest 0.704 (w1) · median 0.875 · highest 0.950 "
            "(w4); under 0.85: w1 0.704, w3 0.849") in table
    results["written_leave_one_writer_out"]["by_writer"] = {"w2": 0.9, "w4": 0.95}
    assert "under 0.85: none" in format_report(results)

"""`format_report` prints every balanced part as a per-label table and every
realistic part as a false-alarm table, whatever the parts are called."""

from __future__ import annotations

import json

from mbt_nlp.learn.evaluation import format_report
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

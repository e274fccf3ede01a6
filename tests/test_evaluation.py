"""`mbt evaluate`'s figures on a small slice of the corpus: present, scored on lines."""

from __future__ import annotations

import pytest

from mbt_nlp.learn.corpus import load_corpus
from mbt_nlp.learn.evaluation import evaluate, format_report
from tests.conftest import REPO

ANNOTATIONS = REPO / "annotations"


@pytest.fixture(scope="module")
def results(nlp):
    written = load_corpus(nlp, [f for w in ("w1", "w2", "w3")
                                for f in sorted((ANNOTATIONS / "written" / w).glob("*_s0[1-4]*"))])
    real = load_corpus(nlp, sorted((ANNOTATIONS / "real").glob("*.jsonl"))[:30])
    spoken = load_corpus(nlp, sorted((ANNOTATIONS / "spoken").glob("*.jsonl")))
    return evaluate(written, real, spoken, full=False), written, real, spoken


def test_every_figure_is_scored_on_lines(results):
    figures, written, real, spoken = results
    assert figures["written_session_cv"]["n"] == len(written.lines.labels)
    assert figures["written_leave_one_writer_out"]["n"] == len(written.lines.labels)
    assert figures["real_cv"]["turns"] == len(real.lines.labels)
    # Real chats split turns over lines: fewer passages than lines, every line scored.
    assert len(real.units.labels) < len(real.lines.labels)
    for key in ("spoken_cv", "spoken_held_out"):
        assert figures[key]["turns"] == len(spoken.lines.labels)
        assert 0 <= figures[key]["false_alarm_rate"] <= 1
        assert 0.5 <= figures[key]["auroc_any_mode"] <= 1


def test_written_scores_are_consistent(results):
    report = results[0]["written_session_cv"]
    matrix = report["confusion"]["matrix"]
    assert sum(map(sum, matrix)) == report["n"]
    assert sum(row[i] for i, row in enumerate(matrix)) / report["n"] >= 0.5  # far above chance
    assert 0 <= report["ece"] <= 0.2


def test_report_prints_every_part(results):
    text = format_report(results[0])
    for title in ("leave-one-writer-out", "Real turns (MIBot)", "held out (model trained"):
        assert title in text

"""`mbt evaluate`'s figures on a small slice of the corpus: present, scored on lines,
by turn length, under both groupings."""

from __future__ import annotations

import pytest

from mbt_nlp.annotation.flag_rates import BUCKETS
from mbt_nlp.learn.corpus import load_corpus
from mbt_nlp.learn.evaluation import evaluate, format_report
from tests.conftest import REPO

ANNOTATIONS = REPO / "annotations"
# Two-level cross-validation under three groupings: minutes, so CI's slow run has it.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(nlp):
    def load(paths):
        return load_corpus(nlp, paths, windows=True)

    written = load([f for w in ("w1", "w2", "w3")
                    for f in sorted((ANNOTATIONS / "written" / w).glob("*_s0[1-4]*"))])
    realistic = {
        "real": load(sorted((ANNOTATIONS / "real").glob("*.jsonl"))[:30]),
        "spoken": load(sorted((ANNOTATIONS / "spoken").glob("w[89]_s0[1-4].jsonl"))),
        "rev16": load([ANNOTATIONS / "rev16" / f"rev16_{n}.jsonl"
                       for n in ("11", "14", "29", "32")]),
    }
    # Contrast sets: one two-turn session per client, scored as the written part is.
    contrast = load(sorted((ANNOTATIONS / "contrast").glob("w6[34].jsonl")))
    return (evaluate(written, realistic, full=False, balanced={"contrast": contrast}),
            written, realistic)


def test_every_figure_is_scored_on_lines(results):
    figures, written, realistic = results
    for scheme in ("session_cv", "leave_one_writer_out"):
        assert figures[f"written_{scheme}"]["n"] == len(written.lines.labels)
        for name, corpus in realistic.items():
            report = figures[f"{name}_{scheme}"]
            assert report["turns"] == len(corpus.lines.labels)
            assert 0 <= report["false_alarm_rate"] <= 1
    # Real chats split turns over lines: fewer passages than lines, every line scored.
    real = realistic["real"]
    assert len(real.units.labels) < len(real.lines.labels)


def test_false_alarms_and_recall_are_given_by_turn_length(results):
    figures, _, realistic = results
    for name, corpus in realistic.items():
        by_length = figures[f"{name}_session_cv"]["by_length"]
        assert set(by_length) <= set(BUCKETS)
        assert sum(b["turns"] for b in by_length.values()) == len(corpus.lines.labels)
        assert sum(b["mode_turns"] for b in by_length.values()) == \
            figures[f"{name}_session_cv"]["mode_turns"]
    spoken = figures["spoken_session_cv"]
    assert ">100" in spoken["by_length"] and 0.5 <= spoken["auroc_any_mode"] <= 1
    # The windows-combined alternative is reported beside the shipped turn-level decision.
    assert set(spoken["windows_combined"]) >= {"auroc_any_mode", "false_alarm_rate",
                                                "by_length"}
    # rev16 was drawn with unequal chances: its rates over the whole source are given too;
    # a part labelled whole has only its own.
    for scheme in ("session_cv", "leave_one_writer_out"):
        whole = figures[f"rev16_{scheme}"]["design_weighted"]
        assert set(whole["by_length"]) == set(figures[f"rev16_{scheme}"]["by_length"])
        assert "design_weighted" not in figures[f"spoken_{scheme}"]


def test_written_scores_are_consistent(results):
    report = results[0]["written_session_cv"]
    matrix = report["confusion"]["matrix"]
    assert sum(map(sum, matrix)) == report["n"]
    assert sum(row[i] for i, row in enumerate(matrix)) / report["n"] >= 0.5  # far above chance
    assert 0 <= report["ece"] <= 0.2
    # Each writer's own macro-F1 beside the pooled one: what a new writer's sessions get.
    by_writer = results[0]["written_leave_one_writer_out"]["by_writer"]
    assert list(by_writer) == ["w1", "w2", "w3"]
    assert min(by_writer.values()) <= results[0]["written_leave_one_writer_out"]["macro_f1"] \
        <= max(by_writer.values())


def test_report_prints_every_part(results):
    text = format_report(results[0])
    for title in ("leave-one-writer-out", "Real typed chats (MIBot)", "rev16", "| >100 |",
                  "## Contrast sets, leave-one-writer-out"):
        assert title in text


def test_contrast_sets_are_scored_as_a_balanced_part(results):
    figures = results[0]
    for scheme in ("session_cv", "leave_one_writer_out"):
        report = figures[f"contrast_{scheme}"]
        assert report["n"] == 120  # two writers' sets of 60 client turns
        assert sum(map(sum, report["confusion"]["matrix"])) == 120
    # Balanced parts are not screened as tagged: no false-alarm table of their own.
    assert "contrast_session_cv" in figures and "false_alarm_rate" not in \
        figures["contrast_session_cv"]


def test_named_operating_points_pool_the_realistic_parts(results):
    figures, _, realistic = results
    points = figures["operating_points_leave_one_writer_out"]
    assert points["turns"] == sum(len(c.lines.labels) for c in realistic.values())
    assert points["screening"]["worst_bucket_false_alarm_rate"] <= 0.05 or \
        points["screening"]["threshold"] == max(p["threshold"] for p in (
            points["screening"], points["review"], points["balanced"]))
    assert "curves" in figures["spoken_session_cv"]
    text = format_report(figures)
    assert "Named operating points" in text and "average precision" in text

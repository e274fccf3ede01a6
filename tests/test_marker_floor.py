"""The marker floor: a turn with a fixed-verdict marker is flagged at a lower P(any mode)."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest

import mbt_nlp
from mbt_nlp.annotation.turns import annotate, annotate_turns
from mbt_nlp.learn.corpus import load_annotations
from mbt_nlp.learn.evaluation import score_model, screening_report
from mbt_nlp.learn.operating_points import named_points
from mbt_nlp.pipeline.priors import DEFAULT_PRIOR, MARKER_FLOOR, decide, flags
from mbt_nlp.pipeline.resources import LABELS, MODES
from mbt_nlp.transcript import Turn
from mbt_nlp.writers.report import model_identity, moments, render_report
from tests.conftest import REPO
from tests.test_operating_points import proba_with_mode_score
from tests.test_report import marker, record

VERDICT = "Nobody could ever love me, I think, I feel that sometimes when I'm tired."
PLAIN = "I went to the shop on Tuesday and then I came home and made some tea."


def test_flags_take_the_floor_only_where_marked():
    p_mode = np.array([0.2, 0.01, 0.01, 0.001])
    marked = np.array([False, True, False, True])
    assert flags(p_mode, 0.15).tolist() == [True, False, False, False]
    assert flags(p_mode, 0.15, marked, MARKER_FLOOR).tolist() == [True, True, False, False]
    assert flags(p_mode, 0.15, marked, None).tolist() == [True, False, False, False]


def test_decide_picks_the_likeliest_mode_on_a_floor_flag():
    proba = np.zeros((2, len(LABELS)))
    for row in proba:
        row[LABELS.index("teleological")] = 0.004
        row[LABELS.index("psychic_equivalence")] = 0.006
        row[LABELS.index("mentalizing")] = 0.6
        row[LABELS.index("none")] = 0.39
    got = decide(proba, LABELS, 0.15, np.array([True, False]), MARKER_FLOOR)
    assert got == ["psychic_equivalence", "mentalizing"]


@pytest.fixture(scope="module")
def bundled():
    """A pipeline of its own (the tests reconfigure its decision)."""
    return mbt_nlp.load()


@contextmanager
def floor_only(classifier):
    """The classifier with a threshold nothing reaches, so every flag is the floor's;
    its settings as they were afterwards."""
    before = dict(classifier.settings)
    classifier.configure(threshold=1.0)
    try:
        yield classifier
    finally:
        classifier.settings = before


def test_the_bundled_model_has_the_floor_and_says_so(bundled):
    decision = bundled.get_pipe("mbt_classifier").decision()
    assert decision["marker_floor"] == MARKER_FLOOR
    name, _ = model_identity(bundled)
    assert f"≥ {MARKER_FLOOR['min_p']:g} with a GLOBAL_JUDGEMENT marker" in name


def test_a_verdict_is_flagged_by_its_marker_and_can_be_switched_off(bundled):
    with floor_only(bundled.get_pipe("mbt_classifier")) as classifier:
        verdict, plain = bundled(VERDICT), bundled(PLAIN)
        assert "GLOBAL_JUDGEMENT" in {s.label_ for s in verdict.spans["mbt"]}
        assert sum(verdict._.mbt_proba[m] for m in MODES) >= MARKER_FLOOR["min_p"]
        assert verdict._.mbt_mode in MODES and verdict._.mbt_flagged_by == "marker"
        assert plain._.mbt_mode not in MODES and plain._.mbt_flagged_by is None
        classifier.configure(marker_floor=False)
        off = bundled(VERDICT)
        assert off._.mbt_mode not in MODES and off._.mbt_flagged_by is None
        assert classifier.decision()["marker_floor"] is None
        classifier.configure(marker_floor=True)
        assert classifier.decision()["marker_floor"] == MARKER_FLOOR


def test_records_of_a_split_passage_share_what_flagged_it(bundled):
    with floor_only(bundled.get_pipe("mbt_classifier")):
        turns = [Turn("s", 0, "T", "clinician", "How was the week?"),
                 Turn("s", 1, "C", "client", "Nobody could ever love me,"),
                 Turn("s", 2, "C", "client", "I think, I feel that sometimes when I'm tired."),
                 Turn("s", 3, "T", "clinician", "Say more.")]
        records = annotate(turns, bundled)
    client = [r for r in records if r["role"] == "client"]
    assert [r["passage"] for r in client] == [[1, 2], [1, 2]]
    assert [r["flagged_by"] for r in client] == ["marker", "marker"]
    assert all(r["flagged_by"] is None for r in records if r["role"] == "clinician")


def test_screening_figures_and_points_apply_the_floor():
    scores = [0.008, 0.008, 0.3, 0.001, 0.008]  # under the lowest grid threshold, 0.01
    y = ["psychic_equivalence", "none", "none", "none", "none"]
    marked = np.array([True, True, False, True, False])
    proba = proba_with_mode_score(scores)
    plain = screening_report(y, [5] * 5, proba, DEFAULT_PRIOR, DEFAULT_PRIOR, 0.15)
    floored = screening_report(y, [5] * 5, proba, DEFAULT_PRIOR, DEFAULT_PRIOR, 0.15, marked,
                               MARKER_FLOOR)
    assert (plain["modes_found"], plain["flagged_turns"]) == (0, 1)
    assert (floored["modes_found"], floored["flagged_turns"]) == (1, 3)
    at_half = next(p for p in floored["operating_points"] if p["threshold"] == 0.5)
    assert at_half["recall_of_modes"] == 1.0  # the floor holds at every threshold
    points = named_points(y, [5] * 5, proba, marked, MARKER_FLOOR)
    assert points["balanced"]["modes_found"] == 1
    assert named_points(y, [5] * 5, proba)["balanced"]["modes_found"] == 0


def test_the_report_says_when_a_marker_flagged_the_turn():
    flagged = {**record(1, "client", 5, "psychic_equivalence", 0.01,
                        markers=[marker(0, 4, "psychic_equivalence", "pe.unlovable",
                                        "GLOBAL_JUDGEMENT")]), "flagged_by": "marker"}
    records = [record(0, "clinician", 3), flagged, record(2, "clinician", 3)]
    assert moments(records, {})[0]["flagged_by"] == "marker"
    page = render_report(records, reasons={}, model_name="m", model_version="1")
    assert "Flagged on its marker" in page
    page = render_report([*records[:1], {**flagged, "flagged_by": "probability"}, records[2]],
                         reasons={}, model_name="m", model_version="1")
    assert "Flagged on its marker" not in page


def test_explain_says_when_the_marker_flagged_it():
    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    runner = CliRunner()
    floored = runner.invoke(app, ["explain", VERDICT, "--threshold", "1"])
    assert floored.exit_code == 0, floored.output
    assert "flagged on its marker" in floored.output
    plain = runner.invoke(app, ["explain", PLAIN, "--threshold", "1"])
    assert plain.exit_code == 0 and "flagged on its marker" not in plain.output


def test_scoring_a_model_counts_the_flags_its_records_show(bundled):
    files = [REPO / "annotations" / "spoken" / f"w42_s0{i}.jsonl" for i in (1, 2)]
    with floor_only(bundled.get_pipe("mbt_classifier")):
        scores = score_model(bundled, None, {"spoken": files})["spoken"]
        all_turns, labelled = load_annotations(files)
        records = {(r["session"], r["turn"]): r for r in annotate_turns(bundled, all_turns)}
    flagged = [records[(t.session, t.index)]["mode"] in MODES for t in labelled.turns]
    assert scores["flagged_turns"] == sum(flagged) > 0


@pytest.mark.parametrize("floor", [{"labels": "GLOBAL_JUDGEMENT", "min_p": 0.005},
                                   {"labels": ["GLOBAL_JUDGEMENT"], "min_p": 2},
                                   {"labels": ["GLOBAL_JUDGEMENT"]}, [0.005]])
def test_a_malformed_floor_in_saved_settings_is_refused(bundled, floor):
    from mbt_nlp.errors import ModelError

    classifier = bundled.get_pipe("mbt_classifier")
    with pytest.raises(ModelError, match="marker_floor"):
        classifier.set_model(classifier.model, {**classifier.settings, "marker_floor": floor})

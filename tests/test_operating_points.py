"""Named operating points, PR curves and calibration tables."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from mbt_nlp.errors import ModelError
from mbt_nlp.learn.operating_points import (
    GRID,
    MAX_FALSE_ALARMS,
    REVIEW_RECALL,
    curves,
    named_points,
    reliability,
    save_points,
)
from mbt_nlp.pipeline.build import bundled_model_dir
from mbt_nlp.pipeline.resources import LABELS


def proba_with_mode_score(scores: list[float]) -> np.ndarray:
    """Rows whose P(any mode) is the given score, all on psychic_equivalence."""
    rows = np.zeros((len(scores), len(LABELS)))
    rows[:, LABELS.index("psychic_equivalence")] = scores
    rows[:, LABELS.index("none")] = 1 - np.asarray(scores)
    return rows


def sample(seed: int = 0, n: int = 600):
    rng = np.random.default_rng(seed)
    gold = rng.random(n) < 0.08
    score = np.clip(np.where(gold, rng.normal(0.55, 0.2, n), rng.beta(1.2, 9, n)), 0, 1)
    words = rng.integers(1, 250, n)
    y = ["psychic_equivalence" if g else "none" for g in gold]
    return y, words.tolist(), proba_with_mode_score(score.tolist()), gold, score, words


def brute(gold, score, words, threshold):
    flagged = score >= threshold
    buckets = [(1, 10), (11, 30), (31, 100), (101, 10**9)]
    worst = max(flagged[(~gold) & (words >= lo) & (words <= hi)].mean()
                for lo, hi in buckets if ((~gold) & (words >= lo) & (words <= hi)).any())
    tp = (flagged & gold).sum()
    precision = tp / flagged.sum() if flagged.any() else 0.0
    recall = tp / gold.sum()
    return worst, precision, recall


def test_points_follow_their_rules_by_brute_force():
    y, words, proba, gold, score, w = sample()
    points = named_points(y, words, proba)
    table = {t: brute(gold, score, w, t) for t in GRID}
    safe = [t for t in GRID if table[t][0] <= MAX_FALSE_ALARMS]
    assert points["screening"]["threshold"] == safe[0]
    finding = [t for t in GRID if table[t][2] >= REVIEW_RECALL]
    best = max(table[t][1] for t in finding)
    assert points["review"]["precision"] == pytest.approx(best, abs=1e-4)
    f1 = {t: 2 * p * r / (p + r) if p + r else 0 for t, (_, p, r) in table.items()}
    assert points["balanced"]["f1"] == pytest.approx(max(f1.values()), abs=1e-4)
    # Recall first vs precision first.
    assert points["screening"]["recall"] >= points["review"]["recall"]
    assert points["review"]["precision"] >= points["screening"]["precision"]


def test_review_is_the_most_precise_point_that_still_finds_half_the_modes():
    y, words, proba, *_ = sample(seed=3)
    points = named_points(y, words, proba)
    assert points["review"]["recall"] >= REVIEW_RECALL
    assert points["review"]["precision"] >= points["balanced"]["precision"]
    assert points["review"]["threshold"] >= points["screening"]["threshold"]


def test_reliability_table_and_ece_by_hand():
    gold = np.array([0, 0, 1, 1, 1])
    score = np.array([0.05, 0.05, 0.95, 0.95, 0.45])
    table = reliability(gold, score)
    # Bins: 0.0-0.1 predicted 0.05 observed 0; 0.4-0.5 predicted 0.45 observed 1;
    # 0.9-1.0 predicted 0.95 observed 1.
    expected = (2 / 5) * 0.05 + (1 / 5) * 0.55 + (2 / 5) * 0.05
    assert table["ece"] == pytest.approx(expected, abs=1e-4)
    assert [r["turns"] for r in table["table"]] == [2, 1, 2]


def test_curves_per_mode_and_any_mode():
    y, _, proba, *_ = sample(seed=1)
    c = curves(y, proba)
    assert set(c) == {"psychic_equivalence", "teleological", "pretend", "any_mode"}
    assert c["teleological"]["pr"] is None  # no positives: no curve, no invented number
    ap = c["any_mode"]["pr"]["average_precision"]
    assert 0.5 < ap <= 1
    recalls = [p["recall"] for p in c["any_mode"]["pr"]["points"]]
    assert recalls == sorted(recalls, reverse=True)


@pytest.fixture
def model_copy(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), target)
    return target


def test_saved_points_are_used_by_name(model_copy):
    import mbt_nlp

    y, words, proba, *_ = sample()
    points = named_points(y, words, proba)
    save_points(model_copy, points, "test")
    settings = json.loads((model_copy / "mbt_classifier" / "settings.json").read_text())
    assert set(settings["operating_points"]) == {"screening", "review", "balanced"}
    nlp = mbt_nlp.load(model=str(model_copy))
    classifier = nlp.get_pipe("mbt_classifier")
    classifier.configure(operating_point="review")
    floor = settings["marker_floor"]  # a named point or a threshold keeps the floor
    assert classifier.decision() == {"operating_point": "review", "marker_floor": floor,
                                     "threshold": points["review"]["threshold"]}
    classifier.configure(threshold=0.5)  # a threshold of one's own wins and is named so
    assert classifier.decision() == {"operating_point": None, "threshold": 0.5,
                                     "marker_floor": floor}
    with pytest.raises(ModelError, match="unknown operating point 'strict'"):
        classifier.configure(operating_point="strict")


def test_save_points_refuses_a_folder_that_is_no_model(tmp_path):
    y, words, proba, *_ = sample()
    with pytest.raises(ModelError, match="not a trained mbt pipeline"):
        save_points(tmp_path, named_points(y, words, proba), "test")


def test_tag_uses_a_named_operating_point_and_refuses_an_unknown_one(tmp_path):
    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    session = tmp_path / "s.txt"
    session.write_text("T: How was it?\nC: I just know he hates me. It just is.\n",
                       encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["tag", str(session), "-o", str(tmp_path / "a.jsonl"),
                             "--operating-point", "review"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["tag", str(session), "--out-dir", str(tmp_path / "out"),
                              "--operating-point", "strict"])
    assert bad.exit_code == 2 and "unknown operating point 'strict'" in bad.output
    page = tmp_path / "p.html"
    shown = runner.invoke(app, ["report", str(session), "-o", str(page),
                                "--operating-point", "balanced"])
    assert shown.exit_code == 0, shown.output
    assert "operating point &#39;balanced&#39;" in page.read_text(encoding="utf-8") or \
        "operating point 'balanced'" in page.read_text(encoding="utf-8")

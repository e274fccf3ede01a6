"""The bootstrap interval of AUROC over sessions (learn/metrics.py)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mbt_nlp.learn.metrics import _auroc, auroc_interval


def test_rank_auroc_is_scikit_learns_with_ties():
    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.1
    scores = np.round(rng.random(400) + 0.3 * y, 1)  # many ties
    assert _auroc(y, scores) == pytest.approx(roc_auc_score(y, scores))


def test_a_perfect_ranking_has_no_width():
    y = [False] * 20 + [True] * 4
    scores = [0.1] * 20 + [0.9] * 4
    groups = [f"s{i % 6}" for i in range(24)]
    assert auroc_interval(y, scores, groups) == (1.0, 1.0)


def test_positives_that_differ_by_session_make_a_wide_interval():
    # Session a's two modes score above every ordinary turn, session b's below most:
    # whether a resample draws a or b moves the AUROC a lot.
    y = [True, True, False, False, True, True] + [False] * 40
    scores = [0.9, 0.8, 0.1, 0.2, 0.05, 0.06, *np.linspace(0.1, 0.7, 40)]
    groups = ["a"] * 4 + ["b"] * 2 + [f"o{i}" for i in range(40)]
    low, high = auroc_interval(y, scores, groups, resamples=500)
    point = roc_auc_score(y, scores)
    assert low < point < high and high - low > 0.3
    assert auroc_interval(y, scores, groups, resamples=500) == (low, high)  # seeded


def test_resampling_sessions_is_wider_than_resampling_turns():
    rng = np.random.default_rng(0)
    y = np.array([True] * 12 + [False] * 600)
    # Each session's modes share a level: clustered, as real modes are.
    levels = rng.random(4)
    scores = np.concatenate([np.repeat(levels, 3), rng.random(600)])
    sessions = [f"m{i // 3}" for i in range(12)] + [f"o{i // 10}" for i in range(600)]
    turns = [str(i) for i in range(612)]
    by_session = auroc_interval(y, scores, sessions)
    by_turn = auroc_interval(y, scores, turns)
    assert by_session[1] - by_session[0] > by_turn[1] - by_turn[0]


def test_one_class_or_mismatched_lengths():
    assert auroc_interval([False, False], [0.1, 0.2], ["a", "b"]) is None
    with pytest.raises(ValueError, match="same length"):
        auroc_interval([True, False], [0.1], ["a", "b"])


def test_screening_report_gives_the_auroc_an_interval_over_its_sessions():
    from mbt_nlp.learn.evaluation import _screening_table, screening_report
    from mbt_nlp.pipeline.resources import LABELS

    rng = np.random.default_rng(5)
    n = 200
    labels = ["none"] * (n - 6) + ["psychic_equivalence"] * 6
    p_mode = np.concatenate([rng.random(n - 6) * 0.6, [0.9, 0.8, 0.7, 0.3, 0.2, 0.5]])
    raw = np.zeros((n, len(LABELS)))
    raw[:, LABELS.index("psychic_equivalence")] = p_mode
    raw[:, LABELS.index("none")] = 1 - p_mode
    prior = dict.fromkeys(LABELS, 0.2)
    sessions = [f"s{i % 20}" for i in range(n - 6)] + ["m1"] * 3 + ["m2"] * 3
    r = screening_report(labels, [12] * n, raw, prior, prior, 0.5, sessions=sessions)
    low, high = r["auroc_interval"]
    assert low < r["auroc_any_mode"] < high and r["auroc_sessions"] == 22
    line = "\n".join(_screening_table("spoken", r))
    assert f"AUROC P(any mode) {r['auroc_any_mode']} (95% interval {low:.2f}-{high:.2f} over " \
           "22 sessions)" in line
    plain = screening_report(labels, [12] * n, raw, prior, prior, 0.5)
    assert "auroc_interval" not in plain
    assert "95% interval" not in "\n".join(_screening_table("spoken", plain))

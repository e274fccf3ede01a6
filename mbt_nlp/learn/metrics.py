"""Scores of predicted labels and probabilities against gold labels."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import (
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from mbt_nlp.pipeline.resources import LABELS
from mbt_nlp.transcript import natural_key


def align(proba: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Reorder/insert columns so they follow LABELS (a fold may miss a class)."""
    out = np.zeros((proba.shape[0], len(LABELS)))
    for j, c in enumerate(classes):
        out[:, LABELS.index(c)] = proba[:, j]
    return out


def expected_calibration_error(y_true: Sequence[str], proba: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over confidence bins."""
    y_idx = np.array([LABELS.index(y) for y in y_true])
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_idx
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in pairwise(edges):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def classification_report(y_true: Sequence[str], y_pred: Sequence[str],
                          proba: np.ndarray | None = None) -> dict[str, Any]:
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS),
                                                 zero_division=0)
    report: dict[str, Any] = {
        "n": len(y_true),
        "per_label": {
            label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                    "f1": round(float(f[i]), 4), "support": int(s[i])}
            for i, label in enumerate(LABELS)
        },
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=list(LABELS),
                                          average="macro", zero_division=0)), 4),
        "kappa": round(float(cohen_kappa_score(y_true, y_pred, labels=list(LABELS))), 4),
        "confusion": {"labels": list(LABELS),
                      "matrix": confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist()},
    }
    if proba is not None:
        report["ece"] = round(expected_calibration_error(y_true, proba), 4)
    return report


def macro_f1_by_writer(gold: Sequence[str], predicted: Sequence[str],
                       writers: Sequence[str]) -> dict[str, float]:
    """Macro-F1 of each writer's lines, over the labels in that writer's gold or predicted
    labels. The pooled figure averages over writers; what the sessions of a writer the
    model never saw will get is better told by the spread."""
    gold, predicted, writers = map(np.asarray, (gold, predicted, writers))
    return {str(w): round(float(f1_score(gold[writers == w], predicted[writers == w],
                                         average="macro", zero_division=0)), 4)
            for w in sorted(set(writers.tolist()), key=natural_key)}


def auroc_interval(positive: Sequence[bool], scores: Sequence[float], groups: Sequence[str],
                   *, resamples: int = 2000, level: float = 0.95, seed: int = 0,
                   ) -> tuple[float, float] | None:
    """A bootstrap interval of the AUROC of `scores` for `positive`, resampling whole
    `groups` (sessions): where a few sessions hold most of the positives, resampling
    turns would pretend they were independent and make the interval too narrow.
    Resamples without both classes are redrawn by being skipped; None when too few
    resamples have both (or the data lack one class)."""
    y = np.asarray(positive, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if len(y) != len(s) or len(y) != len(groups):
        raise ValueError("positive, scores and groups must have the same length")
    if y.all() or not y.any():
        return None
    _, group_of = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    # Each group's rows, in row order: one sort, not one scan of all rows per group.
    order = np.argsort(group_of, kind="stable")
    members = np.split(order, np.cumsum(np.bincount(group_of))[:-1])
    rng = np.random.default_rng(seed)
    values: list[float] = []
    for _ in range(resamples):
        index = np.concatenate([members[g] for g in rng.integers(len(members),
                                                                   size=len(members))])
        if y[index].all() or not y[index].any():
            continue
        values.append(_auroc(y[index], s[index]))
    if len(values) < resamples // 2:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def _auroc(y: np.ndarray, s: np.ndarray) -> float:
    """AUROC as the Mann-Whitney statistic with average ranks for ties (what
    `sklearn.metrics.roc_auc_score` gives), a few times faster for the bootstrap."""
    ranks = rankdata(s)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))

"""Precision-recall curves, calibration and named operating points.

A researcher needs a decision rule they can defend in a paper, and a supervisor
one they can trust. Both are chosen here from out-of-fold probabilities on the
parts labelled at a realistic prevalence (real speech and spoken sessions), on
P(any mode), the score the decision rule thresholds:

- `screening` (recall first): the lowest threshold at which false alarms stay at
  or under `MAX_FALSE_ALARMS` in every turn-length bucket: find as many modes as
  possible without raising alarms on ordinary talk of any length;
- `review` (precision first): the threshold with the highest precision that still
  finds at least `REVIEW_RECALL` of the mode turns (when none does, the most
  precise that finds any), so a flag is most often right;
- `balanced`: the threshold with the best F1 of "any mode" against the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve

from mbt_nlp.annotation.flag_rates import BUCKETS, length_bucket
from mbt_nlp.pipeline.model_file import read_settings, write_settings
from mbt_nlp.pipeline.priors import any_mode, flags
from mbt_nlp.pipeline.resources import LABELS, MODES

POINTS = ("screening", "review", "balanced")
MAX_FALSE_ALARMS = 0.05
REVIEW_RECALL = 0.5
# Candidate thresholds: fine where the decision usually sits, coarse above.
GRID = tuple(round(t, 3) for t in (*np.arange(0.01, 0.3, 0.01), *np.arange(0.3, 0.96, 0.05)))
CURVE_POINTS = 60


def _thin(values: np.ndarray, keep: int) -> np.ndarray:
    """Indices of at most `keep` evenly spaced points, first and last included."""
    if len(values) <= keep:
        return np.arange(len(values))
    return np.unique(np.linspace(0, len(values) - 1, keep).round().astype(int))


def pr_curve(gold: np.ndarray, score: np.ndarray) -> dict[str, Any] | None:
    """Average precision and a thinned precision-recall curve (None: no positive)."""
    if not gold.any() or gold.all():
        return None
    precision, recall, thresholds = precision_recall_curve(gold, score)
    keep = _thin(thresholds, CURVE_POINTS)
    return {
        "average_precision": round(float(average_precision_score(gold, score)), 4),
        "positives": int(gold.sum()),
        "points": [{"threshold": round(float(thresholds[i]), 4),
                    "precision": round(float(precision[i]), 4),
                    "recall": round(float(recall[i]), 4)} for i in keep],
    }


def reliability(gold: np.ndarray, score: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Reliability table of a probability (mean predicted vs observed rate per bin) and
    its expected calibration error."""
    rows, ece = [], 0.0
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in pairwise(edges):
        mask = (score > lo) & (score <= hi) if lo > 0 else (score >= lo) & (score <= hi)
        if not mask.any():
            continue
        predicted, observed = float(score[mask].mean()), float(gold[mask].mean())
        ece += mask.mean() * abs(predicted - observed)
        rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "turns": int(mask.sum()),
                     "mean_predicted": round(predicted, 4), "observed": round(observed, 4)})
    return {"ece": round(float(ece), 4), "table": rows}


def curves(y: Sequence[str], proba: np.ndarray) -> dict[str, Any]:
    """Per mode and for "any mode": PR curve with average precision, and calibration."""
    labels = np.asarray(y)
    out: dict[str, Any] = {}
    for mode in MODES:
        gold = labels == mode
        score = proba[:, LABELS.index(mode)]
        out[mode] = {"pr": pr_curve(gold, score), "calibration": reliability(gold, score)}
    gold = np.isin(labels, list(MODES))
    score = any_mode(proba, LABELS)
    out["any_mode"] = {"pr": pr_curve(gold, score), "calibration": reliability(gold, score)}
    return out


def _at(threshold: float, gold: np.ndarray, score: np.ndarray, buckets: np.ndarray,
        marked: np.ndarray | None = None,
        floor: Mapping[str, Any] | None = None) -> dict[str, Any]:
    flagged = flags(score, threshold, marked, floor)
    ordinary = ~gold
    tp = int((flagged & gold).sum())
    worst = 0.0
    for b in BUCKETS:
        rows = (buckets == b) & ordinary
        if rows.any():
            worst = max(worst, float(flagged[rows].mean()))
    precision = tp / flagged.sum() if flagged.any() else None
    recall = tp / gold.sum() if gold.any() else None
    return {
        "threshold": threshold,
        "precision": None if precision is None else round(float(precision), 4),
        "recall": None if recall is None else round(float(recall), 4),
        "false_alarm_rate": round(float(flagged[ordinary].mean()), 4) if ordinary.any()
        else None,
        "worst_bucket_false_alarm_rate": round(worst, 4),
        "flagged": int(flagged.sum()),
        "modes_found": tp,
    }


def named_points(y: Sequence[str], words: Sequence[int], proba: np.ndarray,
                 marked: np.ndarray | None = None,
                 floor: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The three named operating points on P(any mode), each with its figures; with a
    marker floor, `marked` turns are flagged from its lower bar at every threshold."""
    gold = np.isin(np.asarray(y), list(MODES))
    score = any_mode(proba, LABELS)
    buckets = np.array([length_bucket(n) for n in words])
    table = [_at(t, gold, score, buckets, marked, floor) for t in GRID]
    safe = [r for r in table if r["worst_bucket_false_alarm_rate"] <= MAX_FALSE_ALARMS]
    screening = safe[0] if safe else table[-1]
    finding = [r for r in table if (r["recall"] or 0) >= REVIEW_RECALL] or [
        r for r in table if r["modes_found"]]
    review = max(finding, key=lambda r: (r["precision"] or 0, r["recall"] or 0),
                 default=table[-1])

    def f1(r: dict[str, Any]) -> float:
        p, q = r["precision"] or 0, r["recall"] or 0
        return 2 * p * q / (p + q) if p + q else 0.0

    balanced = max(table, key=f1)
    return {
        "rules": {"screening": f"lowest threshold with false alarms <= {MAX_FALSE_ALARMS} "
                               "in every length bucket",
                  "review": f"highest precision while finding >= {REVIEW_RECALL:.0%} of "
                            "mode turns",
                  "balanced": "best F1 of any mode against the rest"},
        "turns": len(gold), "mode_turns": int(gold.sum()),
        "screening": screening, "review": review, "balanced": {**balanced, "f1": round(f1(
            balanced), 4)},
    }


def format_points(points: dict[str, Any]) -> list[str]:
    lines = [f"turns {points['turns']} · mode turns {points['mode_turns']}", "",
             "| operating point | threshold | precision | recall | false alarms | "
             "worst length bucket | rule |", "|---|---|---|---|---|---|---|"]
    for name in POINTS:
        r = points[name]
        lines.append(f"| {name} | {r['threshold']} | {r['precision']} | {r['recall']} | "
                     f"{r['false_alarm_rate']} | {r['worst_bucket_false_alarm_rate']} | "
                     f"{points['rules'][name]} |")
    return lines


def format_curves(title: str, c: dict[str, Any]) -> list[str]:
    lines = [f"### {title}", "", "| label | average precision | positives | ECE |",
             "|---|---|---|---|"]
    for name, v in c.items():
        ap = v["pr"]["average_precision"] if v["pr"] else "n/a"
        pos = v["pr"]["positives"] if v["pr"] else 0
        lines.append(f"| {name} | {ap} | {pos} | {v['calibration']['ece']} |")
    lines += ["", "reliability of P(any mode): "
              + ", ".join(f"{r['bin']}: {r['mean_predicted']} vs {r['observed']} "
                          f"(n {r['turns']})"
                          for r in c["any_mode"]["calibration"]["table"]), ""]
    return lines


def save_points(model_dir: str | Path, points: dict[str, Any], source: str) -> Path:
    """Write the named points into a saved pipeline's classifier settings, so that
    `mbt tag --model DIR --operating-point NAME` can use them. Returns the file."""
    folder = Path(model_dir) / "mbt_classifier"
    settings = read_settings(folder, "classifier (not a trained mbt pipeline?)")
    settings["operating_points"] = {
        name: {k: points[name][k] for k in ("threshold", "precision", "recall",
                                             "false_alarm_rate",
                                             "worst_bucket_false_alarm_rate")}
        for name in POINTS}
    settings["operating_points_source"] = source
    return write_settings(folder, settings)

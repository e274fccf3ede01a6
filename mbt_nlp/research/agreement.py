"""Inter-annotator agreement: Cohen's kappa overall and per label (one-vs-rest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.metrics import cohen_kappa_score

from mbt_nlp.pipeline.resources import LABELS


def agreement(first: Sequence[str], second: Sequence[str],
              labels: Sequence[str] = LABELS) -> dict[str, Any]:
    """Kappa overall and per label; a label neither annotator used has kappa None."""
    if len(first) != len(second):
        raise ValueError(f"annotations differ in length: {len(first)} vs {len(second)}")
    if not first:
        raise ValueError("no annotations to compare")
    per_label: dict[str, dict[str, Any]] = {}
    for label in labels:
        a = [x == label for x in first]
        b = [x == label for x in second]
        if not (any(a) or any(b)):
            kappa = None  # undefined: nobody used the label
        elif a == b:
            kappa = 1.0  # identical, including the degenerate all-same case
        else:
            kappa = round(float(cohen_kappa_score(a, b)), 4)
        per_label[label] = {
            "kappa": kappa,
            "first": sum(a),
            "second": sum(b),
        }
    return {
        "n": len(first),
        "observed_agreement": round(sum(x == y for x, y in zip(first, second, strict=True))
                                    / len(first), 4),
        "kappa": round(float(cohen_kappa_score(first, second, labels=list(labels))), 4),
        "per_label": per_label,
    }

"""Real-world priors and the decision rule.

The classifier is trained on a corpus balanced for learning; real sessions
are not: there the three modes are a few percent of client turns. Bayes'
rule moves each probability from the training prior to a target prior:
p'(y|x) ∝ p(y|x) · π_target(y) / π_train(y). The decision rule then flags a
mode only when P(any mode) clears a threshold, so ordinary talk stays
unflagged unless the evidence is strong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mbt_nlp.pipeline.resources import LABELS, MODES

# Default target prior for client turns in ordinary sessions: the codebook's two real
# samples had the three modes in 2-3% of client turns; our doubly-labelled MIBot turns
# had 0.5% modes and about 10% mentalizing. See models/MODEL_CARD.md.
DEFAULT_PRIOR: dict[str, float] = {
    "psychic_equivalence": 0.01,
    "teleological": 0.005,
    "pretend": 0.005,
    "mentalizing": 0.12,
    "none": 0.86,
}
# Chosen on the cross-validated spoken, real and rev16 parts (models/EVALUATION.md): the
# lowest threshold at which false alarms stay under 5% in every turn-length bucket.
DEFAULT_THRESHOLD = 0.15
# A strong marker lowers the bar. Real clients state harsh verdicts on themselves among
# hedges and feeling words ("I'm- I'm just so stupid, I guess"), which the classifier
# reads as reflective: the modes it missed in real talk scored P 0.001-0.08. Where the
# judged text carries an active (not set aside) marker of such a verdict, this much
# P(any mode) is enough. Chosen on out-of-fold scores (models/EVALUATION.md).
MARKER_FLOOR: dict[str, Any] = {"labels": ["GLOBAL_JUDGEMENT"], "min_p": 0.005}


def parse_prior(text: str) -> dict[str, float]:
    """'psychic_equivalence=0.02,teleological=0.01,...' -> normalised prior over LABELS.

    Labels left out share what remains in proportion to the default prior.
    """
    given: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in LABELS:
            raise ValueError(f"expected label=probability with a label from {LABELS}: {part!r}")
        try:
            given[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"not a number: {value!r}") from None
        if not 0 < given[name.strip()] < 1:
            raise ValueError(f"prior for {name.strip()} must be between 0 and 1")
    rest = 1 - sum(given.values())
    if rest < 0:
        raise ValueError("prior probabilities add up to more than 1")
    others = {k: v for k, v in DEFAULT_PRIOR.items() if k not in given}
    scale = rest / sum(others.values()) if others else 0
    return {label: given.get(label, others.get(label, 0) * scale) for label in LABELS}


def adjust(proba: np.ndarray, classes: Sequence[str], train_prior: Mapping[str, float],
           target_prior: Mapping[str, float]) -> np.ndarray:
    """Move probabilities (rows over `classes`) from the training to the target prior."""
    ratio = np.array([target_prior[c] / train_prior[c] for c in classes])
    weighted = proba * ratio
    return weighted / weighted.sum(axis=1, keepdims=True)


def any_mode(proba: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    idx = [i for i, c in enumerate(classes) if c in MODES]
    return proba[:, idx].sum(axis=1)


def flags(p_mode: np.ndarray, threshold: float, marked: np.ndarray | None = None,
          floor: Mapping[str, Any] | None = None) -> np.ndarray:
    """Which turns get a mode: P(any mode) >= threshold, or, for turns `marked` with a
    floor marker, P(any mode) >= floor["min_p"] (no floor or no marks: the threshold
    alone)."""
    flagged = p_mode >= threshold
    if marked is not None and floor:
        flagged |= np.asarray(marked, dtype=bool) & (p_mode >= floor["min_p"])
    return flagged


def pick(proba: np.ndarray, classes: Sequence[str], flagged: np.ndarray) -> list[str]:
    """The likeliest mode where `flagged`; elsewhere the likelier of mentalizing and none."""
    classes = list(classes)
    modes = [i for i, c in enumerate(classes) if c in MODES]
    rest = [i for i, c in enumerate(classes) if c not in MODES]
    return [classes[max(modes if f else rest, key=lambda i: row[i])]
            for row, f in zip(proba, flagged, strict=True)]


def decide(proba: np.ndarray, classes: Sequence[str],
           threshold: float = DEFAULT_THRESHOLD, marked: np.ndarray | None = None,
           floor: Mapping[str, Any] | None = None) -> list[str]:
    """Labels by the decision rule: `pick` where `flags` says so."""
    return pick(proba, classes, flags(any_mode(proba, classes), threshold, marked, floor))

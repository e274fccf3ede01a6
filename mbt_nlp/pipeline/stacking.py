"""One decision from two levels of evidence: the whole turn and its windows.

The base model scores a turn (or passage) as a whole and, for a long turn,
each of its windows (windows.py). A small second model (the combiner) maps
both into the final probabilities: the turn's own log-probabilities, the
strongest window for each mode, the mean and spread of window evidence, and
how many windows there are. It is fitted on out-of-fold base scores
(learn/training.py), so it learns how far to trust one striking window
against a turn that is ordinary as a whole, and the reverse.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mbt_nlp.pipeline.resources import LABELS, MODES

_FLOOR = 1e-4
_MODE_COLUMNS = [LABELS.index(m) for m in MODES]


def stack_feature_names() -> list[str]:
    return ([f"turn_log_{label}" for label in LABELS]
            + [f"window_max_log_{mode}" for mode in MODES]
            + ["window_mean_any_mode", "window_share_flagged", "log_windows"])


def stack_features(turn_proba: np.ndarray, window_proba: Sequence[np.ndarray]) -> np.ndarray:
    """Rows of combiner features.

    turn_proba: (n, len(LABELS)) base probabilities of the turns, columns in LABELS order.
    window_proba: for each turn, a (k, len(LABELS)) array of its windows' base
    probabilities (k = 0 for a turn short enough to be one window).
    """
    rows = []
    for turn, windows in zip(turn_proba, window_proba, strict=True):
        log_turn = np.log(np.clip(turn, _FLOOR, 1))
        probs = windows if len(windows) else turn[None, :]
        any_mode = probs[:, _MODE_COLUMNS].sum(axis=1)
        rows.append(np.concatenate([
            log_turn,
            np.log(np.clip(probs[:, _MODE_COLUMNS].max(axis=0), _FLOOR, 1)),
            [any_mode.mean(), float((any_mode >= 0.5).mean()), np.log1p(len(windows))],
        ]))
    return np.asarray(rows).reshape(len(rows), len(stack_feature_names()))


def split_by_turn(window_proba: np.ndarray, window_turn: np.ndarray,
                  n_turns: int) -> list[np.ndarray]:
    """Window probabilities (rows) grouped by the index of the turn they belong to."""
    order = np.argsort(window_turn, kind="stable")
    cuts = np.searchsorted(window_turn[order], np.arange(n_turns + 1))
    return [window_proba[order[cuts[i]:cuts[i + 1]]] for i in range(n_turns)]

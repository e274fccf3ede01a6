"""Which turns an export carries: by role, session, flag, and a reproducible sample."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from mbt_nlp.research.exchange.turns import ExchangeTurn

ROLES = ("client", "clinician", "all")


@dataclass(frozen=True)
class Selection:
    """role: client, clinician or all. sessions: only these. flagged: only turns with a
    mode (the model's suggestion, or the label of an annotation file; with a codebook, one
    of its flag codes). sample: at most this many of the rest, drawn with `seed` and kept
    in transcript order."""

    role: str = "client"
    sessions: frozenset[str] | None = None
    flagged: bool = False
    sample: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")
        if self.sample is not None and self.sample < 1:
            raise ValueError("the sample size must be at least 1")


def is_flagged(turn: ExchangeTurn) -> bool:
    suggested = turn.suggestion.mode if turn.suggestion else None
    return suggested in turn.scheme.flags or turn.label in turn.scheme.flags


def select(turns: Sequence[ExchangeTurn], selection: Selection) -> list[ExchangeTurn]:
    if selection.sessions is not None:
        known = {t.session for t in turns}
        unknown = sorted(selection.sessions - known)
        if unknown:
            raise ValueError(f"no session {', '.join(map(repr, unknown))} in the inputs")
    chosen = [t for t in turns
              if (selection.role == "all" or t.role == selection.role)
              and (selection.sessions is None or t.session in selection.sessions)
              and (not selection.flagged or is_flagged(t))]
    if selection.sample is not None and selection.sample < len(chosen):
        keep = sorted(random.Random(selection.seed).sample(range(len(chosen)),
                                                           selection.sample))
        chosen = [chosen[i] for i in keep]
    return chosen

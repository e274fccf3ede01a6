"""Options shared by all readers."""

from __future__ import annotations

from dataclasses import dataclass, field

from mbt_nlp.transcript import RoleMap

# About 18,000 words (two hours of one speaker talking); tagged in about 2 s. Longer
# "turns" are almost always a transcript without speaker labels: say so, do not stall.
DEFAULT_MAX_TURN_CHARS = 100_000


@dataclass(frozen=True)
class ReadOptions:
    """How to map an input's fields and speakers onto turns.

    Field names apply to structured inputs (CSV/TSV, JSONL, JSON). A missing
    session field defaults to the file's stem; a missing turn field to the
    row's position.
    """

    session_field: str = "session"
    turn_field: str = "turn"
    speaker_field: str = "speaker"
    text_field: str = "text"
    records_key: str | None = None
    roles: RoleMap = field(default_factory=RoleMap)
    max_turn_chars: int = DEFAULT_MAX_TURN_CHARS

"""A session as one text, for the tools that annotate documents (brat, INCEpTION, QDA).

Each turn is one line, `speaker: text`, and lines are joined by "\\n"; a turn's own line
breaks (CRLF too) stay as they are. A turn's anchor covers its whole line, so a turn with
no words still has one; its text starts after the speaker prefix. Offsets are code points.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mbt_nlp.errors import InputError
from mbt_nlp.research.exchange.codebook import MBT, Scheme
from mbt_nlp.research.exchange.turns import ExchangeTurn, Span, check_codes, from_identity

_BREAK = re.compile(r"\r\n|\r|\n")


def prefix(speaker: str) -> str:
    return f"{speaker}: "


@dataclass(frozen=True)
class Placed:
    """A turn in its session's document: its line is [start, end), its text [text_start, end)."""

    turn: ExchangeTurn
    start: int
    text_start: int
    end: int


@dataclass(frozen=True)
class SessionDocument:
    session: str
    text: str
    turns: list[Placed]


def session_documents(turns: Sequence[ExchangeTurn]) -> list[SessionDocument]:
    """One document per session, sessions and turns in the order given."""
    grouped: dict[str, list[ExchangeTurn]] = {}
    for turn in turns:
        grouped.setdefault(turn.session, []).append(turn)
    documents = []
    for session, group in grouped.items():
        lines, placed, position = [], [], 0
        for turn in group:
            line = prefix(turn.speaker) + turn.text
            placed.append(Placed(turn, position, position + len(prefix(turn.speaker)),
                                 position + len(line)))
            lines.append(line)
            position += len(line) + 1
        documents.append(SessionDocument(session, "\n".join(lines) + "\n", placed))
    return documents


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) without its line breaks, as (start, end) pieces (brat's discontinuous
    spans); a range of nothing but breaks keeps itself."""
    pieces, position = [], start
    for found in _BREAK.finditer(text, start, end):
        if found.start() > position:
            pieces.append((position, found.start()))
        position = found.end()
    if end > position:
        pieces.append((position, end))
    return pieces or [(start, end)]


class DocumentReader:
    """Rebuilds the turns of one imported document from its text, its turn anchors (with
    their stored identity) and its spans, each placed in the turn that contains it."""

    def __init__(self, text: str, source: str, scheme: Scheme = MBT) -> None:
        self.text = text
        self.source = source
        self.scheme = scheme
        self.placed: list[Placed] = []
        self._starts: list[int] | None = None

    def add_turn(self, start: int, end: int, identity: object, line: int | None = None,
                 record: int | None = None) -> ExchangeTurn:
        turn = from_identity(identity, "", self.source, line, record, self.scheme)
        head = prefix(turn.speaker)
        if not (start >= 0 and start + len(head) <= end <= len(self.text)) \
                or self.text[start:start + len(head)] != head:
            raise InputError(f"turn {turn.turn} of session {turn.session!r}: its anchor "
                             f"{start}-{end} does not cover the line '{turn.speaker}: ...' "
                             "of the document", self.source, line, record)
        turn.text = self.text[start + len(head):end]
        self.placed.append(Placed(turn, start, start + len(head), end))
        self._starts = None
        return turn

    def _index(self, line: int | None, record: int | None) -> list[int]:
        if self._starts is None:
            self.placed.sort(key=lambda p: p.start)
            for before, after in itertools.pairwise(self.placed):
                if after.start < before.end:
                    raise InputError(f"turns {before.turn.turn} and {after.turn.turn} of "
                                     f"session {after.turn.session!r} overlap", self.source,
                                     line, record)
            self._starts = [p.start for p in self.placed]
        return self._starts

    def turn_at(self, start: int, end: int, line: int | None = None,
                record: int | None = None) -> Placed:
        """The turn whose line holds [start, end), or an error naming the place."""
        i = bisect.bisect_right(self._index(line, record), start) - 1
        if i < 0 or end > self.placed[i].end:
            raise InputError(f"{start}-{end} is not inside one turn", self.source, line,
                             record)
        return self.placed[i]

    def add_span(self, start: int, end: int, label: str, line: int | None = None,
                 record: int | None = None) -> None:
        placed = self.turn_at(start, end, line, record)
        if start < placed.text_start:
            raise InputError(f"span {start}-{end} ({label}) is outside its turn's text "
                             "(it covers the speaker label)", self.source, line, record)
        shift = placed.text_start
        placed.turn.spans.append(Span(start - shift, end - shift, label))

    def turns(self) -> list[ExchangeTurn]:
        """The turns in document order, codes checked."""
        self._index(None, None)
        return [check_codes(p.turn) for p in self.placed]


def identity_json(turn: ExchangeTurn) -> dict[str, object]:
    """The identity, plus the model's suggestion where the tool has no field for it."""
    found: dict[str, object] = dict(turn.identity())
    if turn.suggestion is not None:
        found["model"] = {"mode": turn.suggestion.mode, "p": turn.suggestion.probability,
                          "version": turn.suggestion.model}
    return found


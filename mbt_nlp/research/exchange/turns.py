"""The unit exchanged with annotation tools: one turn, its codes, and who said it.

`identity()` is what every export stores beside a turn so that its import can rebuild the
annotation record (session, turn, speaker, role, writer and any other field of the
annotation file); `to_annotation()` is that record. Codes are checked once, here, for every
tool: labels from the turn's scheme (the mbt labels or a codebook's codes), spans inside
their turn's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mbt_nlp.errors import InputError
from mbt_nlp.research.exchange.codebook import MBT, Scheme, marker_labels, split_option
from mbt_nlp.transcript import CLIENT, CLINICIAN


@dataclass(frozen=True, order=True)
class Span:
    """Evidence for a code: characters [start, end) of the turn's text (code points)."""

    start: int
    end: int
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label}


@dataclass(frozen=True)
class Suggestion:
    """The model's mode (or code, with a codebook) for a turn: shown beside the turn's
    label, never taken as it."""

    mode: str
    probability: float | None
    model: str


@dataclass
class ExchangeTurn:
    session: str
    turn: int
    speaker: str
    role: str
    text: str
    label: str | None = None
    secondary: str | None = None
    spans: list[Span] = field(default_factory=list)
    writer: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    suggestion: Suggestion | None = None
    # The spans (and suggestion) come from the model, not from an annotator (tagged input).
    from_model: bool = False
    # Where the turn was read from, for error messages.
    source: str = ""
    line: int | None = None
    record: int | None = None
    # What `label` is one of: the mbt labels, or the codes of a codebook.
    scheme: Scheme = MBT

    @property
    def key(self) -> tuple[str, int]:
        return self.session, self.turn

    def where(self, message: str) -> InputError:
        """An error about this turn, naming its file and line (never its text)."""
        return InputError(f"turn {self.turn} of session {self.session!r}: {message}",
                          self.source or None, self.line, self.record)

    def identity(self) -> dict[str, Any]:
        """What an export stores beside the turn to rebuild its annotation record."""
        found: dict[str, Any] = {"session": self.session, "turn": self.turn,
                                 "speaker": self.speaker, "role": self.role,
                                 "writer": self.writer}
        if self.extra:
            found["extra"] = self.extra
        return found

    def to_annotation(self) -> dict[str, Any]:
        """The turn as a record of the annotation schema (annotations/README.md)."""
        record: dict[str, Any] = {
            "session": self.session, "turn": self.turn, "speaker": self.speaker,
            "role": self.role, "text": self.text,
            **self.scheme.record(self.role, self.label, self.secondary),
            "writer": self.writer,
            "spans": [span.to_dict() for span in sorted(set(self.spans))],
        }
        record.update({k: v for k, v in self.extra.items() if k not in record})
        return record


def from_identity(identity: object, text: str, source: str, line: int | None = None,
                  record: int | None = None, scheme: Scheme = MBT) -> ExchangeTurn:
    """A turn (no codes yet) from what an export stored beside it; errors name the place."""

    def fail(message: str) -> InputError:
        return InputError(message, source, line, record)

    if not isinstance(identity, Mapping):
        raise fail("no mbt turn identity (session, turn, speaker, role) stored with this item")
    missing = [k for k in ("session", "turn", "speaker", "role") if k not in identity]
    if missing:
        raise fail(f"the stored turn identity lacks {', '.join(missing)}")
    session, turn, speaker = identity["session"], identity["turn"], identity["speaker"]
    role, writer = identity["role"], identity.get("writer")
    extra = identity.get("extra") or {}
    if not isinstance(session, str) or not session:
        raise fail("the stored session must be a non-empty string")
    if isinstance(turn, bool) or not isinstance(turn, int):
        raise fail("the stored turn must be a whole number")
    if not isinstance(speaker, str):
        raise fail("the stored speaker must be a string")
    if role not in (CLIENT, CLINICIAN):
        raise fail(f"the stored role must be {CLIENT!r} or {CLINICIAN!r}, got {role!r}")
    if writer is not None and not isinstance(writer, str):
        raise fail("the stored writer must be a string or null")
    if not isinstance(extra, Mapping):
        raise fail("the stored extra fields must be an object")
    return ExchangeTurn(session, turn, speaker, role, text, writer=writer, extra=dict(extra),
                        source=source, line=line, record=record, scheme=scheme)


def parse_spans(value: object, turn: ExchangeTurn) -> list[Span]:
    """The `spans` field of an annotation record: a list of {start, end, label}."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise turn.where("'spans' must be a list of {start, end, label}")
    spans = []
    for item in value:
        if not isinstance(item, Mapping) or not {"start", "end", "label"} <= set(item):
            raise turn.where("each span needs start, end and label")
        spans.append(make_span(item["start"], item["end"], item["label"], turn))
    return spans


def make_span(start: object, end: object, label: object, turn: ExchangeTurn) -> Span:
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (start, end)):
        raise turn.where("span offsets must be whole numbers")
    if not isinstance(label, str):
        raise turn.where("a span label must be a string")
    return Span(start, end, label)  # type: ignore[arg-type]


def check_codes(turn: ExchangeTurn) -> ExchangeTurn:
    """Labels from the scheme and spans inside the text, or an error naming the place."""
    scheme = turn.scheme
    for name, value in ((scheme.term, turn.label), ("secondary", turn.secondary)):
        if value is not None and value not in scheme.labels:
            raise turn.where(f"unknown {name} {value!r} ({scheme.has()})")
    if turn.secondary is not None and not scheme.secondary:
        raise turn.where(f"a secondary code {turn.secondary!r}: a codebook gives one code "
                         "per turn")
    if turn.secondary is not None and turn.label is None:
        raise turn.where("a secondary label needs a primary label")
    if turn.label is not None and not scheme.labels_role(turn.role):
        raise turn.where(f"code {turn.label!r} on a {turn.role} turn: the codebook codes "
                         f"{scheme.role} turns only")
    known = marker_labels()
    for span in turn.spans:
        if span.label not in known:
            raise turn.where(f"unknown span label {span.label!r} (the codebook's marker "
                             f"labels are {', '.join(sorted(known))})")
        if not 0 <= span.start < span.end <= len(turn.text):
            raise turn.where(f"span {span.start}-{span.end} ({span.label}) is outside its "
                             f"text of {len(turn.text)} characters")
    return turn


def check_unique(turns: Iterable[ExchangeTurn]) -> None:
    """Each (session, turn) once: imports find turns by it."""
    seen: dict[tuple[str, int], ExchangeTurn] = {}
    for turn in turns:
        first = seen.setdefault(turn.key, turn)
        if first is not turn:
            raise turn.where(f"appears twice (also at {first.source}"
                             + (f":{first.line}" if first.line else "") + ")")


def labels_from_options(options: list[Any], turn: ExchangeTurn) -> tuple[str | None, str | None]:
    """(label, secondary) from a flat list of choices such as ['pretend', 'secondary:none']."""
    found: dict[bool, set[str]] = {False: set(), True: set()}
    for option in options:
        if not isinstance(option, str):
            raise turn.where(f"unknown label {option!r}")
        is_secondary, label = split_option(option)
        if label not in turn.scheme.labels:
            raise turn.where(f"unknown {turn.scheme.term} {option!r} ({turn.scheme.has()})")
        found[is_secondary].add(label)
    for is_secondary, labels in found.items():
        if len(labels) > 1:
            raise turn.where(f"{len(labels)} {'secondary' if is_secondary else 'primary'} "
                             "labels chosen; one at most")
    return (min(found[False]) if found[False] else None,
            min(found[True]) if found[True] else None)


def same_words(covered: str, expected: str) -> bool:
    """A tool's copy of a span's text against the text at its offsets. Tools may redo line
    breaks and spaces (a browser shows CRLF as one break); an offset counted in other units
    (UTF-16) shifts the words themselves."""
    return covered == expected or covered.split() == expected.split()

"""Turns, transcripts and the speaker -> role mapping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from mbt_nlp.errors import InputError

CLINICIAN = "clinician"
CLIENT = "client"

# Labels that name the clinician in most transcripts. Matched case-insensitively
# after stripping punctuation; "Dr <name>" is matched by prefix.
DEFAULT_CLINICIAN_LABELS = frozenset(
    {
        "t", "th", "ther", "therapist", "clinician", "counsellor", "counselor",
        "interviewer", "facilitator", "psychologist", "psychiatrist", "doctor",
        "dr", "analyst", "practitioner", "co-therapist", "cotherapist", "i",
        "int", "mibot", "bot", "coach", "nurse", "worker",
    }
)  # fmt: skip
_CLINICIAN_PREFIXES = ("dr ", "dr. ", "therapist ", "counsellor ", "counselor ", "clinician ")
DEFAULT_CLIENT_LABELS = frozenset({"c", "cl", "client", "p", "pt", "patient", "participant"})
ROLE_LABELS = DEFAULT_CLINICIAN_LABELS | DEFAULT_CLIENT_LABELS


def normalise_speaker(label: str) -> str:
    """Case-folded label with surrounding punctuation and inner runs of space removed."""
    return re.sub(r"\s+", " ", label.strip().strip(":.-[]()").casefold())


# "T1", "C12", "Th 3", "P-4": research transcripts number each turn after its role label.
_NUMBERED = re.compile(r"^(?P<label>[^\W\d_]+)[\s._-]*\d+$")
# "sam reid (therapist)", "maria lopez (she/her)": a display name and its aside (the
# closing parenthesis is already stripped by normalise_speaker).
_AFFIXED = re.compile(r"^(?P<name>.+?)\s*\((?P<aside>[^()]*)\)?$")


def role_label(label: str) -> str:
    """`normalise_speaker` reduced to what says the role: the role in an aside ("Sam Reid
    (Therapist)" -> "therapist"), else the name without its aside ("Maria Lopez
    (she/her)" -> "maria lopez") and without a turn number after the label ("T1" -> "t",
    "Client 2" -> "client"). Only for deciding the role: the speaker keeps its label, and
    "Client 1" and "Client 2" stay two speakers."""
    norm = normalise_speaker(label)
    affixed = _AFFIXED.match(norm)
    if affixed:
        aside = affixed["aside"].strip()
        if aside in ROLE_LABELS:
            return aside
        norm = affixed["name"]
    numbered = _NUMBERED.match(norm)
    return numbered["label"] if numbered else norm


@dataclass(frozen=True)
class RoleMap:
    """Decides whether a speaker label is the clinician or a client.

    `clinicians` replaces the default clinician labels when given. With
    `clients` given, any label in neither set is an error (unknown speaker),
    which catches typos such as "Therapsit" in hand-made transcripts.
    """

    clinicians: frozenset[str] | None = None
    clients: frozenset[str] | None = None

    @classmethod
    def from_options(cls, clinician: str | None = None, client: str | None = None) -> RoleMap:
        def split(value: str | None) -> frozenset[str] | None:
            if not value:
                return None
            return frozenset(normalise_speaker(v) for v in value.split(",") if v.strip())

        return cls(split(clinician), split(client))

    def role(self, speaker: str) -> str | None:
        """The role of `speaker`, or None when it is unknown (only with a client list)."""
        norm, base = normalise_speaker(speaker), role_label(speaker)
        labels = {norm, base}  # "--clinician T" covers "T1:" and "T2:"
        if self.clinicians is not None:
            is_clinician = not labels.isdisjoint(self.clinicians)
        else:  # a client by its aside stays one, even after "Dr": "Dr Ann Lee (Client)"
            is_clinician = base not in DEFAULT_CLIENT_LABELS and (
                not labels.isdisjoint(DEFAULT_CLINICIAN_LABELS)
                or norm.startswith(_CLINICIAN_PREFIXES))
        if is_clinician:
            return CLINICIAN
        if self.clients is None or not labels.isdisjoint(self.clients):
            return CLIENT
        return None


@dataclass
class Turn:
    """One speaker's contribution, traceable to where it came from."""

    session: str
    index: int
    speaker: str
    role: str
    text: str
    source: str = ""
    line: int | None = None
    record: int | None = None
    start: float | None = None
    end: float | None = None
    meta: dict[str, object] = field(default_factory=dict)

    def where(self) -> str:
        if self.line is not None:
            return f"{self.source}:{self.line}"
        if self.record is not None:
            return f"{self.source} (record {self.record})"
        return self.source


@dataclass
class Transcript:
    """The turns of one input file (possibly several sessions), in file order."""

    source: str
    turns: list[Turn]
    # What the file says about itself outside the turns (a DOCX title line, a date,
    # a format's header fields): kept, never an error, never mistaken for a turn.
    meta: dict[str, object] = field(default_factory=dict)
    # One-line notices for the user about how the file was read (e.g. which speaker
    # was taken as the clinician); shown on stderr and in the report. No transcript text.
    notices: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Turn]:
        return iter(self.turns)

    def __len__(self) -> int:
        return len(self.turns)

    def sessions(self) -> dict[str, list[Turn]]:
        grouped: dict[str, list[Turn]] = {}
        for turn in self.turns:
            grouped.setdefault(turn.session, []).append(turn)
        return grouped


def assign_role(roles: RoleMap, speaker: str, source: str, line: int | None,
                record: int | None = None) -> str:
    """The speaker's role, or an InputError naming the place of an unknown speaker."""
    if not speaker.strip():
        raise InputError("empty speaker label", source, line, record)
    role = roles.role(speaker)
    if role is None:
        raise InputError(
            f"unknown speaker label {speaker.strip()!r}: not in --clinician or --client",
            source, line, record,
        )
    return role


def check_turn_length(text: str, max_chars: int, source: str, line: int | None,
                      record: int | None = None) -> None:
    if len(text) > max_chars:
        raise InputError(
            f"turn is {len(text):,} characters; the limit is {max_chars:,} "
            "(raise it with --max-turn-chars, or split the turn)",
            source, line, record,
        )


def natural_key(text: str) -> list[str | int]:
    """'s2' before 's10': digit runs compare as numbers (str and int alternate, so lists
    of two names always compare)."""
    return [int(part) if i % 2 else part.casefold()
            for i, part in enumerate(re.split(r"(\d+)", text))]

"""Speaker-labelled plain text: `T: ...`, `[00:01:02] Client: ...`, `SPEAKER 1: ...`.

A line that starts with a speaker label opens a turn; other non-blank lines
continue the turn above; blank lines are ignored. Text before the first
speaker label is an error (nothing is dropped silently).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.transcript import Transcript, Turn, assign_role, check_turn_length

_TIMESTAMP = r"(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)"
_TITLE = r"(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?\s+"
# One to three capitalised words or numbers ("Dr. Smith", "SPEAKER 1", "Mum"),
# or a known lowercase label: keeps "So I told her: no" from reading as a speaker.
_NAME = r"(?:[A-Z][\w'\-]*|\d+)(?:\s+(?:[A-Z][\w'\-]*|\d+)){0,2}"
_SPEAKER_LINE = re.compile(
    rf"^\s*(?:[\[(]?{_TIMESTAMP}[\])]?\s*[-–]?\s*)?"
    rf"(?P<speaker>(?:{_TITLE})?{_NAME})\s*"
    rf"(?:[\[(]{_TIMESTAMP.replace('ts', 'ts2')}[\])]\s*)?"
    r":\s*(?P<text>.*)$"
)
_LOWER_LABEL = re.compile(r"^\s*(?P<speaker>t|th|c|p|therapist|client|patient)\s*:\s*(?P<text>.*)$")


def parse_timestamp(value: str | None) -> float | None:
    if not value:
        return None
    parts = value.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def match_speaker_line(line: str) -> tuple[str, str, float | None] | None:
    """(speaker, text, start seconds) when `line` opens a turn, else None."""
    m = _SPEAKER_LINE.match(line)
    if m:
        ts = m.group("ts") or m.group("ts2")
        return m.group("speaker").strip(), m.group("text"), parse_timestamp(ts)
    m = _LOWER_LABEL.match(line)
    if m:
        return m.group("speaker"), m.group("text"), None
    return None


def turns_from_lines(
    lines: Iterable[tuple[int, str]], source: str, session: str, options: ReadOptions
) -> list[Turn]:
    """Group numbered lines into turns. Used for plain text and DOCX paragraphs."""
    turns: list[Turn] = []
    for number, raw in lines:
        line = raw.strip()
        if not line:
            continue
        opened = match_speaker_line(line)
        if opened is None:
            if not turns:
                raise InputError(
                    "text before the first speaker label (expected e.g. 'T: ...' or "
                    "'Client: ...')",
                    source, number,
                )
            turns[-1].text = f"{turns[-1].text} {line}".strip()
            continue
        speaker, text, start = opened
        role = assign_role(options.roles, speaker, source, number)
        turns.append(
            Turn(session=session, index=len(turns), speaker=speaker, role=role,
                 text=text.strip(), source=source, line=number, start=start)
        )
    if not turns:
        raise InputError("no speaker-labelled turns found", source)
    for turn in turns:
        check_turn_length(turn.text, options.max_turn_chars, source, turn.line)
    return turns


def read_plain_text(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    text = read_text(path)
    lines = enumerate(text.split("\n"), start=1)
    return Transcript(source, turns_from_lines(lines, source, Path(path).stem, options))

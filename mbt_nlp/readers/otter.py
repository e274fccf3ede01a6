"""Speaker lines with a clock time and the words below: Otter.ai, Rev, Teams DOCX.

    Jane Doe  0:03
    So how has the week been?

A header line is a name, then two or more spaces (or a tab), then m:ss or
h:mm:ss, and nothing else; the lines up to the next header are that speaker's
words. Consecutive headers of one speaker (Otter starts a new paragraph every
minute or so) form one turn. Otter's "Transcribed by https://otter.ai" footer
and Teams' "Name started transcription" lines are kept in `Transcript.meta`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.preamble import preamble_meta, preamble_notice
from mbt_nlp.readers.timecode import to_seconds
from mbt_nlp.transcript import (
    Transcript,
    Turn,
    assign_role,
    check_turn_length,
    normalise_speaker,
)

# At most six words of name: a sentence that happens to end in "  10:30" is no header.
_HEADER = re.compile(
    r"^\s*(?P<speaker>[^\s:][^\s:]*(?: [^\s:]+){0,5})(?:\t|[ \t]{2,})"
    r"(?P<ts>(?:\d{1,2}:)?\d{1,2}:\d{2})\s*$"
)
# Zoom's "Save captions" text: "[Sarah Jones] 14:02:03", the words on the lines below.
_BRACKETED_HEADER = re.compile(
    r"^\s*\[(?P<speaker>[^\[\]\n]{1,60})\]\s+(?P<ts>(?:\d{1,2}:)?\d{1,2}:\d{2})\s*$"
)
_FOOTER = re.compile(r"^\s*transcribed by\s+https?://(?:www\.)?otter\.ai/?\s*$", re.IGNORECASE)
_EVENT = re.compile(r"^\s*\S.{0,80}?\s+(?:started|stopped) transcription\s*$", re.IGNORECASE)


def match_header(line: str) -> tuple[str, float | None] | None:
    """(speaker, start seconds) when `line` is a 'Name  0:03' header (or Zoom's
    '[Name] 14:02:03'), else None."""
    m = _HEADER.match(line) or _BRACKETED_HEADER.match(line)
    return (m["speaker"].strip(), to_seconds(m["ts"])) if m else None


def transcript_from_headed_lines(
    lines: Iterable[tuple[int, str]], source: str, session: str, options: ReadOptions
) -> Transcript:
    """Group numbered lines under their 'Name  0:03' headers into turns."""
    blocks: list[tuple[int, str, float | None, list[str]]] = []
    preamble: list[tuple[int, str]] = []
    events: list[str] = []
    footer: list[str] = []
    for number, raw in lines:
        line = raw.strip()
        if not line:
            continue
        if _FOOTER.match(line):
            footer.append(line)
            continue
        if _EVENT.match(line):
            events.append(line)
            continue
        header = match_header(line)
        if header is not None:
            blocks.append((number, header[0], header[1], []))
        elif blocks:
            blocks[-1][3].append(line)
        else:
            preamble.append((number, line))
    if not blocks:
        raise InputError("no speaker lines like 'Name  0:03' found (Otter/Teams layout)", source)
    meta = preamble_meta(preamble, source)
    notices = preamble_notice(meta)
    if events:
        meta["events"] = events
        notices.append(f"kept {len(events)} 'started/stopped transcription' line(s) as "
                       "events (meta), not as turns")
    if footer:
        meta["footer"] = footer

    turns: list[Turn] = []
    for number, speaker, start, words in blocks:
        if not words:
            continue  # a header with no words under it has nothing to lose
        text = " ".join(words)
        if turns and normalise_speaker(turns[-1].speaker) == normalise_speaker(speaker):
            turns[-1].text = f"{turns[-1].text} {text}"
            continue
        role = assign_role(options.roles, speaker, source, number)
        turns.append(Turn(session=session, index=len(turns), speaker=speaker, role=role,
                          text=text, source=source, line=number, start=start))
    for turn in turns:
        check_turn_length(turn.text, options.max_turn_chars, source, turn.line)
    return Transcript(source, turns, meta=meta, notices=notices)


def read_otter(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    lines = enumerate(read_text(path).split("\n"), start=1)
    return transcript_from_headed_lines(lines, source, Path(path).stem, options)

"""Caption-like blocks in a document: older Teams/Stream DOCX transcripts.

    0:0:3.540 --> 0:0:8.190
    Amara Osei
    Hello Lena, how are you today?

A timing line, then the speaker's name on its own line, then the words up to
the next timing line. Consecutive blocks of one speaker form one turn, as cues
do in subtitles. A block of one line is a speaker with no words only when that
name speaks elsewhere in the file; otherwise it is an error, since it could as
well be words with no speaker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mbt_nlp.errors import InputError
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

_TIME = r"\d{1,2}:\d{1,2}:\d{1,2}(?:[.,]\d+)?"
_TIMING = re.compile(rf"^\s*(?P<start>{_TIME})\s*-->\s*(?P<end>{_TIME})\s*$")


def is_timing_line(line: str) -> bool:
    return _TIMING.match(line) is not None


def transcript_from_cue_lines(
    lines: Iterable[tuple[int, str]], source: str, session: str, options: ReadOptions
) -> Transcript:
    blocks: list[tuple[int, float | None, float | None, list[str]]] = []
    preamble: list[tuple[int, str]] = []
    for number, raw in lines:
        line = raw.strip()
        if not line:
            continue
        timing = _TIMING.match(line)
        if timing:
            blocks.append((number, to_seconds(timing["start"]), to_seconds(timing["end"]), []))
        elif blocks:
            blocks[-1][3].append(line)
        else:
            preamble.append((number, line))
    meta = preamble_meta(preamble, source)
    speakers = {normalise_speaker(b[3][0]) for b in blocks if len(b[3]) > 1}
    turns: list[Turn] = []
    for number, start, end, block in blocks:
        if len(block) < 2:
            if not block or normalise_speaker(block[0]) in speakers:
                continue  # a speaker with no words: nothing to lose
            raise InputError("caption block has one line: cannot tell a speaker's name from "
                             "words without a speaker", source, number)
        speaker, text = block[0], " ".join(block[1:])
        if turns and normalise_speaker(turns[-1].speaker) == normalise_speaker(speaker):
            turns[-1].text = f"{turns[-1].text} {text}"
            turns[-1].end = end
            continue
        role = assign_role(options.roles, speaker, source, number)
        turns.append(Turn(session=session, index=len(turns), speaker=speaker, role=role,
                          text=text, source=source, line=number, start=start, end=end))
    if not turns:
        raise InputError("no caption blocks with a speaker and words found", source)
    for turn in turns:
        check_turn_length(turn.text, options.max_turn_chars, source, turn.line)
    return Transcript(source, turns, meta=meta, notices=preamble_notice(meta))

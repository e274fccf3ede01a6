"""WebVTT and SRT captions with speakers (`<v Name>` voice tags or `Name:` prefixes).

A small parser of our own rather than webvtt-py: we need the source line of
every cue for traceable output, and our own decoding (BOM, UTF-16, cp1252).
Consecutive cues of the same speaker form one turn (a turn is everything one
speaker says before the other speaks); a cue with no speaker continues the
turn above. A cue of two speakers, each line opening with a dash, is read as
two parts. Timestamps are kept as seconds.
"""

from __future__ import annotations

import re
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.speaker_lines import match_speaker_line
from mbt_nlp.transcript import (
    Transcript,
    Turn,
    assign_role,
    check_turn_length,
    normalise_speaker,
)

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*(?P<start>{_TIME})\s*-->\s*(?P<end>{_TIME})")
# No "<" inside a tag and a bounded name: each match attempt stops at the next "<", so a
# file of stray "<v x" fragments is read in linear time (it took seconds per 100 KB).
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^<>\n]{1,200})>")
_TAG = re.compile(r"</?[a-zA-Z][^<>\n]{0,200}>")
_DIALOGUE_DASH = re.compile(r"^[-–]\s+")


def _seconds(value: str) -> float:
    parts = value.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


def _cues(lines: list[str], source: str) -> list[tuple[int, float, float, list[str]]]:
    """(line of timing, start, end, text lines) for each cue."""
    cues = []
    i = 0
    while i < len(lines):
        m = _TIMING.match(lines[i])
        if not m:
            i += 1
            continue
        timing_line = i + 1
        text_lines = []
        i += 1
        while i < len(lines) and lines[i].strip():
            if _TIMING.match(lines[i]):
                break
            text_lines.append(lines[i].strip())
            i += 1
        cues.append((timing_line, _seconds(m["start"]), _seconds(m["end"]), text_lines))
    return cues


def _speaker_parts(lines: list[str]) -> list[list[str]]:
    """A cue's lines by speaker: subtitles show two speakers in one cue as lines opening
    with a dash ("- T: How was it?" / "- C: Rough."). Without such lines, the cue whole;
    a dash that opens a cue of one speaker ("- T: How was it?") is dropped, so that the
    speaker label after it is read."""
    dashed = sum(bool(_DIALOGUE_DASH.match(line)) for line in lines)
    if dashed < 2:
        if dashed and (dash := _DIALOGUE_DASH.match(lines[0])):
            return [[lines[0][dash.end():], *lines[1:]]]
        return [lines]
    parts: list[list[str]] = []
    for line in lines:
        dash = _DIALOGUE_DASH.match(line)
        if dash or not parts:
            parts.append([])
        parts[-1].append(line[dash.end():] if dash else line)
    return parts


def read_subtitles(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    lines = read_text(path).split("\n")
    is_vtt = Path(path).suffix.lower() == ".vtt"
    if is_vtt and not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise InputError("not a WebVTT file (first line must be 'WEBVTT')", source, 1)
    cues = _cues(lines, source)
    if not cues:
        raise InputError("no cues with timings ('00:00:01.000 --> 00:00:02.000') found", source)
    session = Path(path).stem
    turns: list[Turn] = []
    for timing_line, start, end, cue_lines in cues:
        for text_lines in _speaker_parts(cue_lines):
            raw = " ".join(text_lines)
            speaker = None
            voice = _VOICE.search(raw)
            if voice:
                speaker = voice["name"].strip()
            text = _TAG.sub("", raw).strip()
            if speaker is None and (opened := match_speaker_line(text)):
                speaker, text, _ = opened
            if not text:
                continue  # an empty cue has no words to lose
            if speaker is None or (
                turns and normalise_speaker(turns[-1].speaker) == normalise_speaker(speaker)
            ):
                if not turns:
                    raise InputError("first cue has no speaker (<v Name> or 'Name:')",
                                     source, timing_line)
                turns[-1].text = f"{turns[-1].text} {text.strip()}"
                turns[-1].end = end
                continue
            role = assign_role(options.roles, speaker, source, timing_line)
            turns.append(Turn(session=session, index=len(turns), speaker=speaker, role=role,
                              text=text.strip(), source=source, line=timing_line,
                              start=start, end=end))
    for turn in turns:
        check_turn_length(turn.text, options.max_turn_chars, source, turn.line)
    return Transcript(source, turns)

"""Whisper and WhisperX JSON: `{"segments": [{"start", "end", "text", "speaker"?}], ...}`.

Plain Whisper output has no speakers and is refused with a pointer to
diarisation. In WhisperX output (`speaker` like "SPEAKER_00"), consecutive
segments of one speaker form one turn, as cues do in subtitles; a segment
without a speaker (left unassigned by diarisation) continues the turn above,
and any before the first speaker open the first turn (with a notice), so no
words are lost. A turn's `record` is the number of its first segment.
"""

from __future__ import annotations

import math
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.json_text import parse_json
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.transcript import (
    Transcript,
    Turn,
    assign_role,
    check_turn_length,
    normalise_speaker,
)


def is_whisper(data: object) -> bool:
    """Whether parsed JSON has Whisper's shape: segments with start times and text."""
    if not isinstance(data, dict):
        return False
    segments = data.get("segments")
    return (isinstance(segments, list) and bool(segments) and isinstance(segments[0], dict)
            and "start" in segments[0] and "text" in segments[0])


def _seconds(segment: dict, key: str, source: str, number: int) -> float | None:
    value = segment.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"segment {key!r} is not a number of seconds", source, record=number)
    return float(value)


def _segments(data: dict, source: str) -> list[tuple[int, str | None, str, float | None,
                                                      float | None]]:
    """(number, speaker or None, text, start, end) for each segment, checked."""
    segments = data.get("segments")
    if not isinstance(segments, list) or not segments:
        raise InputError("'segments' is not a non-empty list", source)
    parsed = []
    for number, segment in enumerate(segments, start=1):
        if not isinstance(segment, dict):
            raise InputError(f"segment is a {type(segment).__name__}, not an object", source,
                             record=number)
        text = segment.get("text")
        if not isinstance(text, (str, type(None))):
            raise InputError(f"segment 'text' is a {type(text).__name__}, not text", source,
                             record=number)
        speaker = segment.get("speaker")
        if not isinstance(speaker, (str, int, type(None))) or isinstance(speaker, bool):
            raise InputError("segment 'speaker' is not a label", source, record=number)
        label = str(speaker).strip() if speaker is not None and str(speaker).strip() else None
        parsed.append((number, label, (text or "").strip(), _seconds(segment, "start", source,
                       number), _seconds(segment, "end", source, number)))
    return parsed


def whisper_transcript(data: dict, source: str, session: str, options: ReadOptions) -> Transcript:
    segments = _segments(data, source)
    if all(speaker is None for _, speaker, _, _, _ in segments):
        raise InputError(
            "Whisper segments have no 'speaker': diarise the recording first (e.g. WhisperX "
            "with --diarize) so that client and clinician turns can be told apart",
            source,
        )
    turns: list[Turn] = []
    leading: list[tuple[str, float | None]] = []  # speakerless segments before any speaker
    joined = 0  # speakerless segments after it, given to the turn before them
    for number, speaker, text, start, end in segments:
        if not text:
            continue  # an empty segment has no words to lose
        if speaker is None and not turns:
            leading.append((text, start))
            continue
        joined += speaker is None
        if speaker is None or (
            turns and normalise_speaker(turns[-1].speaker) == normalise_speaker(speaker)
        ):
            turns[-1].text = f"{turns[-1].text} {text}"
            turns[-1].end = end if end is not None else turns[-1].end
            continue
        role = assign_role(options.roles, speaker, source, None, number)
        if not turns and leading:
            text = " ".join([*(t for t, _ in leading), text])
            start = leading[0][1]
        turns.append(Turn(session=session, index=len(turns), speaker=speaker, role=role,
                          text=text, source=source, record=number, start=start, end=end))
    for turn in turns:
        check_turn_length(turn.text, options.max_turn_chars, source, None, turn.record)
    meta: dict[str, object] = {}
    if isinstance(data.get("language"), str):
        meta["language"] = data["language"]
    notices = []
    if leading:
        notices.append(f"{len(leading)} segment(s) before the first diarised speaker were "
                       "given to the first turn")
    if joined:
        notices.append(f"{joined} segment(s) with no diarised speaker were given to the turn "
                       "before them")
    return Transcript(source, turns, meta=meta, notices=notices)


def read_whisper(path: str | Path, options: ReadOptions) -> Transcript:
    """`--input-format whisper`: the file must have Whisper's shape."""
    source = str(path)
    data = parse_json(read_text(path), source)
    if not is_whisper(data):
        raise InputError("not Whisper JSON (expected an object with 'segments': "
                         "[{'start', 'end', 'text', 'speaker'}, ...])", source)
    return whisper_transcript(data, source, Path(path).stem, options)

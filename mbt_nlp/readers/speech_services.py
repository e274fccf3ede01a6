"""JSON of cloud speech-to-text services with speaker diarisation, as Whisper segments.

Amazon Transcribe, Google Speech-to-Text, Deepgram, Speechmatics, Rev.ai and Azure
batch transcription each write diarised speech in a shape of their own: words or
phrases, each with a speaker and times. `service_segments` recognises each shape by
the keys its documentation names and turns it into segments `{speaker, text, start,
end}` (one per run of a speaker's words), which whisper.py then reads as it reads
WhisperX: consecutive segments of one speaker form one turn. A shape that is not
clearly one of these is left to the generic JSON reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Segment = dict[str, Any]
# (speaker, text, start, end, attaches): a word, or punctuation that joins the word before.
Word = tuple[str | None, str, float | None, float | None, bool]


class Undiarised(Exception):
    """The service's shape, but no speakers: transcribed without diarisation."""


def service_segments(data: object) -> tuple[str, list[Segment]] | None:
    """(service name, segments) when `data` is the JSON of a known service; the segments
    are empty when it was transcribed without speaker diarisation."""
    if not isinstance(data, dict):
        return None
    for name, read in _READERS:
        try:
            segments = read(data)
        except Undiarised:
            return name, []
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            segments = None  # the keys were there but not in the service's shape
        if segments:
            return name, segments
    return None


def _number(value: object) -> float | None:
    """Seconds from a number, a numeric string ("3.000") or Google's "3.5s"."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return float(value.removesuffix("s"))
    raise ValueError(value)


def _label(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _runs(words: Iterable[Word]) -> list[Segment]:
    """Words joined into one segment per run of a speaker (punctuation to its word)."""
    segments: list[Segment] = []
    for speaker, text, start, end, attaches in words:
        if not text:
            continue
        last = segments[-1] if segments else None
        if last is not None and (attaches or speaker is None or speaker == last["speaker"]):
            last["text"] += text if attaches else f" {text}"
            last["end"] = end if end is not None else last["end"]
        else:
            segments.append({"speaker": speaker, "text": text, "start": start, "end": end})
    return segments


def _aws(data: dict) -> list[Segment] | None:
    """Amazon Transcribe: results.audio_segments, else results.items with speaker_label
    (or the speaker_labels.segments that give each word's speaker by its start)."""
    results = data.get("results")
    if not isinstance(results, dict) or "items" not in results:
        return None
    segments = results.get("audio_segments")
    if isinstance(segments, list) and segments and "speaker_label" in segments[0]:
        return [{"speaker": _label(s.get("speaker_label")), "text": str(s["transcript"]).strip(),
                 "start": _number(s.get("start_time")), "end": _number(s.get("end_time"))}
                for s in segments]
    by_start = {}
    for segment in (results.get("speaker_labels") or {}).get("segments", []):
        for item in segment.get("items", []):
            by_start[item["start_time"]] = item["speaker_label"]
    if not by_start and not any("speaker_label" in i for i in results["items"]):
        raise Undiarised
    return _runs((_label(i.get("speaker_label") or by_start.get(i.get("start_time"))),
                  str(i["alternatives"][0]["content"]), _number(i.get("start_time")),
                  _number(i.get("end_time")), i.get("type") == "punctuation")
                 for i in results["items"])


def _google(data: dict) -> list[Segment] | None:
    """Google Speech-to-Text: with diarisation, the last result holds every word with
    its speakerTag."""
    results = data.get("results")
    if not isinstance(results, list) or not results or "alternatives" not in results[-1]:
        return None
    words = results[-1]["alternatives"][0].get("words") or []
    if not words:
        return None
    if "speakerTag" not in words[0] and "speakerLabel" not in words[0]:
        raise Undiarised
    return _runs((_label(w.get("speakerLabel") or w.get("speakerTag")), str(w["word"]),
                  _number(w.get("startTime", w.get("startOffset"))),
                  _number(w.get("endTime", w.get("endOffset"))), False) for w in words)


def _deepgram(data: dict) -> list[Segment] | None:
    """Deepgram: results.utterances (utterances=true), else the first channel's words."""
    results = data.get("results")
    if not isinstance(results, dict) or "channels" not in results:
        return None
    utterances = results.get("utterances")
    if isinstance(utterances, list) and utterances and "speaker" in utterances[0]:
        return [{"speaker": _label(u.get("speaker")), "text": str(u["transcript"]).strip(),
                 "start": _number(u.get("start")), "end": _number(u.get("end"))}
                for u in utterances]
    words = results["channels"][0]["alternatives"][0].get("words") or []
    if not words:
        return None
    if "speaker" not in words[0]:
        raise Undiarised
    return _runs((_label(w.get("speaker")), str(w.get("punctuated_word") or w["word"]),
                  _number(w.get("start")), _number(w.get("end")), False) for w in words)


def _speechmatics(data: dict) -> list[Segment] | None:
    """Speechmatics: results of type word/punctuation, the speaker in the alternative."""
    results = data.get("results")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict) \
            or results[0].get("type") not in ("word", "punctuation"):
        return None
    if "speaker" not in results[0]["alternatives"][0]:
        raise Undiarised
    return _runs((_label(r["alternatives"][0].get("speaker")), str(r["alternatives"][0]["content"]),
                  _number(r.get("start_time")), _number(r.get("end_time")),
                  r.get("type") == "punctuation") for r in results)


def _revai(data: dict) -> list[Segment] | None:
    """Rev.ai: monologues of one speaker, their elements text and punctuation."""
    monologues = data.get("monologues")
    if not isinstance(monologues, list) or not monologues or "elements" not in monologues[0]:
        return None
    segments = []
    for monologue in monologues:
        elements = monologue["elements"]
        times = [e for e in elements if e.get("type") == "text"]
        segments.append({
            "speaker": _label(monologue.get("speaker_name") or monologue.get("speaker")),
            "text": "".join(str(e.get("value", "")) for e in elements).strip(),
            "start": _number(times[0].get("ts")) if times else None,
            "end": _number(times[-1].get("end_ts")) if times else None,
        })
    return segments


def _azure(data: dict) -> list[Segment] | None:
    """Azure batch transcription: recognizedPhrases with a speaker and nBest display text
    (times in ticks of 100 ns)."""
    phrases = data.get("recognizedPhrases")
    if not isinstance(phrases, list) or not phrases or "nBest" not in phrases[0]:
        return None
    if "speaker" not in phrases[0]:
        raise Undiarised
    ticks = 10_000_000
    segments = []
    for phrase in sorted(phrases, key=lambda p: _number(p.get("offsetInTicks")) or 0.0):
        offset, duration = _number(phrase.get("offsetInTicks")), _number(
            phrase.get("durationInTicks"))
        segments.append({
            "speaker": _label(phrase.get("speaker")),
            "text": str(phrase["nBest"][0].get("display", "")).strip(),
            "start": offset / ticks if offset is not None else None,
            "end": (offset + duration) / ticks if offset is not None and duration else None,
        })
    return segments


_READERS: tuple[tuple[str, Callable[[dict], list[Segment] | None]], ...] = (
    ("Amazon Transcribe", _aws), ("Google Speech-to-Text", _google), ("Deepgram", _deepgram),
    ("Speechmatics", _speechmatics), ("Rev.ai", _revai), ("Azure Speech", _azure),
)

"""Candidate segments: which sentences of a flagged turn carry the mode.

A supervisor reading a long turn needs to see where the slip happens. A long
turn that the classifier judged with its windows names the windows that carry
the mode (their scores are already on the Doc). Otherwise each
sentence of a flagged client turn is classified on its own; adjacent
sentences flagged with the same mode form one segment. When no sentence is
flagged on its own (the mode shows only across the turn), the sentence most
likely to carry the turn's mode is the segment.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from mbt_nlp.pipeline.extensions import SPANS_KEY, marker_dict
from mbt_nlp.pipeline.resources import LABELS, MODES


def _segment(doc: Doc, start: int, end: int, mode: str, probability: float,
             starts: list[int]) -> dict[str, Any]:
    # Markers are sorted by start: look up the first one in the segment, not every one,
    # so a long turn with many segments and markers stays linear.
    spans = doc.spans.get(SPANS_KEY, [])
    markers = []
    for i in range(bisect_left(starts, start), len(spans)):
        span = spans[i]
        if span.start_char >= end:
            break
        if span.end_char <= end:
            markers.append(marker_dict(span))
    return {"start": start, "end": end, "mode": mode, "probability": round(probability, 4),
            "markers": markers}


def _window_segments(doc: Doc, windows: list, mode: str,
                     starts: list[int]) -> list[dict[str, Any]]:
    """A long turn judged with its windows (pipeline/windows.py): the window most likely
    to carry the mode, and any other window at least as likely to carry it as not."""
    column = LABELS.index(mode)
    ranked = sorted(windows, key=lambda w: -float(w[1][column]))
    chosen = [ranked[0]] + [w for w in ranked[1:] if float(w[1][column]) >= 0.5]
    return [_segment(doc, start, end, mode, float(proba[column]), starts)
            for (start, end), proba in sorted(chosen, key=lambda w: w[0][0])]


def candidate_segments(doc: Doc, nlp: Language) -> list[dict[str, Any]]:
    """Segments (char offsets into the turn) for a turn whose mode is a non-mentalizing one."""
    mode = doc._.mbt_mode
    proba = doc._.mbt_proba or {}
    if mode not in MODES:
        return []
    starts = [span.start_char for span in doc.spans.get(SPANS_KEY, [])]  # sorted by start
    windows = doc.user_data.get("mbt_windows")
    if windows:
        return _window_segments(doc, windows, mode, starts)
    sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
    sents = [s for s in sents if s.text.strip()]
    if len(sents) <= 1:
        return [_segment(doc, 0, len(doc.text), mode, proba.get(mode, 0.0), starts)]
    sent_docs = list(nlp.pipe(s.text for s in sents))
    segments: list[dict[str, Any]] = []
    for sent, sdoc in zip(sents, sent_docs, strict=True):
        s_mode = sdoc._.mbt_mode
        if s_mode not in MODES:
            continue
        p = sdoc._.mbt_proba[s_mode]
        last = segments[-1] if segments else None
        if last and last["mode"] == s_mode and last["_next"] == sent.start:
            last["end"], last["probability"], last["_next"] = (
                sent.end_char, max(last["probability"], p), sent.end)
        else:
            segments.append({"start": sent.start_char, "end": sent.end_char, "mode": s_mode,
                             "probability": p, "_next": sent.end})
    if not segments:
        best = max(range(len(sents)), key=lambda i: sent_docs[i]._.mbt_proba[mode])
        return [_segment(doc, sents[best].start_char, sents[best].end_char, mode,
                         sent_docs[best]._.mbt_proba[mode], starts)]
    return [_segment(doc, s["start"], s["end"], s["mode"], s["probability"], starts)
            for s in segments]

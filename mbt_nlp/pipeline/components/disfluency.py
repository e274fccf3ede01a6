"""Recognise what in a turn is not the client's own claim: fillers, repeats,
false starts, bracketed interjections of the other speaker and transcription
artefacts. Pure functions over a Doc; used by the context component.

"you know" is a filler unless it is a question or takes an object ("you know
what he did"); "I mean" unless it means something ("I mean it"); "like"
when it stands between pauses or clause joints; "kind of"/"sort of" when they
hedge nothing (followed by a pause or another filler).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.tokens import Doc, Span

_SPEAKER_INTERJECTION = re.compile(r"[\(\[]\s*[A-Z][\w.]{0,20}\s*:\s*[^\)\]\n]{0,80}[\)\]]")
_BRACKETED = re.compile(r"[\(\[]\s*([^\)\]\n]{1,40})\s*[\)\]]")

_YOU_KNOW_OBJECT = frozenset({"what", "how", "why", "where", "who", "when", "if", "whether",
                              "that", "him", "her", "them", "it", "about", "me", "the"})
_YOU_KNOW_QUESTION = frozenset({"do", "did", "does", "don't", "n't", "nt", "if"})
_LIKE_BEFORE = frozenset({"and", "but", "so", "or", "um", "uh", "er", "erm", "just", "cos",
                          "because", "cause", "yeah", "oh", "well", "it's", "was", "is", "'s"})
_PAUSE_AFTER = frozenset({"you", "like", "um", "uh", "er", "erm", "i", "mm", "yeah", "whatever"})


def _prev(doc: Doc, i: int):
    return doc[i - 1] if i > 0 else None


def _next(doc: Doc, i: int):
    return doc[i + 1] if i + 1 < len(doc) else None


def filler_spans(doc: Doc, single_fillers: Iterable[str]) -> list[Span]:
    singles = frozenset(single_fillers)
    spans: list[Span] = []
    i = 0
    while i < len(doc):
        tok = doc[i]
        low = tok.lower_
        nxt = _next(doc, i)
        prev = _prev(doc, i)
        if low in singles:
            spans.append(Span(doc, i, i + 1, label="FILLER"))
        elif low == "you" and nxt is not None and nxt.lower_ == "know":
            after = _next(doc, i + 1)
            is_question = prev is not None and prev.lower_ in _YOU_KNOW_QUESTION
            takes_object = after is not None and after.lower_ in _YOU_KNOW_OBJECT
            if not is_question and not takes_object:
                spans.append(Span(doc, i, i + 2, label="FILLER"))
                i += 2
                continue
        elif low == "i" and nxt is not None and nxt.lower_ == "mean":
            after = _next(doc, i + 1)
            after2 = _next(doc, i + 2)
            # "I mean it/that" means something, unless a clause follows ("I mean it's hard").
            means_it = after is not None and (
                after.lower_ in {"to", "by", "what"}
                or (
                    after.lower_ in {"it", "that"}
                    and (after2 is None or after2.lower_ not in {"'s", "s", "is", "was", "were"})
                )
            )
            if not means_it:
                spans.append(Span(doc, i, i + 2, label="FILLER"))
                i += 2
                continue
        elif low == "like":
            if prev is None or prev.is_punct or prev.lower_ in _LIKE_BEFORE or (
                nxt is not None and nxt.is_punct
            ):
                # "was like" / "is like" before a quote is reported speech, kept as FILLER
                # for the words but flagged as QUOTATIVE so the context can use it.
                label = "QUOTATIVE" if prev is not None and prev.lower_ in {"was", "is", "'s"} \
                    else "FILLER"
                spans.append(Span(doc, i, i + 1, label=label))
        elif low in {"kind", "sort"} and nxt is not None and nxt.lower_ == "of":
            after = _next(doc, i + 1)
            if after is None or after.is_punct or after.lower_ in _PAUSE_AFTER:
                spans.append(Span(doc, i, i + 2, label="FILLER"))
                i += 2
                continue
        i += 1
    return spans


def repeat_spans(doc: Doc) -> list[Span]:
    """Stutters and restarts: "I I don't", "was- I went"."""
    spans = []
    for i, tok in enumerate(doc):
        if tok.is_punct or tok.is_space:
            continue
        nxt = _next(doc, i)
        if nxt is not None and nxt.lower_ == tok.lower_ and tok.is_alpha:
            spans.append(Span(doc, i, i + 1, label="REPEAT"))
        elif len(tok.text) > 1 and tok.text[-1] in "-—–" and tok.text[0].isalpha():
            spans.append(Span(doc, i, i + 1, label="FALSE_START"))
    return spans


def bracket_spans(doc: Doc, artefacts: Iterable[str]) -> list[Span]:
    """(T: Mhm) -> INTERJECTION; [inaudible], (laughs) -> ARTEFACT."""
    known = frozenset(a.lower() for a in artefacts)
    spans = []
    taken: set[int] = set()
    for m in _SPEAKER_INTERJECTION.finditer(doc.text):
        span = doc.char_span(m.start(), m.end(), label="INTERJECTION", alignment_mode="expand")
        if span is not None:
            spans.append(span)
            taken.update(range(m.start(), m.end()))
    for m in _BRACKETED.finditer(doc.text):
        if m.start() in taken:
            continue
        inner = m.group(1).strip().lower().rstrip(".")
        if inner in known or (len(inner.split()) <= 3 and m.group(0).startswith("[")):
            span = doc.char_span(m.start(), m.end(), label="ARTEFACT", alignment_mode="expand")
            if span is not None:
                spans.append(span)
    return spans

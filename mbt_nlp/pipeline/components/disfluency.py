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


# Longest phrase checked for an immediate restart ("at the- at the", "I was, I was").
MAX_RESTART_WORDS = 4


def _word(tok) -> str:
    return tok.lower_.rstrip("-—–")


def repeat_spans(doc: Doc) -> list[Span]:
    """Stutters, restarts and confirmations: "I I don't", "was- I went",
    "it's- it's", "at the- at the station", "it was Tuesday, Tuesday".

    A phrase of up to four words said again straight away (punctuation between
    the copies allowed) is a self-repair, not a claim made twice: the first
    copy is marked REPEAT, so the speaker's words keep one copy. Linear in the
    Doc: each word is compared with the next few only.
    """
    spans = []
    words = [t for t in doc if not (t.is_punct or t.is_space)]
    marked: set[int] = set()
    for tok in words:
        if len(tok.text) > 1 and tok.text[-1] in "-—–" and tok.text[0].isalpha():
            spans.append(Span(doc, tok.i, tok.i + 1, label="FALSE_START"))
            marked.add(tok.i)
    p = 0
    while p < len(words):
        for n in range(MAX_RESTART_WORDS, 0, -1):
            first, second = words[p:p + n], words[p + n:p + 2 * n]
            if len(second) < n or not any(t.is_alpha or t.text[-1] in "-—–" for t in first):
                continue
            if [_word(t) for t in first] == [_word(t) for t in second]:
                for tok in first:
                    if tok.i not in marked:
                        spans.append(Span(doc, tok.i, tok.i + 1, label="REPEAT"))
                        marked.add(tok.i)
                p += n
                break
        else:
            p += 1
    return sorted(spans, key=lambda s: s.start)


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

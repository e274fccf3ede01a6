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

from mbt_nlp.pipeline.doc_view import token_view

_SPEAKER_INTERJECTION = re.compile(r"[\(\[]\s*[A-Z][\w.]{0,20}\s*:\s*[^\)\]\n]{0,80}[\)\]]")
_BRACKETED = re.compile(r"[\(\[]\s*([^\)\]\n]{1,40})\s*[\)\]]")

_YOU_KNOW_OBJECT = frozenset({"what", "how", "why", "where", "who", "when", "if", "whether",
                              "that", "him", "her", "them", "it", "about", "me", "the"})
_YOU_KNOW_QUESTION = frozenset({"do", "did", "does", "don't", "n't", "nt", "if"})
_LIKE_BEFORE = frozenset({"and", "but", "so", "or", "um", "uh", "er", "erm", "just", "cos",
                          "because", "cause", "yeah", "oh", "well", "it's", "was", "is", "'s"})
# The words a multi-word or context-dependent filler starts with (filler_spans).
_FILLER_STARTS = frozenset({"you", "i", "like", "kind", "sort"})
_PAUSE_AFTER = frozenset({"you", "like", "um", "uh", "er", "erm", "i", "mm", "yeah", "whatever"})


def filler_spans(doc: Doc, single_fillers: Iterable[str]) -> list[Span]:
    singles = frozenset(single_fillers)
    view = token_view(doc)
    lower, punct = view.lower, view.is_punct
    n = len(lower)

    def low(j: int) -> str | None:
        return lower[j] if 0 <= j < n else None

    spans: list[Span] = []
    triggers = singles | _FILLER_STARTS
    skip_to = 0  # after a two-word filler, its second word is not looked at again
    for i, word in enumerate(lower):
        if i < skip_to or word not in triggers:
            continue
        nxt = low(i + 1)
        prev = low(i - 1)
        if word in singles:
            spans.append(Span(doc, i, i + 1, label="FILLER"))
        elif word == "you" and nxt == "know":
            after = low(i + 2)
            is_question = prev is not None and prev in _YOU_KNOW_QUESTION
            takes_object = after is not None and after in _YOU_KNOW_OBJECT
            if not is_question and not takes_object:
                spans.append(Span(doc, i, i + 2, label="FILLER"))
                skip_to = i + 2
        elif word == "i" and nxt == "mean":
            after = low(i + 2)
            after2 = low(i + 3)
            # "I mean it/that" means something, unless a clause follows ("I mean it's hard").
            means_it = after is not None and (
                after in {"to", "by", "what"}
                or (after in {"it", "that"}
                    and (after2 is None or after2 not in {"'s", "s", "is", "was", "were"}))
            )
            if not means_it:
                spans.append(Span(doc, i, i + 2, label="FILLER"))
                skip_to = i + 2
        elif word == "like":
            if prev is None or punct[i - 1] or prev in _LIKE_BEFORE or (
                nxt is not None and punct[i + 1]
            ):
                # "was like" / "is like" before a quote is reported speech, kept as FILLER
                # for the words but flagged as QUOTATIVE so the context can use it.
                label = "QUOTATIVE" if prev in {"was", "is", "'s"} else "FILLER"
                spans.append(Span(doc, i, i + 1, label=label))
        elif word in {"kind", "sort"} and nxt == "of":
            after = low(i + 2)
            if after is None or punct[i + 2] or after in _PAUSE_AFTER:
                spans.append(Span(doc, i, i + 2, label="FILLER"))
                skip_to = i + 2
    return spans


# Longest phrase checked for an immediate restart ("at the- at the", "I was, I was").
MAX_RESTART_WORDS = 4
_DASHES = "-—–"


def repeat_spans(doc: Doc) -> list[Span]:
    """Stutters, restarts and confirmations: "I I don't", "was- I went",
    "it's- it's", "at the- at the station", "it was Tuesday, Tuesday".

    A phrase of up to four words said again straight away (punctuation between
    the copies allowed) is a self-repair, not a claim made twice: the first
    copy is marked REPEAT, so the speaker's words keep one copy. Linear in the
    Doc: each word is compared with the next few only.
    """
    view = token_view(doc)
    # Positions of the spoken words, and what each says without a trailing dash.
    at = [i for i, (p, s) in enumerate(zip(view.is_punct, view.is_space, strict=True))
          if not (p or s)]
    said = [view.lower[i].rstrip(_DASHES) for i in at]
    # A word can start a repeated phrase if it is alphabetic or a cut-off ("wh-").
    wordlike = [view.is_alpha[i] or view.orth[i][-1] in _DASHES for i in at]
    spans = []
    marked: set[int] = set()
    for i in at:
        text = view.orth[i]
        if len(text) > 1 and text[-1] in _DASHES and text[0].isalpha():
            spans.append(Span(doc, i, i + 1, label="FALSE_START"))
            marked.add(i)
    p = 0
    count = len(at)
    while p < count:
        for n in range(MAX_RESTART_WORDS, 0, -1):
            # First words differ (nearly always): no slices made.
            if p + 2 * n > count or said[p] != said[p + n] or not any(wordlike[p:p + n]):
                continue
            if said[p:p + n] == said[p + n:p + 2 * n]:
                for i in at[p:p + n]:
                    if i not in marked:
                        spans.append(Span(doc, i, i + 1, label="REPEAT"))
                        marked.add(i)
                p += n
                break
        else:
            p += 1
    return sorted(spans, key=lambda s: s.start)


def bracket_spans(doc: Doc, artefacts: Iterable[str]) -> list[Span]:
    """(T: Mhm) -> INTERJECTION; [inaudible], (laughs) -> ARTEFACT."""
    view = token_view(doc)
    # Both patterns need an opening bracket; most turns have none.
    if not any("(" in t or "[" in t for t in view.orth):
        return []
    text = view.text
    known = frozenset(a.lower() for a in artefacts)
    spans = []
    taken: set[int] = set()
    for m in _SPEAKER_INTERJECTION.finditer(text):
        span = doc.char_span(m.start(), m.end(), label="INTERJECTION", alignment_mode="expand")
        if span is not None:
            spans.append(span)
            taken.update(range(m.start(), m.end()))
    for m in _BRACKETED.finditer(text):
        if m.start() in taken:
            continue
        inner = m.group(1).strip().lower().rstrip(".")
        if inner in known or (len(inner.split()) <= 3 and m.group(0).startswith("[")):
            span = doc.char_span(m.start(), m.end(), label="ARTEFACT", alignment_mode="expand")
            if span is not None:
                spans.append(span)
    return spans

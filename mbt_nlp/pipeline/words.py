"""The speaker's own words in a processed Doc."""

from __future__ import annotations

import weakref

from spacy.tokens import Doc, Token

from mbt_nlp.pipeline.doc_view import token_view
from mbt_nlp.pipeline.extensions import DISFLUENCY_KEY

# Several components read the same words; made once per Doc, redone if the
# disfluency spans change (they are set once, by the context component).
_CACHE: weakref.WeakKeyDictionary[Doc, tuple[int, list[int], list[str]]] = (
    weakref.WeakKeyDictionary())


def client_words(doc: Doc) -> tuple[list[int], list[str]]:
    """(positions, lowercase words) of the speaker's own words: no punctuation,
    fillers, repeats, false starts or bracketed interjections."""
    spans = doc.spans.get(DISFLUENCY_KEY, [])
    cached = _CACHE.get(doc)
    if cached is not None and cached[0] == len(spans):
        return cached[1], cached[2]
    view = token_view(doc)
    noise = {i for s in spans for i in range(s.start, s.end)}
    positions = [i for i, (punct, space) in enumerate(zip(view.is_punct, view.is_space,
                                                           strict=True))
                 if not (punct or space) and i not in noise]
    lowers = [view.lower[i] for i in positions]
    _CACHE[doc] = (len(spans), positions, lowers)
    return positions, lowers


def client_tokens(doc: Doc) -> list[Token]:
    """The speaker's own words as Tokens (see `client_words`)."""
    return [doc[i] for i in client_words(doc)[0]]

"""The speaker's own words in a processed Doc."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from mbt_nlp.pipeline.extensions import DISFLUENCY_KEY


def client_tokens(doc: Doc) -> list[Token]:
    """No punctuation, fillers, repeats, false starts or bracketed interjections."""
    noise = {i for s in doc.spans.get(DISFLUENCY_KEY, []) for i in range(s.start, s.end)}
    return [t for t in doc if not (t.is_punct or t.is_space) and t.i not in noise]

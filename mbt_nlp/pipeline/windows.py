"""Windows: a long turn cut into stretches of a few sentences, each judged alone.

A mode in a long turn often sits in one stretch of it (a verdict at the end of
a long story). Judged as a whole, the turn's evidence drowns in ordinary talk;
judged only in pieces, a window loses the context that makes a mode. The
classifier uses both: the turn's own probabilities and its windows' (see
stacking.py). Windows follow sentence ends where the base pipeline gives them
and cut run-on speech (speech-recognition output has few full stops) every
`WINDOW_WORDS` words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.tokens import Doc

# About two spoken sentences: enough context for a verdict or a demand, short enough
# that one stretch of mode talk is not diluted by a long story around it.
WINDOW_WORDS = 40


def _is_word(tok) -> bool:
    return not (tok.is_punct or tok.is_space)


def window_bounds(doc: Doc, size: int = WINDOW_WORDS) -> list[tuple[int, int]]:
    """Character spans of the windows of `doc`; empty when the turn fits in one.

    Whole sentences are packed into a window while they fit in `size` words; a
    sentence longer than that is cut every `size` words. Linear in the Doc.
    """
    if sum(_is_word(t) for t in doc) <= size:
        return []
    sentences = doc.sents if doc.has_annotation("SENT_START") else [doc[:]]
    bounds: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []  # (start_char, end_char) of the words in the window
    for sentence in sentences:
        words = [(t.idx, t.idx + len(t.text)) for t in sentence if _is_word(t)]
        if current and len(current) + len(words) > size:
            bounds.append((current[0][0], current[-1][1]))
            current = []
        for word in words:
            if len(current) >= size:
                bounds.append((current[0][0], current[-1][1]))
                current = []
            current.append(word)
    if current:
        # A short tail joins the window before it.
        if bounds and len(current) < size // 4:
            bounds[-1] = (bounds[-1][0], current[-1][1])
        else:
            bounds.append((current[0][0], current[-1][1]))
    return bounds if len(bounds) > 1 else []


def window_docs(doc: Doc, make_doc: Callable[[str], Doc],
                components: Iterable[Callable[[Doc], Doc]]) -> list[Doc]:
    """The windows of `doc` as Docs run through `components` (the pipeline up to the
    classifier), each told the same previous turn as the whole turn."""
    components = list(components)
    out = []
    for start, end in window_bounds(doc):
        window = make_doc(doc.text[start:end])
        window._.mbt_previous_text = doc._.mbt_previous_text
        for component in components:
            window = component(window)
        window.user_data["mbt_window"] = (start, end)
        out.append(window)
    return out

"""Tokenise without stalling on long runs of characters with no space between them.

spaCy's tokenizer peels prefixes and suffixes off a space-free chunk one at a
time, so its time grows with the square of the chunk's length: 8,000
punctuation marks or emoji in a row take seconds, 16,000 over a minute, and one
such turn stalled a whole batch. Runs longer than `LONG_RUN` characters are cut
into pieces of `PIECE` characters, each tokenised alone; everything else is
tokenised as usual. The Doc's text is exactly the input text.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

LONG_RUN = 100  # no real word is this long; URLs and hashtags rarely are
PIECE = 50
_RUN = re.compile(rf"\S{{{LONG_RUN + 1},}}")


def make_doc(nlp: Language, text: str) -> Doc:
    """`nlp.make_doc(text)`, in time linear in the text."""
    if not _RUN.search(text):
        return nlp.make_doc(text)
    words: list[str] = []
    spaces: list[bool] = []

    def add(piece: str) -> None:
        if piece:
            for tok in nlp.make_doc(piece):
                words.append(tok.text)
                spaces.append(bool(tok.whitespace_))

    position = 0
    for run in _RUN.finditer(text):
        add(text[position:run.start()])
        for start in range(run.start(), run.end(), PIECE):
            add(text[start:min(start + PIECE, run.end())])
        position = run.end()
    add(text[position:])
    return Doc(nlp.vocab, words=words, spaces=spaces)

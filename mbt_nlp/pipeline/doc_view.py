"""The Doc's tokens as plain Python lists, made once per Doc and shared by components.

Iterating a Doc creates a Token object per token on every pass; the components
used to walk each Doc a dozen times that way. One `doc.to_array` call and a
string lookup per token give the lists they need.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from spacy.attrs import IS_ALPHA, IS_PUNCT, IS_SPACE, LOWER, ORTH, SPACY
from spacy.tokens import Doc

_ATTRS = [LOWER, ORTH, IS_PUNCT, IS_SPACE, IS_ALPHA, SPACY]


@dataclass(frozen=True)
class TokenView:
    lower: list[str]
    orth: list[str]
    is_punct: list[bool]
    is_space: list[bool]
    is_alpha: list[bool]
    space_after: list[bool]
    text: str  # doc.text, which spaCy rebuilds from Token objects on every access

    def __len__(self) -> int:
        return len(self.lower)


# Keyed weakly by the Doc, not kept in doc.user_data: user_data travels with the Doc
# (to_bytes, DocBin, n_process) and must stay serialisable.
_VIEWS: weakref.WeakKeyDictionary[Doc, TokenView] = weakref.WeakKeyDictionary()


def token_view(doc: Doc) -> TokenView:
    """The Doc's TokenView, made on first use (a Doc's tokens do not change after make_doc)."""
    view = _VIEWS.get(doc)
    if view is None or len(view) != len(doc):
        strings = doc.vocab.strings
        # to_array of an empty Doc has the wrong shape to transpose.
        columns = doc.to_array(_ATTRS).T.tolist() if len(doc) else [[] for _ in _ATTRS]
        lower_ids, orth_ids, punct, space, alpha, spacy_ = columns
        orth = [strings[h] for h in orth_ids]
        view = TokenView(
            lower=[strings[h] for h in lower_ids],
            orth=orth,
            is_punct=[bool(v) for v in punct],
            is_space=[bool(v) for v in space],
            is_alpha=[bool(v) for v in alpha],
            space_after=[bool(v) for v in spacy_],
            text="".join(o + " " if after else o for o, after in zip(orth, spacy_, strict=True)),
        )
        _VIEWS[doc] = view
    return view

"""Protocols shared by our plain (non-trainable) components.

`ErrorHandling`: TrainablePipe has `get_error_handler`/`set_error_handler`;
`nlp.set_error_handler` calls them on every component, so the components that route
their own errors (markers, risk words) share this one copy, with spaCy's own default
handler. `Batched`: the classifiers score a batch of Docs at once (`_label`); a
single Doc is a batch of one.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc
from spacy.util import minibatch, raise_error


class ErrorHandling:
    def get_error_handler(self):
        return getattr(self, "_error_handler", raise_error)

    def set_error_handler(self, error_handler) -> None:
        self._error_handler = error_handler


class Batched:
    def _label(self, docs: list[Doc]) -> list[Doc]:
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Doc:
        return self._label([doc])[0]

    def pipe(self, docs: Iterable[Doc], batch_size: int = 1024) -> Iterable[Doc]:
        for batch in minibatch(docs, size=batch_size):
            yield from self._label(list(batch))

"""What our plain (non-trainable) components share.

`ErrorHandling`: TrainablePipe has `get_error_handler`/`set_error_handler`;
`nlp.set_error_handler` calls them on every component, so the components that route
their own errors (markers, risk words) share this one copy, with spaCy's own default
handler. `PerDoc`: `pipe` for a component that works one Doc at a time. `Batched`:
the classifiers score a batch of Docs at once (`_label`); a single Doc is a batch of
one. `SavedAsJson`: a component whose whole state is one validated JSON document
(rules, a lexicon, a configuration), saved beside it, so that a saved pipeline keeps
what it was built with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Self

from spacy.tokens import Doc
from spacy.util import minibatch, raise_error

from mbt_nlp.pipeline.resources import read_json


class ErrorHandling:
    def get_error_handler(self):
        return getattr(self, "_error_handler", raise_error)

    def set_error_handler(self, error_handler) -> None:
        self._error_handler = error_handler


class PerDoc:
    def __call__(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


class Batched:
    def _label(self, docs: list[Doc]) -> list[Doc]:
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Doc:
        return self._label([doc])[0]

    def pipe(self, docs: Iterable[Doc], batch_size: int = 1024) -> Iterable[Doc]:
        for batch in minibatch(docs, size=batch_size):
            yield from self._label(list(batch))


class SavedAsJson:
    """`to_disk`/`from_disk` and `to_bytes`/`from_bytes` through one JSON document:
    a subclass names its file and says how to give (`data`) and take (`set_data`,
    which validates and names `source` in its errors) its state."""

    data_file: ClassVar[str]

    def data(self) -> dict[str, Any]:
        raise NotImplementedError

    def set_data(self, data: Any, source: str | Path) -> None:
        raise NotImplementedError

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / self.data_file).write_text(
            json.dumps(self.data(), indent=1, ensure_ascii=False), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Self:
        file = Path(path) / self.data_file
        self.set_data(read_json(file), file)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps(self.data()).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> Self:
        self.set_data(json.loads(data), "<bytes>")
        return self

"""One code per turn of one role from a linear model: the shared part of
`mbt_intervention` (the codebook's clinician codes) and `mbt_codes` (a research
group's own codes).

Holds a scikit-learn pipeline (skops, exact-class allowlist) over the features of
pipeline/interventions.py (the turn's words and characters, the words of the turn
it answers, shape signals). For every Doc of its role it writes the code, the
probability of every code and the evidence: the word n-grams that pushed most
towards the chosen code (their weight in the linear model times their value).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from mbt_nlp.errors import ModelError
from mbt_nlp.pipeline.doc_view import token_view
from mbt_nlp.pipeline.extensions import register_extensions
from mbt_nlp.pipeline.interventions import feature_frame
from mbt_nlp.pipeline.model_file import (
    MODEL_FILE,
    load_model,
    read_settings,
    save_model,
    write_settings,
)

EVIDENCE = 3  # n-grams shown per turn


class TurnCodeClassifier:
    """Subclasses say which extension prefix they write (`attr`) and, through
    `labels`/`role`, which codes and turns."""

    attr = ""  # Doc extensions: {attr}, {attr}_proba, {attr}_evidence

    def __init__(self, nlp: Language, name: str) -> None:
        register_extensions()
        self.name = name
        self.model: Any = None
        self.settings: dict[str, Any] = {}
        self._vocabulary: np.ndarray | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def role(self) -> str:
        raise NotImplementedError

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """Refuse settings that do not fit this component (subclasses)."""

    def set_model(self, model: Any, settings: Mapping[str, Any]) -> None:
        self.check_settings(settings)
        old, self.settings = self.settings, dict(settings)
        unknown = {str(c) for c in model.classes_} - set(self.labels)
        if unknown:
            self.settings = old
            raise ModelError(f"{self.name}: the model has codes outside its codebook: "
                             f"{sorted(unknown)}")
        self.model = model
        words = model.named_steps["features"].named_transformers_["words"]
        self._vocabulary = np.asarray(words.get_feature_names_out())

    def rule_reasons(self) -> dict[str, str]:
        return {}

    def predict(self, texts: list[str], previous: list[str | None]
                ) -> tuple[list[str], list[dict[str, float]], list[list[str]]]:
        frame = feature_frame(texts, previous)
        features = self.model.named_steps["features"]
        classifier = self.model.named_steps["classifier"]
        X = features.transform(frame)
        proba = classifier.predict_proba(X)
        classes = [str(c) for c in classifier.classes_]
        chosen = proba.argmax(axis=1)
        block = features.output_indices_["words"]
        words = X[:, block.start:block.stop].tocsr() if hasattr(X, "tocsr") else None
        # A binary logistic regression has one row of weights, for the second class.
        coef = classifier.coef_
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0], coef[0]])
        evidence: list[list[str]] = []
        for i, c in enumerate(chosen):
            found: list[str] = []
            # The row's entries read straight from the CSR arrays: indexing the matrix
            # (words[i]) builds a new sparse matrix per turn, most of this method's time.
            if words is not None and words.indptr[i] < words.indptr[i + 1]:
                start, end = words.indptr[i], words.indptr[i + 1]
                indices, data = words.indices[start:end], words.data[start:end]
                weight = data * coef[c, block.start + indices]
                order = np.argsort(-weight)[:EVIDENCE]
                found = [str(self._vocabulary[indices[j]]) for j in order if weight[j] > 0]
            evidence.append(found)
        dicts = [{code: round(float(p[classes.index(code)]), 4) if code in classes else 0.0
                  for code in self.labels} for p in proba]
        return [classes[c] for c in chosen], dicts, evidence

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 1024) -> Iterable[Doc]:
        for batch in minibatch(docs, size=batch_size):
            yield from self._label(list(batch))

    def _label(self, docs: list[Doc]) -> list[Doc]:
        if self.model is None:
            raise ModelError(f"{self.name} has no trained model (train one with mbt train)")
        chosen = [(d, token_view(d).text) for d in docs if d._.mbt_role == self.role]
        chosen = [(d, text) for d, text in chosen if text.strip()]
        if chosen:
            codes, probas, evidence = self.predict([text for _, text in chosen],
                                                   [d._.mbt_previous_text for d, _ in chosen])
            for (doc, _), code, proba, words in zip(chosen, codes, probas, evidence,
                                                    strict=True):
                doc._.set(self.attr, code)
                doc._.set(f"{self.attr}_proba", proba)
                doc._.set(f"{self.attr}_evidence", words)
        return docs

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model is None:
            raise ModelError(f"nothing to save: {self.name} has no model")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        save_model(self.model, path / MODEL_FILE)
        write_settings(path, self.settings)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TurnCodeClassifier:
        path = Path(path)
        self.set_model(load_model(path / MODEL_FILE), read_settings(path, self.name))
        return self

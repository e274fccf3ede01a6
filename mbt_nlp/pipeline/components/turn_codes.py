"""One code per turn of one role from a linear model: the shared part of
`mbt_intervention` (the codebook's clinician codes) and `mbt_codes` (a research
group's own codes).

Holds a linear model (pipeline/linear_model.py: fitted by scikit-learn, saved as
arrays) over the features of pipeline/interventions.py (the turn's words and
characters, the words of the turn it answers, shape signals). For every Doc of
its role it writes the code, the probability of every code and the evidence: the
word n-grams that pushed most towards the chosen code (their weight in the linear
model times their value).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from mbt_nlp.errors import ModelError
from mbt_nlp.pipeline.components.base import Batched
from mbt_nlp.pipeline.doc_view import token_view
from mbt_nlp.pipeline.extensions import register_extensions
from mbt_nlp.pipeline.interventions import SIGNALS, feature_columns
from mbt_nlp.pipeline.linear_model import LinearModel, TfidfBlock, as_linear, weighed_terms
from mbt_nlp.pipeline.model_file import read_model, read_settings, write_model, write_settings

EVIDENCE = 3  # n-grams shown per turn
EVIDENCE_BLOCK = "words"  # the model's block of the turn's word n-grams


class TurnCodeClassifier(Batched):
    """Subclasses say which extension prefix they write (`attr`) and, through
    `labels`/`role`, which codes and turns."""

    attr = ""  # Doc extensions: {attr}, {attr}_proba, {attr}_evidence

    def __init__(self, nlp: Language, name: str) -> None:
        register_extensions()
        self.name = name
        self.model: LinearModel | None = None
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
        """A LinearModel (or a fitted scikit-learn pipeline, converted) and its settings."""
        self.check_settings(settings)
        linear = as_linear(model)
        old, self.settings = self.settings, dict(settings)
        unknown = set(linear.classes) - set(self.labels)
        if unknown:
            self.settings = old
            raise ModelError(f"{self.name}: the model has codes outside its codebook: "
                             f"{sorted(unknown)}")
        words = linear.block(EVIDENCE_BLOCK) if EVIDENCE_BLOCK in linear.offsets else None
        if not isinstance(words, TfidfBlock):
            self.settings = old
            raise ModelError(f"{self.name}: the model has no {EVIDENCE_BLOCK!r} n-gram block")
        self.model = linear
        self._vocabulary = np.asarray(words.terms, dtype=object)

    def rule_reasons(self) -> dict[str, str]:
        return {}

    def predict(self, texts: list[str], previous: list[str | None]
                ) -> tuple[list[str], list[dict[str, float]], list[list[str]]]:
        assert self.model is not None
        columns, signals = feature_columns(texts, previous)
        encoded = self.model.encode(columns, signals, SIGNALS)
        proba = self.model.predict_proba(encoded)
        classes = list(self.model.classes)
        chosen = proba.argmax(axis=1)
        indptr, indices, values = encoded.sparse[EVIDENCE_BLOCK]
        offset = self.model.offsets[EVIDENCE_BLOCK]
        # A binary logistic regression has one row of weights, for the second class.
        coef = self.model.coef
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0], coef[0]])
        width = len(self._vocabulary)
        evidence = [weighed_terms((indices[indptr[i]:indptr[i + 1]],
                                   values[indptr[i]:indptr[i + 1]]),
                                  coef[c, offset:offset + width], self._vocabulary, EVIDENCE)
                    for i, c in enumerate(chosen)]
        where = [(code, classes.index(code) if code in classes else None)
                 for code in self.labels]
        dicts = [{code: 0.0 if j is None else round(p[j], 4) for code, j in where}
                 for p in proba.tolist()]
        return [classes[c] for c in chosen], dicts, evidence

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
        write_model(self.model, path)
        write_settings(path, self.settings)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TurnCodeClassifier:
        path = Path(path)
        model = read_model(path, required=True)
        self.set_model(model, read_settings(path, self.name))
        return self

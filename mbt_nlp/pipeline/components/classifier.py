"""`mbt_classifier`: features -> mode and probabilities for each turn.

Holds a scikit-learn pipeline (saved as skops, loaded with an allowlist) and
the settings that turn its output into a decision: the training prior, the
target prior of real sessions, and the P(any mode) threshold. Writes
`doc._.mbt_proba` ({label: probability}, adjusted to the target prior) and
`doc._.mbt_mode`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from mbt_nlp.errors import ModelError
from mbt_nlp.pipeline.extensions import register_extensions
from mbt_nlp.pipeline.features import feature_rows
from mbt_nlp.pipeline.model_file import load_model, save_model
from mbt_nlp.pipeline.priors import DEFAULT_PRIOR, DEFAULT_THRESHOLD, adjust, decide
from mbt_nlp.pipeline.resources import LABELS

MODEL_FILE = "model.skops"
SETTINGS_FILE = "settings.json"


@Language.factory(
    "mbt_classifier",
    assigns=["doc._.mbt_mode", "doc._.mbt_proba"],
    requires=["doc._.mbt_discourse", "doc._.mbt_profile"],
    default_config={},
)
def make_classifier(nlp: Language, name: str) -> ModeClassifier:
    return ModeClassifier(nlp, name)


class ModeClassifier:
    """Wraps the trained model; a fresh instance has none until `from_disk` or `set_model`."""

    def __init__(self, nlp: Language, name: str = "mbt_classifier") -> None:
        register_extensions()
        self.name = name
        self.model: Any = None
        self.settings: dict[str, Any] = {}

    def set_model(self, model: Any, settings: Mapping[str, Any]) -> None:
        missing = {"train_prior", "classes"} - set(settings)
        if missing:
            raise ModelError(f"classifier settings lack {sorted(missing)}")
        self.model = model
        self.settings = {"target_prior": dict(DEFAULT_PRIOR), "threshold": DEFAULT_THRESHOLD,
                         **settings}

    def configure(self, prior: Mapping[str, float] | None = None,
                  threshold: float | None = None) -> None:
        """Use another real-world prior or decision threshold (e.g. from --prior)."""
        if prior is not None:
            self.settings["target_prior"] = dict(prior)
        if threshold is not None:
            self.settings["threshold"] = float(threshold)

    def rule_reasons(self) -> dict[str, str]:
        return {}

    def predict(self, docs: list[Doc]) -> tuple[list[dict[str, float]], list[str]]:
        if self.model is None:
            raise ModelError("mbt_classifier has no trained model (train one with `mbt train`)")
        frame = pd.DataFrame(feature_rows(docs))
        raw = self.model.predict_proba(frame)
        classes = [str(c) for c in self.model.classes_]
        proba = adjust(raw, classes, self.settings["train_prior"], self.settings["target_prior"])
        modes = decide(proba, classes, self.settings["threshold"])
        dicts = [{c: round(float(p), 4) for c, p in zip(classes, row, strict=True)}
                 for row in proba]
        return [{label: d.get(label, 0.0) for label in LABELS} for d in dicts], modes

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterable[Doc]:
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._label(batch)
                batch = []
        if batch:
            yield from self._label(batch)

    def _label(self, docs: list[Doc]) -> list[Doc]:
        judged = [doc for doc in docs if not doc._.mbt_in_passage]
        if not judged:
            return docs
        probas, modes = self.predict(judged)
        for doc, proba, mode in zip(judged, probas, modes, strict=True):
            doc._.mbt_proba = proba
            doc._.mbt_mode = mode
        return docs

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model is None:
            raise ModelError("nothing to save: the classifier has no model")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        save_model(self.model, path / MODEL_FILE)
        (path / SETTINGS_FILE).write_text(json.dumps(self.settings, indent=1), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ModeClassifier:
        path = Path(path)
        try:
            settings = json.loads((path / SETTINGS_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ModelError(f"cannot read classifier settings ({type(err).__name__})",
                             path / SETTINGS_FILE) from None
        self.set_model(load_model(path / MODEL_FILE), settings)
        return self

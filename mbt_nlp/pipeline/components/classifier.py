"""`mbt_classifier`: features -> mode and probabilities for each turn.

Holds a linear model (pipeline/linear_model.py: arrays fitted by scikit-learn,
saved without pickling) and the settings that turn its output into a decision:
the training prior, the target prior of real sessions, the P(any mode) threshold
and the marker floor (priors.py). Writes `doc._.mbt_proba` ({label: probability},
adjusted to the target prior), `doc._.mbt_mode`, `doc._.mbt_flagged_by` and, for a
flagged turn, `doc._.mbt_mode_evidence` (the word n-grams that added most to its mode).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from mbt_nlp.errors import ModelError
from mbt_nlp.pipeline.components.base import Batched
from mbt_nlp.pipeline.extensions import SPANS_KEY, register_extensions
from mbt_nlp.pipeline.features import feature_matrix, feature_names
from mbt_nlp.pipeline.linear_model import (
    Encoded,
    LinearModel,
    ScaledBlock,
    TfidfBlock,
    as_linear,
    weighed_terms,
)
from mbt_nlp.pipeline.model_file import read_model, read_settings, write_model, write_settings
from mbt_nlp.pipeline.priors import (
    DEFAULT_PRIOR,
    DEFAULT_THRESHOLD,
    MARKER_FLOOR,
    adjust,
    any_mode,
    flags,
    pick,
)
from mbt_nlp.pipeline.resources import LABELS, lexicon_set
from mbt_nlp.pipeline.stacking import stack_features
from mbt_nlp.pipeline.tokens import make_doc
from mbt_nlp.pipeline.windows import window_docs

COMBINER = "combiner"  # file stem of the optional second-level model
EVIDENCE_BLOCK = "ngrams"  # the model's block of word n-grams (learn/training.py)
MODE_EVIDENCE = 5  # n-grams shown per flagged turn
ORDINARY = ("none", "mentalizing")
# spaCy splits "don't" and "I'm" into "do n't" and "i 'm"; shown joined again.
_CLITIC = re.compile(r" (?=n't\b|'(?:m|s|re|ve|ll|d)\b)")


@Language.factory(
    "mbt_classifier",
    assigns=["doc._.mbt_mode", "doc._.mbt_proba", "doc._.mbt_flagged_by",
             "doc._.mbt_mode_evidence"],
    requires=["doc._.mbt_discourse", "doc._.mbt_profile"],
    default_config={},
)
def make_classifier(nlp: Language, name: str) -> ModeClassifier:
    return ModeClassifier(nlp, name)


class ModeClassifier(Batched):
    """Wraps the trained model; a fresh instance has none until `from_disk` or `set_model`."""

    def __init__(self, nlp: Language, name: str = "mbt_classifier") -> None:
        register_extensions()
        self.name = name
        self.nlp = nlp  # to run a long turn's windows through the components before this one
        self.model: LinearModel | None = None
        self.combiner: LinearModel | None = None
        self.settings: dict[str, Any] = {}
        self._function_words = lexicon_set("stopword")

    def set_model(self, model: Any, settings: Mapping[str, Any], combiner: Any = None) -> None:
        """The base model, its settings and, optionally, the combiner of turn and window
        evidence (pipeline/stacking.py); fitted scikit-learn pipelines are converted."""
        missing = {"train_prior", "classes"} - set(settings)
        if missing:
            raise ModelError(f"classifier settings lack {sorted(missing)}")
        _check_floor(settings.get("marker_floor"))
        linear = as_linear(model)
        _check_signals(linear)
        self.model = linear
        self.combiner = as_linear(combiner) if combiner is not None else None
        self.settings = {"target_prior": dict(DEFAULT_PRIOR), "threshold": DEFAULT_THRESHOLD,
                         **settings}

    def configure(self, prior: Mapping[str, float] | None = None,
                  threshold: float | None = None, operating_point: str | None = None,
                  marker_floor: bool | None = None) -> None:
        """Use another real-world prior, a named operating point of this model (its
        `operating_points`, chosen by `mbt evaluate --save-operating-points`) or a
        decision threshold of your own (which wins over a named point). `marker_floor`
        False: the threshold alone decides; True: the default floor where the model
        has none (priors.MARKER_FLOOR)."""
        if prior is not None:
            self.settings["target_prior"] = dict(prior)
        if operating_point is not None:
            points = self.settings.get("operating_points") or {}
            if operating_point not in points:
                known = ", ".join(points) or "none (run mbt evaluate --save-operating-points)"
                raise ModelError(f"unknown operating point {operating_point!r}; this model "
                                 f"has: {known}")
            self.settings["threshold"] = float(points[operating_point]["threshold"])
            self.settings["operating_point"] = operating_point
        if threshold is not None:
            self.settings["threshold"] = float(threshold)
            self.settings["operating_point"] = None
        if marker_floor is not None:
            self.settings["marker_floor"] = (
                (self.settings.get("marker_floor") or dict(MARKER_FLOOR)) if marker_floor
                else None)

    def decision(self) -> dict[str, Any]:
        """What decides a flag, for reports: the operating point's name (None: a threshold
        of the user's own or the model's default), the threshold on P(any mode) and the
        marker floor (None: models trained before it, or switched off)."""
        return {"operating_point": self.settings.get("operating_point"),
                "threshold": self.settings["threshold"],
                "marker_floor": self.settings.get("marker_floor")}

    def marked(self, docs: list[Doc]) -> np.ndarray:
        """Which Docs carry an active marker of a label the marker floor names."""
        floor = self.settings.get("marker_floor") or {}
        labels = set(floor.get("labels", ()))
        return np.array([any(s.label_ in labels for s in doc.spans.get(SPANS_KEY, []))
                         for doc in docs], dtype=bool)

    def rule_reasons(self) -> dict[str, str]:
        return {}

    def _encode(self, docs: list[Doc]) -> tuple[Encoded, list[str]]:
        """The base model's features of the Docs, and the texts its n-grams read."""
        assert self.model is not None
        texts, signals = feature_matrix(docs)
        return self.model.encode({"text": texts}, signals, feature_names()), texts

    def _base_proba(self, docs: list[Doc], encoded: Encoded | None = None) -> np.ndarray:
        assert self.model is not None
        if encoded is None:
            encoded, _ = self._encode(docs)
        return _in_label_order(self.model.predict_proba(encoded), self.model.classes)

    def _upstream(self) -> list[Any]:
        names = self.nlp.pipe_names
        before = names[: names.index(self.name)] if self.name in names else names
        return [self.nlp.get_pipe(n) for n in before]

    def raw_proba(self, docs: list[Doc], encoded: Encoded | None = None) -> np.ndarray:
        """Probabilities at the training prior (columns in LABELS order): the base model's
        on the turn, combined with its windows' where the model has a combiner. Each
        window's base probabilities are kept on the Doc for the segments. `encoded`: the
        Docs' features, when the caller has them already."""
        turns = self._base_proba(docs, encoded)
        if self.combiner is None:
            return turns
        components = self._upstream()
        windows = [window_docs(doc, lambda text: make_doc(self.nlp, text), components)
                   for doc in docs]
        flat = [w for ws in windows for w in ws]
        flat_proba = self._base_proba(flat) if flat else np.zeros((0, len(LABELS)))
        per_turn, at = [], 0
        for doc, ws in zip(docs, windows, strict=True):
            per_turn.append(flat_proba[at:at + len(ws)])
            doc.user_data["mbt_windows"] = [
                (w.user_data["mbt_window"], row) for w, row in zip(ws, per_turn[-1], strict=True)]
            at += len(ws)
        raw = self.combiner.predict_proba(
            self.combiner.encode({}, stack_features(turns, per_turn)))
        return _in_label_order(raw, self.combiner.classes)

    def predict(self, docs: list[Doc], encoded: Encoded | None = None
                ) -> tuple[list[dict[str, float]], list[str], list[str | None]]:
        """Per Doc: probabilities at the target prior, the decided label and what flagged
        it ("probability", "marker" or None for mentalizing / none)."""
        if self.model is None:
            raise ModelError("mbt_classifier has no trained model (train one with `mbt train`)")
        to_target = (self.settings["train_prior"], self.settings["target_prior"])
        proba = adjust(self.raw_proba(docs, encoded), LABELS, *to_target)
        for doc in docs:  # the windows' scores too, so segments report the same scale
            if windows := doc.user_data.get("mbt_windows"):
                adjusted = adjust(np.array([row for _, row in windows]), LABELS, *to_target)
                # Plain lists: user_data travels with the Doc between processes (n_process).
                doc.user_data["mbt_windows"] = [
                    [list(bounds), [round(float(x), 4) for x in row]]
                    for (bounds, _), row in zip(windows, adjusted, strict=True)]
        p_mode = any_mode(proba, LABELS)
        by_probability = p_mode >= self.settings["threshold"]
        flagged = flags(p_mode, self.settings["threshold"], self.marked(docs),
                        self.settings.get("marker_floor"))
        labels = pick(proba, LABELS, flagged)
        flagged_by = [("probability" if p else "marker") if f else None
                      for f, p in zip(flagged, by_probability, strict=True)]
        dicts = [{label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)}
                 for row in proba]
        return dicts, labels, flagged_by

    def mode_evidence(self, docs: list[Doc], modes: list[str]) -> list[list[str]]:
        """Per Doc, the word n-grams that add most to the log-odds of its mode against
        the ordinary labels (a linear model's exact share of each n-gram), strongest
        first; [] for a model without a word n-gram block."""
        if not docs:
            return []
        encoded, texts = self._encode(docs)
        return self._evidence(encoded, texts, list(range(len(docs))), modes)

    def _evidence(self, encoded: Encoded, texts: list[str], rows: list[int],
                  modes: list[str]) -> list[list[str]]:
        """`mode_evidence` of the given rows of an encoded batch."""
        assert self.model is not None
        block = self.model.block(EVIDENCE_BLOCK) if EVIDENCE_BLOCK in self.model.offsets \
            else None
        if not isinstance(block, TfidfBlock):
            return [[] for _ in rows]
        indptr, indices, values = encoded.sparse[EVIDENCE_BLOCK]
        start = self.model.offsets[EVIDENCE_BLOCK]
        coef = self.model.coef[:, start:start + block.width]
        classes = list(self.model.classes)
        rest = [classes.index(c) for c in ORDINARY if c in classes]
        ordinary = coef[rest].mean(axis=0) if rest else np.zeros(block.width)
        evidence: list[list[str]] = []
        for i, mode in zip(rows, modes, strict=True):
            if mode not in classes:  # a model trained without this mode has no weights for it
                evidence.append([])
                continue
            terms = weighed_terms(
                (indices[indptr[i]:indptr[i + 1]], values[indptr[i]:indptr[i + 1]]),
                coef[classes.index(mode)] - ordinary, block.terms, 4 * MODE_EVIDENCE)
            # "i am" may weigh, but says nothing a reader can check: keep n-grams with a
            # word that is not a function word.
            evidence.append([_CLITIC.sub("", _with_host(t, texts[i])) for t in terms
                             if not self._function_words.issuperset(t.split())][:MODE_EVIDENCE])
        return evidence

    def _label(self, docs: list[Doc]) -> list[Doc]:
        judged = [doc for doc in docs if not (doc._.mbt_in_passage or doc._.mbt_unlabelled)]
        if not judged:
            return docs
        if self.model is None:
            raise ModelError("mbt_classifier has no trained model (train one with `mbt train`)")
        encoded, texts = self._encode(judged)  # once: for the scores and the evidence
        for doc, proba, mode, by in zip(judged, *self.predict(judged, encoded), strict=True):
            doc._.mbt_proba = proba
            doc._.mbt_mode = mode
            doc._.mbt_flagged_by = by
        flagged = [i for i, doc in enumerate(judged) if doc._.mbt_flagged_by is not None]
        evidence = self._evidence(encoded, texts, flagged, [judged[i]._.mbt_mode
                                                            for i in flagged])
        for i, words in zip(flagged, evidence, strict=True):
            judged[i]._.mbt_mode_evidence = words
        return docs

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model is None:
            raise ModelError("nothing to save: the classifier has no model")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        write_model(self.model, path)
        if self.combiner is not None:
            write_model(self.combiner, path, COMBINER)
        write_settings(path, self.settings)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ModeClassifier:
        path = Path(path)
        settings = read_settings(path, "classifier")
        model = read_model(path, required=True)
        try:
            self.set_model(model, settings, read_model(path, COMBINER))
        except ModelError as err:  # settings or signals that do not fit: name the folder
            if err.path is None:
                raise ModelError(err.message, path) from None
            raise
        return self


def _with_host(term: str, text: str) -> str:
    """An n-gram that starts with a clitic ("'s obvious", "n't need") with the word it
    leans on, as the turn says it ("it's obvious"); `text` is the model's input text."""
    if not _CLITIC.match(" " + term):
        return term
    tokens = text.lower().split()
    width = len(term.split())
    for k in range(1, len(tokens) - width + 1):
        if " ".join(tokens[k:k + width]) == term:
            return f"{tokens[k - 1]} {term}"
    return term


def _check_signals(model: LinearModel) -> None:
    """A model needs every signal it was fitted on; a model from a version whose signals
    differ gets a ModelError naming them (not a KeyError at the first turn)."""
    known = set(feature_names())
    unknown = sorted({c for b in model.blocks if isinstance(b, ScaledBlock) and b.columns
                      for c in b.columns} - known)
    if unknown:
        raise ModelError(f"the model was trained on signals this version does not compute "
                         f"({', '.join(unknown)}); retrain it with `mbt train`")


def _check_floor(floor: Any) -> None:
    """A saved marker floor must name marker labels and a probability (or be null)."""
    if floor is None:
        return
    labels = floor.get("labels") if isinstance(floor, dict) else None
    min_p = floor.get("min_p") if isinstance(floor, dict) else None
    if (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)
            or isinstance(min_p, bool) or not isinstance(min_p, int | float)
            or not 0 <= min_p <= 1):
        raise ModelError("classifier settings: marker_floor must be null or "
                         '{"labels": [marker labels], "min_p": a probability}')


def _in_label_order(raw: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    out = np.zeros((len(raw), len(LABELS)))
    for j, c in enumerate(classes):
        out[:, LABELS.index(c)] = raw[:, j]
    return out

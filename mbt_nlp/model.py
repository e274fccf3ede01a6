"""Train, cross-validate, evaluate, save and load the mode classifier.

A scikit-learn pipeline over two views of each client turn (see features.py):
TF-IDF word n-grams of the client's own words and the standardised component
signals, into a multinomial logistic regression. Persisted with skops, which
loads without running code; only scikit-learn, NumPy and SciPy types are
accepted on load, anything else fails closed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from spacy.language import Language

from .annotate import turn_docs
from .errors import InputError, ModelError
from .features import feature_names, feature_rows
from .passages import passage_label, passages
from .readers import read_transcript
from .resources import LABELS
from .transcript import CLIENT, Turn

VIEWS = ("both", "signals", "ngrams")
SAFE_TYPE_PREFIXES = ("sklearn.", "numpy.", "scipy.")


@dataclass
class LabelledTurns:
    """Client turns with gold labels, plus what grouping needs (session, writer)."""

    turns: list[Turn]
    labels: list[str]
    writers: list[str]

    @property
    def sessions(self) -> list[str]:
        return [t.session for t in self.turns]

    def subset(self, index: Iterable[int]) -> LabelledTurns:
        idx = list(index)
        return LabelledTurns([self.turns[i] for i in idx], [self.labels[i] for i in idx],
                             [self.writers[i] for i in idx])


def load_annotations(paths: Sequence[str | Path]) -> tuple[list[Turn], LabelledTurns]:
    """All turns (for context) and the labelled client turns of annotation JSONL files.

    `paths` may be files or directories (searched recursively for *.jsonl).
    """
    files: list[Path] = []
    for path in map(Path, paths):
        found = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        # Session files only: manifests and folders starting with "_" or "." are not turns.
        files.extend(f for f in found if f.name != "manifest.jsonl"
                     and not any(part.startswith(("_", ".")) for part in f.parts[-3:-1]))
    if not files:
        raise InputError("no annotation files (*.jsonl) found", ", ".join(map(str, paths)))
    all_turns: list[Turn] = []
    labelled = LabelledTurns([], [], [])
    for file in files:
        for turn in read_transcript(file, input_format="jsonl"):
            all_turns.append(turn)
            label = turn.meta.get("label")
            if turn.role != CLIENT:
                continue
            if label not in LABELS:
                raise InputError(f"client turn {turn.index} has label {label!r}; expected one "
                                 f"of {', '.join(LABELS)}", file, turn.line)
            labelled.turns.append(turn)
            labelled.labels.append(str(label))
            labelled.writers.append(str(turn.meta.get("writer") or file.parent.name))
    return all_turns, labelled


@dataclass
class Corpus:
    """Labelled client lines, and the passages the classifier is trained and scored on.

    Gold labels belong to lines (each line is coded in context); the model reads
    passages (passages.py), so a passage's probabilities are scored on each of
    its lines.
    """

    lines: LabelledTurns
    units: LabelledTurns  # one per client passage, labelled by passage_label
    unit_of_line: np.ndarray  # for each line, the index of its passage in `units`
    X: pd.DataFrame  # features of `units`

    def per_line(self, unit_proba: np.ndarray) -> np.ndarray:
        return unit_proba[self.unit_of_line]


def load_corpus(nlp: Language, paths: Sequence[str | Path]) -> Corpus:
    """Annotation files -> labelled lines, their passages and the passages' features."""
    all_turns, lines = load_annotations(paths)
    line_number = {id(t): i for i, t in enumerate(lines.turns)}
    units = LabelledTurns([], [], [])
    unit_of_line = np.zeros(len(lines.turns), dtype=int)
    context: list[Turn] = []
    for passage in passages(all_turns):
        unit = passage.as_turn()
        context.append(unit)
        numbers = [line_number[id(t)] for t in passage.lines if id(t) in line_number]
        if not numbers:
            continue
        unit_of_line[numbers] = len(units.turns)
        units.turns.append(unit)
        units.labels.append(passage_label([lines.labels[i] for i in numbers]))
        units.writers.append(lines.writers[numbers[0]])
    return Corpus(lines, units, unit_of_line, featurize(nlp, context, units))


def featurize(nlp: Language, all_turns: Sequence[Turn], wanted: LabelledTurns,
              batch_size: int = 256) -> pd.DataFrame:
    """Feature rows for the labelled turns, each processed with its previous turn."""
    keep = {id(t) for t in wanted.turns}
    pairs = [(t, d) for t, d in turn_docs(nlp, all_turns) if id(t) in keep]
    docs = nlp.pipe((d for _, d in pairs), batch_size=batch_size)
    rows = dict(zip((id(t) for t, _ in pairs), feature_rows(docs), strict=True))
    return pd.DataFrame([rows[id(t)] for t in wanted.turns])


def build_model(view: str = "both", seed: int = 0, C: float = 1.0) -> Pipeline:
    """The classifier: n-grams and/or signals into multinomial logistic regression."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    parts = []
    if view in ("both", "ngrams"):
        parts.append(("ngrams", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                                max_features=30000), "text"))
        # Character n-grams inside words carry across misspellings, slang and
        # speech-to-text errors ("dont", "gonna", "anxios"), where word n-grams miss.
        parts.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3,
                                               sublinear_tf=True, max_features=20000), "text"))
    if view in ("both", "signals"):
        parts.append(("signals", StandardScaler(), list(feature_names())))
    return Pipeline([
        ("features", ColumnTransformer(parts)),
        ("classifier", LogisticRegression(C=C, max_iter=5000, random_state=seed)),
    ])


def class_prior(labels: Sequence[str]) -> dict[str, float]:
    counts = Counter(labels)
    return {label: counts[label] / len(labels) for label in LABELS}


def align(proba: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Reorder/insert columns so they follow LABELS (a fold may miss a class)."""
    out = np.zeros((proba.shape[0], len(LABELS)))
    for j, c in enumerate(classes):
        out[:, LABELS.index(c)] = proba[:, j]
    return out


def expected_calibration_error(y_true: Sequence[str], proba: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over confidence bins."""
    y_idx = np.array([LABELS.index(y) for y in y_true])
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_idx
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in pairwise(edges):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def classification_report(y_true: Sequence[str], y_pred: Sequence[str],
                          proba: np.ndarray | None = None) -> dict[str, Any]:
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS),
                                                 zero_division=0)
    report: dict[str, Any] = {
        "n": len(y_true),
        "per_label": {
            label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                    "f1": round(float(f[i]), 4), "support": int(s[i])}
            for i, label in enumerate(LABELS)
        },
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=list(LABELS),
                                          average="macro", zero_division=0)), 4),
        "kappa": round(float(cohen_kappa_score(y_true, y_pred, labels=list(LABELS))), 4),
        "confusion": {"labels": list(LABELS),
                      "matrix": confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist()},
    }
    if proba is not None:
        report["ece"] = round(expected_calibration_error(y_true, proba), 4)
    return report


# --- persistence --------------------------------------------------------------------------


def save_model(model: Pipeline, path: str | Path) -> None:
    import zipfile

    import skops.io as sio

    # TfidfVectorizer keeps every term it dropped in `stop_words_`, only for introspection;
    # scikit-learn documents it as safe to remove before saving (it is most of the file).
    for _, transformer, _ in model.named_steps["features"].transformers_:
        if hasattr(transformer, "stop_words_"):
            transformer.stop_words_ = None
        # NumPy integer values would each be stored as a separate array file in the
        # archive (tens of thousands of them); plain ints keep it one small JSON.
        if hasattr(transformer, "vocabulary_"):
            transformer.vocabulary_ = {term: int(i) for term, i in
                                       transformer.vocabulary_.items()}
    sio.dump(model, Path(path), compression=zipfile.ZIP_DEFLATED)


def load_model(path: str | Path) -> Pipeline:
    """Load a skops file, refusing any type outside scikit-learn, NumPy and SciPy."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ModelError("no model file", path)
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as err:  # skops raises several types on a corrupt archive
        raise ModelError(f"not a readable skops model file ({type(err).__name__})", path) from None
    refused = [t for t in untrusted if not t.startswith(SAFE_TYPE_PREFIXES)]
    if refused:
        raise ModelError(
            f"refusing to load: the file contains types outside the allowlist "
            f"(scikit-learn, NumPy, SciPy): {', '.join(sorted(refused))}",
            path,
        )
    model = sio.load(path, trusted=untrusted)
    if not isinstance(model, Pipeline):
        raise ModelError(f"expected a scikit-learn Pipeline, got {type(model).__name__}", path)
    return model


# --- training ------------------------------------------------------------------------------

DEFAULT_C = 2.0  # chosen by cross-validation on written and real turns (models/MODEL_CARD.md)


def train_pipeline(
    paths: Sequence[str | Path],
    output_dir: str | Path | None = None,
    *,
    seed: int = 0,
    C: float = DEFAULT_C,
    prior: dict[str, float] | None = None,
    threshold: float | None = None,
) -> Language:
    """Fit the classifier on all annotations and return (and save) the full pipeline."""
    from . import __version__
    from .pipeline import CLASSIFIER, build_pipeline
    from .priors import DEFAULT_PRIOR, DEFAULT_THRESHOLD

    nlp = build_pipeline()
    corpus = load_corpus(nlp, paths)
    labelled = corpus.units
    model = build_model("both", seed, C).fit(corpus.X, labelled.labels)
    classifier = nlp.add_pipe(CLASSIFIER)
    classifier.set_model(model, {
        "classes": [str(c) for c in model.classes_],
        "train_prior": class_prior(labelled.labels),
        "target_prior": dict(prior or DEFAULT_PRIOR),
        "threshold": DEFAULT_THRESHOLD if threshold is None else threshold,
        "seed": seed,
        "C": C,
        "trained_on": {"turns": len(corpus.lines.labels), "passages": len(labelled.labels),
                       "sessions": len(set(labelled.sessions)),
                       "passage_labels": dict(Counter(labelled.labels))},
    })
    nlp.meta.update({
        "name": "mbt_en", "version": __version__, "license": "MIT (code); CC BY-SA 4.0 (data)",
        "description": "mbt-nlp rule components and mode classifier on blank English. "
                       "A screening aid, never a diagnosis: see MODEL_CARD.md.",
    })
    if output_dir is not None:
        nlp.to_disk(output_dir)
    return nlp

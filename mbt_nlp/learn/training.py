"""Train the mode classifier on annotation files and build the full pipeline.

A scikit-learn pipeline over two views of each client passage (see
pipeline/features.py): TF-IDF word and character n-grams of the client's own
words and the standardised component signals, into a multinomial logistic
regression.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from spacy.language import Language

from mbt_nlp import __version__
from mbt_nlp.learn.corpus import load_corpus
from mbt_nlp.pipeline.build import CLASSIFIER, build_pipeline
from mbt_nlp.pipeline.features import feature_names
from mbt_nlp.pipeline.priors import DEFAULT_PRIOR, DEFAULT_THRESHOLD
from mbt_nlp.pipeline.resources import LABELS

VIEWS = ("both", "signals", "ngrams")


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

"""A trained linear text model as plain arrays: what the classifiers need to predict.

Our models are TF-IDF blocks (word or in-word character n-grams of a text column),
scaled numeric blocks and a logistic regression. Training fits them with
scikit-learn (learn/); `from_sklearn` reads the fitted values out and this module
predicts from them with NumPy alone, in the same order of floating-point
operations, so the probabilities are scikit-learn's.

Why not keep the scikit-learn objects: loading them safely (skops) cost more than
starting spaCy, importing scikit-learn, SciPy and skops made every worker process
heavier, and prediction went through a DataFrame per batch. The file is one
`.npz` read with `allow_pickle=False` (no object can be unpickled), holding the
arrays and a JSON spec of the blocks and vocabularies, every part checked on load.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import is_not
from pathlib import Path
from typing import Any

import numpy as np

from mbt_nlp.errors import ModelError

FORMAT = "mbt-linear/1"
LINEAR_MODEL_FILE = "model.npz"
ANALYZERS = ("word", "char_wb")
_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn normalises before char n-grams
WORD_CACHE = 20_000  # distinct words whose char n-gram columns are kept per block (a few MB)


@dataclass(frozen=True)
class TfidfBlock:
    """TF-IDF of one text column (lowercased; sublinear tf optional; rows L2-normed)."""

    name: str
    column: str
    analyzer: str  # "word" (token_pattern, then n-grams) or "char_wb" (n-grams in words)
    ngram_range: tuple[int, int]
    token_pattern: str
    sublinear_tf: bool
    terms: tuple[str, ...]  # column i of the block is terms[i]
    idf: np.ndarray

    @property
    def width(self) -> int:
        return len(self.terms)

    def analyzer_function(self) -> Callable[[str], list[str]]:
        low, high = self.ngram_range
        if self.analyzer == "char_wb":
            return lambda text: _char_wb_ngrams(text.lower(), low, high)
        tokens = re.compile(self.token_pattern).findall
        return lambda text: _word_ngrams(tokens(text.lower()), low, high)

    def encode(self, texts: Sequence[str], vocabulary: Mapping[str, int],
               analyze: Callable[[str], list[str]],
               word_columns: dict[str, list[int]] | None = None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR arrays (indptr, indices, data) of the block, indices sorted in each row.

        `word_columns`: for `char_wb`, a cache of each word's n-gram columns. Its n-grams
        never cross a space, so a text's counts are the sum of its words' and the
        slicing and lookups are done once per distinct word, not once per occurrence."""
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        known = partial(is_not, None)
        for text in texts:
            # Counter, map and filter count in C: this loop runs once per n-gram.
            if word_columns is not None:
                found: list[int] = []
                for word in text.lower().split():
                    columns = word_columns.get(word)
                    if columns is None:
                        if len(word_columns) >= WORD_CACHE:
                            word_columns.clear()  # bounded memory over any corpus
                        columns = list(filter(known, map(vocabulary.get, analyze(word))))
                        word_columns[word] = columns
                    found += columns
                row = Counter(found)
            else:
                row = Counter(filter(known, map(vocabulary.get, analyze(text))))
            columns = sorted(row)
            indices += columns
            counts += map(row.__getitem__, columns)
            indptr.append(len(indices))
        index = np.asarray(indices, dtype=np.int64)
        data = np.asarray(counts, dtype=np.float64)
        if self.sublinear_tf:
            np.log(data, data)
            data += 1.0
        data *= self.idf[index]
        rows = np.repeat(np.arange(len(texts)), np.diff(indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
        norms[norms == 0.0] = 1.0
        data /= norms[rows]
        return np.asarray(indptr, dtype=np.int64), index, data


def weighed_terms(row: tuple[np.ndarray, np.ndarray], weights: np.ndarray,
                  terms: Sequence[str], most: int) -> list[str]:
    """The terms of one row of a TF-IDF block that add most to a score, strongest first:
    `row` is the row's (column indices, values), `weights` the score's weight of each
    column of the block. Only terms that add to it (value x weight > 0)."""
    columns, values = row
    if not len(columns):
        return []
    added = values * weights[columns]
    order = np.argsort(-added)[:most]
    return [str(terms[columns[j]]) for j in order if added[j] > 0]


@dataclass(frozen=True)
class ScaledBlock:
    """Numeric columns standardised: (x - mean) / scale. `columns` None: every column
    of the numeric input, in order (a model fitted on a plain array)."""

    name: str
    columns: tuple[str, ...] | None
    mean: np.ndarray
    scale: np.ndarray

    @property
    def width(self) -> int:
        return len(self.mean)


Block = TfidfBlock | ScaledBlock


@dataclass
class Encoded:
    """One batch, block by block: CSR arrays of the TF-IDF blocks, arrays of the rest."""

    n: int
    sparse: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    dense: dict[str, np.ndarray]


class LinearModel:
    def __init__(self, blocks: Sequence[Block], classes: Sequence[str], coef: np.ndarray,
                 intercept: np.ndarray) -> None:
        self.blocks = tuple(blocks)
        self.classes = tuple(str(c) for c in classes)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.offsets = dict(zip([b.name for b in self.blocks],
                                np.cumsum([0, *[b.width for b in self.blocks]])[:-1].tolist(),
                                strict=True))
        self._vocabularies = {b.name: {t: i for i, t in enumerate(b.terms)}
                              for b in self.blocks if isinstance(b, TfidfBlock)}
        self._analyzers = {b.name: b.analyzer_function() for b in self.blocks
                           if isinstance(b, TfidfBlock)}
        self._word_columns: dict[str, dict[str, list[int]]] = {
            b.name: {} for b in self.blocks
            if isinstance(b, TfidfBlock) and b.analyzer == "char_wb"}
        _check_shapes(self)

    def block(self, name: str) -> Block:
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)

    def encode(self, texts: Mapping[str, Sequence[str]], numbers: np.ndarray | None = None,
               columns: Sequence[str] = ()) -> Encoded:
        """The batch's features: `texts` by column name, `numbers` one row per item with
        `columns` naming its columns."""
        lengths = {len(v) for v in texts.values()} | (
            {len(numbers)} if numbers is not None else set())
        if len(lengths) > 1:
            raise ValueError("every feature column needs one value per item")
        n = lengths.pop() if lengths else 0
        encoded = Encoded(n, {}, {})
        where = {c: i for i, c in enumerate(columns)}
        for b in self.blocks:
            if isinstance(b, TfidfBlock):
                encoded.sparse[b.name] = b.encode(texts[b.column], self._vocabularies[b.name],
                                                  self._analyzers[b.name],
                                                  self._word_columns.get(b.name))
            else:
                if numbers is None:
                    raise ValueError(f"block {b.name!r} needs numeric features")
                values = np.asarray(numbers, dtype=np.float64)
                if b.columns is not None:
                    values = values[:, [where[c] for c in b.columns]]
                encoded.dense[b.name] = (values - b.mean) / b.scale
        return encoded

    def decision(self, encoded: Encoded) -> np.ndarray:
        """X @ coef.T + intercept, summed per row in column order as SciPy's sparse
        product does (a model of dense blocks only: NumPy's product, as scikit-learn)."""
        if not encoded.sparse:
            X = np.hstack([encoded.dense[b.name] for b in self.blocks])
            return X @ self.coef.T + self.intercept
        rows, cols, data = [], [], []
        for b in self.blocks:  # blocks in column order, so each row's sum is in column order
            offset = self.offsets[b.name]
            if b.name in encoded.sparse:
                indptr, indices, values = encoded.sparse[b.name]
                rows.append(np.repeat(np.arange(encoded.n), np.diff(indptr)))
                cols.append(indices + offset)
                data.append(values)
            else:
                dense = encoded.dense[b.name]
                r, c = np.nonzero(dense)
                rows.append(r)
                cols.append(c + offset)
                data.append(dense[r, c])
        # Stable sort by row keeps each row's entries in column order.
        row = np.concatenate(rows)
        order = np.argsort(row, kind="stable")
        row, col, value = row[order], np.concatenate(cols)[order], np.concatenate(data)[order]
        scores = np.empty((encoded.n, len(self.coef)))
        for k, weights in enumerate(self.coef):
            scores[:, k] = np.bincount(row, weights=value * weights[col], minlength=encoded.n)
        return scores + self.intercept

    def predict_proba(self, encoded: Encoded) -> np.ndarray:
        """Columns in `classes` order: softmax, or the logistic of a binary model."""
        scores = self.decision(encoded)
        if len(self.classes) <= 2:
            p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1 - p, p], axis=1)
        scores -= scores.max(axis=1).reshape(-1, 1)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1).reshape(-1, 1)
        return scores

    # -- file ---------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        spec: dict[str, Any] = {"format": FORMAT, "classes": list(self.classes), "blocks": []}
        arrays: dict[str, np.ndarray] = {"coef": self.coef, "intercept": self.intercept}
        for i, b in enumerate(self.blocks):
            if isinstance(b, TfidfBlock):
                spec["blocks"].append({
                    "kind": "tfidf", "name": b.name, "column": b.column,
                    "analyzer": b.analyzer, "ngram_range": list(b.ngram_range),
                    "token_pattern": b.token_pattern, "sublinear_tf": b.sublinear_tf,
                    "terms": list(b.terms)})
                arrays[f"idf_{i}"] = b.idf
            else:
                spec["blocks"].append({"kind": "scaled", "name": b.name,
                                       "columns": list(b.columns) if b.columns else None})
                arrays[f"mean_{i}"], arrays[f"scale_{i}"] = b.mean, b.scale
        with open(path, "wb") as handle:
            np.savez_compressed(handle, spec=np.array(json.dumps(spec)), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> LinearModel:
        """Read a model file; anything malformed is a ModelError naming the file."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (OSError, ValueError, EOFError) as err:
            raise ModelError(f"not a readable model file ({type(err).__name__})", path) from None
        try:
            return cls._from_arrays(arrays)
        except (KeyError, TypeError, ValueError, json.JSONDecodeError) as err:
            raise ModelError(f"not a valid {FORMAT} model file: {err}", path) from None

    @classmethod
    def _from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> LinearModel:
        spec = json.loads(str(arrays["spec"]))
        if not isinstance(spec, dict) or spec.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT}")
        blocks: list[Block] = []
        for i, b in enumerate(spec["blocks"]):
            if b["kind"] == "tfidf":
                if b["analyzer"] not in ANALYZERS:
                    raise ValueError(f"unknown analyzer {b['analyzer']!r}")
                terms = tuple(b["terms"])
                if not all(isinstance(t, str) for t in terms) or len(set(terms)) != len(terms):
                    raise ValueError(f"block {b['name']!r}: terms must be distinct strings")
                low, high = (int(x) for x in b["ngram_range"])
                blocks.append(TfidfBlock(str(b["name"]), str(b["column"]), b["analyzer"],
                                         (low, high), str(b["token_pattern"]),
                                         bool(b["sublinear_tf"]), terms,
                                         _floats(arrays[f"idf_{i}"], len(terms))))
            elif b["kind"] == "scaled":
                mean = _floats(arrays[f"mean_{i}"])
                columns = tuple(map(str, b["columns"])) if b["columns"] is not None else None
                if columns is not None and len(columns) != len(mean):
                    raise ValueError(f"block {b['name']!r}: columns and means differ in number")
                blocks.append(ScaledBlock(str(b["name"]), columns, mean,
                                          _floats(arrays[f"scale_{i}"], len(mean))))
            else:
                raise ValueError(f"unknown block kind {b['kind']!r}")
        return cls(blocks, [str(c) for c in spec["classes"]], _floats(arrays["coef"]),
                   _floats(arrays["intercept"]))


def _floats(array: np.ndarray, length: int | None = None) -> np.ndarray:
    if array.dtype.kind != "f":
        raise ValueError(f"expected floating-point numbers, found {array.dtype}")
    if length is not None and array.shape != (length,):
        raise ValueError(f"expected {length} values, found shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("values must be finite")
    return array.astype(np.float64)


def _check_shapes(model: LinearModel) -> None:
    width = sum(b.width for b in model.blocks)
    classes = len(model.classes)
    rows = 1 if classes == 2 else classes
    if classes < 2 or len(set(model.classes)) != classes:
        raise ValueError("a model needs at least two distinct classes")
    if model.coef.shape != (rows, width) or model.intercept.shape != (rows,):
        raise ValueError(f"weights of shape {model.coef.shape} and {model.intercept.shape} "
                         f"do not fit {classes} classes and {width} features")
    names = [b.name for b in model.blocks]
    if len(set(names)) != len(names):
        raise ValueError("block names must be distinct")


def _word_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high + 1, len(tokens) + 1)):
        grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def _char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside words, each word padded with a space, as scikit-learn's
    `char_wb` analyzer makes them (a word shorter than n gives itself once)."""
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        word = f" {word} "
        size = len(word)
        for n in range(low, high + 1):
            if size <= n:
                grams.append(word)
                break
            grams += [word[i:i + n] for i in range(size - n + 1)]
    return grams


# -- from scikit-learn ----------------------------------------------------------------------

_TFIDF = "sklearn.feature_extraction.text.TfidfVectorizer"
_SCALER = "sklearn.preprocessing._data.StandardScaler"
_LOGISTIC = "sklearn.linear_model._logistic.LogisticRegression"
_PIPELINE = "sklearn.pipeline.Pipeline"
_COLUMNS = "sklearn.compose._column_transformer.ColumnTransformer"
# TfidfVectorizer settings this module predicts as scikit-learn does; others are refused.
_TFIDF_SETTINGS = {"input": "content", "lowercase": True, "preprocessor": None,
                   "tokenizer": None, "stop_words": None, "strip_accents": None,
                   "binary": False, "norm": "l2", "use_idf": True}


def _class_name(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _expect(obj: object, name: str) -> None:
    if _class_name(obj) != name:
        raise ModelError(f"cannot convert a {_class_name(obj)} (expected {name})")


def _tfidf_block(name: str, column: Any, vectorizer: Any) -> TfidfBlock:
    params = vectorizer.get_params()
    wrong = {k: params[k] for k, v in _TFIDF_SETTINGS.items() if params[k] != v}
    if wrong or params["analyzer"] not in ANALYZERS or not isinstance(column, str):
        raise ModelError(f"cannot convert TF-IDF block {name!r}: unsupported settings "
                         f"{wrong or params['analyzer']}")
    terms = [""] * len(vectorizer.vocabulary_)
    for term, i in vectorizer.vocabulary_.items():
        terms[int(i)] = term
    return TfidfBlock(name, column, params["analyzer"], tuple(params["ngram_range"]),
                      params["token_pattern"], bool(params["sublinear_tf"]), tuple(terms),
                      np.asarray(vectorizer.idf_, dtype=np.float64))


def _scaled_block(name: str, columns: Any, scaler: Any) -> ScaledBlock:
    _expect(scaler, _SCALER)
    if not (scaler.with_mean and scaler.with_std):
        raise ModelError(f"cannot convert scaler {name!r}: it must centre and scale")
    return ScaledBlock(name, tuple(map(str, columns)) if columns is not None else None,
                       np.asarray(scaler.mean_, dtype=np.float64),
                       np.asarray(scaler.scale_, dtype=np.float64))


def as_linear(model: Any) -> LinearModel:
    """A LinearModel as it is; a fitted scikit-learn pipeline of ours, converted."""
    return model if isinstance(model, LinearModel) else from_sklearn(model)


def from_sklearn(model: Any) -> LinearModel:
    """A fitted Pipeline of ours -> LinearModel: [("features", ColumnTransformer of
    TfidfVectorizer / StandardScaler), (_, LogisticRegression)] or [(_, StandardScaler),
    (_, LogisticRegression)]. Checks exact classes by name (scikit-learn is not imported)."""
    _expect(model, _PIPELINE)
    steps = list(model.steps)
    if len(steps) != 2:
        raise ModelError(f"cannot convert a pipeline of {len(steps)} steps (expected 2)")
    (first_name, first), (_, classifier) = steps
    _expect(classifier, _LOGISTIC)
    blocks: list[Block] = []
    if _class_name(first) == _COLUMNS:
        for name, transformer, columns in first.transformers_:
            if name == "remainder":
                if transformer != "drop":
                    raise ModelError("cannot convert a column transformer that passes "
                                     "other columns through")
                continue
            if _class_name(transformer) == _TFIDF:
                blocks.append(_tfidf_block(name, columns, transformer))
            else:
                blocks.append(_scaled_block(name, columns, transformer))
        for b in blocks:  # our column order must be scikit-learn's
            place = first.output_indices_[b.name]
            if place.stop - place.start != b.width:
                raise ModelError(f"block {b.name!r} has an unexpected width")
    else:
        blocks.append(_scaled_block(first_name, None, first))
    if getattr(classifier, "solver", "lbfgs") == "liblinear":
        raise ModelError("cannot convert a one-vs-rest (liblinear) logistic regression")
    return LinearModel(blocks, [str(c) for c in classifier.classes_], classifier.coef_,
                       classifier.intercept_)

"""A classifier's model file and its settings.

Models are saved as arrays (pipeline/linear_model.py: one `.npz` read without
unpickling). Model folders written by mbt-nlp before that hold a scikit-learn
pipeline as a skops file: it is still read, safely, and converted. skops loads
without running code; only the exact classes in ALLOWED_TYPES are accepted (checked
in the archive's schema), anything else fails closed before an object is built.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from mbt_nlp.errors import ModelError
from mbt_nlp.pipeline.linear_model import LINEAR_MODEL_FILE, LinearModel, from_sklearn

# The exact classes our models are built of (base model and combiner), as skops names
# them. No module prefixes and no functions: a FunctionTransformer over a NumPy helper
# can run code, so anything not listed here is refused.
ALLOWED_TYPES = frozenset({
    "builtins.dict", "builtins.list", "builtins.slice", "builtins.str", "builtins.tuple",
    "builtins.int", "builtins.float", "builtins.bool", "builtins.NoneType",
    "numpy.ndarray", "numpy.dtype", "numpy.float64", "numpy.int64", "numpy.int32",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._logistic.LogisticRegression",
})


MODEL_FILE = LINEAR_MODEL_FILE
SKOPS_SUFFIX = ".skops"  # the scikit-learn pipelines of model folders from before
SETTINGS_FILE = "settings.json"  # a classifier's JSON settings, beside its model file


def write_settings(folder: str | Path, settings: dict[str, Any]) -> Path:
    path = Path(folder) / SETTINGS_FILE
    path.write_text(json.dumps(settings, indent=1), encoding="utf-8")
    return path


def read_settings(folder: str | Path, what: str) -> dict[str, Any]:
    """A classifier's settings; `what` names it in the one-line error."""
    path = Path(folder) / SETTINGS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelError(f"cannot read {what} settings ({type(err).__name__})", path) from None


def read_model(folder: str | Path, stem: str = "model", *,
               required: bool = False) -> LinearModel | None:
    """The model `stem` in a component's folder: `stem.npz`, or a skops file of an
    older model folder (checked, loaded and converted). None when there is neither,
    or, if `required`, a ModelError naming the file."""
    folder = Path(folder)
    arrays, legacy = folder / f"{stem}.npz", folder / f"{stem}{SKOPS_SUFFIX}"
    if arrays.is_file():
        return LinearModel.load(arrays)
    if legacy.is_file():
        return from_sklearn(load_model(legacy))
    if required:
        raise ModelError("no model file", arrays)
    return None


def write_model(model: LinearModel, folder: str | Path, stem: str = "model") -> None:
    model.save(Path(folder) / f"{stem}.npz")


def save_model(model: Any, path: str | Path) -> None:
    """A scikit-learn pipeline as a skops file (older model folders; tests of loading)."""
    import skops.io as sio

    # TfidfVectorizer keeps every term it dropped in `stop_words_`, only for introspection;
    # scikit-learn documents it as safe to remove before saving (it is most of the file).
    features = model.named_steps.get("features")
    for _, transformer, _ in getattr(features, "transformers_", []):
        if hasattr(transformer, "stop_words_"):
            transformer.stop_words_ = None
        # NumPy integer values would each be stored as a separate array file in the
        # archive (tens of thousands of them); plain ints keep it one small JSON.
        if hasattr(transformer, "vocabulary_"):
            transformer.vocabulary_ = {term: int(i) for term, i in
                                       transformer.vocabulary_.items()}
    sio.dump(model, Path(path), compression=zipfile.ZIP_DEFLATED)


def _schema_types(path: Path) -> set[str]:
    """Every type named anywhere in a skops archive's schema, read as JSON: nothing is
    imported or constructed to find them."""
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    found: set[str] = set()
    stack: list[Any] = [schema]
    while stack:  # iterative: a deeply nested (hostile) schema cannot exhaust the stack
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node or "__module__" in node:
                found.add(f"{node.get('__module__')}.{node.get('__class__')}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def load_model(path: str | Path) -> Any:
    """Load a skops file whose every type is in ALLOWED_TYPES; refuse anything else
    before a single object is built."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ModelError("no model file", path)
    try:
        types = _schema_types(path)
    except Exception as err:  # zipfile and json raise several types on a bad archive
        raise ModelError(f"not a readable skops model file ({type(err).__name__})", path) from None
    refused = sorted(types - ALLOWED_TYPES)
    if refused:
        raise ModelError(
            "refusing to load: the file names types outside the allowlist of the classes "
            f"mbt-nlp models are made of: {', '.join(refused)}", path)
    try:
        # Trusting exactly the allowed types named in the schema: skops still audits the
        # tree it builds and refuses anything else, and the archive is read once (asking
        # skops for its untrusted types first would build the whole tree twice).
        model = sio.load(path, trusted=sorted(types))
    except Exception as err:
        raise ModelError(f"not a loadable skops model file ({type(err).__name__})", path) from None
    if type(model).__name__ != "Pipeline":
        raise ModelError(f"expected a scikit-learn Pipeline, got {type(model).__name__}", path)
    return model

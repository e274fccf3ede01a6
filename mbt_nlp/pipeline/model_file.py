"""Save and load the classifier's scikit-learn model as a skops file.

skops loads without running code; only the types in the allowlist are
accepted on load, anything else fails closed before an object is built.
"""

from __future__ import annotations

from pathlib import Path

from sklearn.pipeline import Pipeline

from mbt_nlp.errors import ModelError

SAFE_TYPE_PREFIXES = ("sklearn.", "numpy.", "scipy.")


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

"""Build or load the mbt_nlp spaCy pipeline.

- `load()`: the bundled trained pipeline (models/mbt_en, shipped inside the
  package as mbt_nlp.models), or the rule components alone when no model is
  bundled or `rules_only=True`.
- `load(model=DIR)`: a pipeline directory written by `mbt train`.
- `load(base="en_core_web_sm")`: that installed pipeline as the base, with
  our components (and the classifier) added from the bundled/given model.

Every pipeline gets `mbt_risk` (risk words, components/risk.py), whatever its
profile: a saved model from before it existed gets it added at load time.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import spacy
from spacy.language import Language

import mbt_nlp.pipeline.components  # noqa: F401  (registers the factories)
from mbt_nlp.errors import ModelError
from mbt_nlp.pipeline.names import (
    BUNDLED_NAME,
    CLASSIFIER,
    INTERVENTION,
    MBT_COMPONENTS,
    OWN_CODES,
    RISK,
)


def bundled_model_dir() -> Path | None:
    """The bundled pipeline directory, if this installation has one."""
    try:
        path = Path(str(resources.files("mbt_nlp.models").joinpath(BUNDLED_NAME)))
    except ModuleNotFoundError:
        return None
    return path if (path / "config.cfg").is_file() else None


def is_pipeline_dir(path: str | Path) -> bool:
    return (Path(path) / "config.cfg").is_file()


def blank_base() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def load_base(base: str | None) -> Language:
    if base in (None, "", "blank", "blank:en"):
        return blank_base()
    try:
        nlp = spacy.load(base)
    except OSError:
        raise ModelError(
            f"cannot load spaCy pipeline {base!r}: install it as a package or give a path", base
        ) from None
    if not any(nlp.has_pipe(p) for p in ("parser", "senter", "sentencizer")):
        nlp.add_pipe("sentencizer")
    return nlp


def build_pipeline(base: str | None = None) -> Language:
    """Our rule components on `base` (blank English + sentencizer by default)."""
    nlp = load_base(base)
    for name in MBT_COMPONENTS:
        if not nlp.has_pipe(name):
            nlp.add_pipe(name)
    return nlp


def ensure_risk(nlp: Language) -> Language:
    """Add `mbt_risk` (packaged lexicon) to a pipeline saved without it, before the
    marker components; a saved model's config lists only the components it was saved with."""
    if any(nlp.get_pipe_meta(name).factory == RISK for name in nlp.pipe_names):
        return nlp
    place = {"before": "mbt_markers"} if nlp.has_pipe("mbt_markers") else {}
    nlp.add_pipe(RISK, **place)
    return nlp


def load_pipeline(base: str | None = None, model: str | Path | None = None,
                  rules_only: bool = False) -> Language:
    model_dir = None if rules_only else (Path(model) if model else bundled_model_dir())
    if model is not None and not rules_only and not is_pipeline_dir(model):
        raise ModelError("not a pipeline directory (no config.cfg); train one with `mbt train`",
                         model)
    if model_dir is None:
        return build_pipeline(base)
    if base in (None, "", "blank", "blank:en"):
        try:
            return ensure_risk(spacy.load(model_dir))
        except (OSError, ValueError) as err:
            raise ModelError(f"cannot load pipeline: {err}", model_dir) from None
    # A trained base: our components from the model directory, on top of it.
    nlp = load_base(base)
    for name in (*MBT_COMPONENTS, CLASSIFIER, INTERVENTION, OWN_CODES):
        if (model_dir / name).is_dir():
            nlp.add_pipe(name).from_disk(model_dir / name)
    return ensure_risk(nlp)

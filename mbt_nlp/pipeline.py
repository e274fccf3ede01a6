"""Build the mbt_nlp spaCy pipeline on a blank or an installed base."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

from . import components  # noqa: F401  (registers the factories)
from .errors import ModelError

MBT_COMPONENTS = ("mbt_markers", "mbt_context", "mbt_discourse", "mbt_profile")


def build_pipeline(base: str | None = None) -> Language:
    """Our components on `base`: None -> blank English + sentencizer (no download),
    or the name/path of an installed spaCy pipeline such as `en_core_web_sm`."""
    if base in (None, "", "blank", "blank:en"):
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
    else:
        try:
            nlp = spacy.load(base)
        except OSError:
            raise ModelError(
                f"cannot load spaCy pipeline {base!r}: install it as a package or give a path",
                base,
            ) from None
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
            nlp.add_pipe("sentencizer")
    for name in MBT_COMPONENTS:
        if not nlp.has_pipe(name):
            nlp.add_pipe(name)
    return nlp


def is_pipeline_dir(path: str | Path) -> bool:
    return (Path(path) / "config.cfg").exists()

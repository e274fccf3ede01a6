"""mbt-nlp: non-mentalizing modes (MBT) in psychotherapy transcripts.

    >>> import mbt_nlp
    >>> nlp = mbt_nlp.load()
    >>> doc = nlp("I know he hates me, it just is.")
    >>> [(s.text, s.label_, s.kb_id_) for s in doc.spans["mbt"]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from spacy.language import Language


def load(base: str | None = None, model: str | None = None, rules_only: bool = False) -> Language:
    """The mbt pipeline: the bundled trained model on blank English by default.

    base: an installed spaCy pipeline to build on (e.g. "en_core_web_sm").
    model: a pipeline directory written by `mbt train` instead of the bundled one.
    rules_only: the marker components without the classifier.
    """
    from mbt_nlp.pipeline.build import load_pipeline

    return load_pipeline(base, model, rules_only)


def __getattr__(name: str):
    # Keep `import mbt_nlp` light; heavier entry points load on first use.
    if name == "annotate":
        from mbt_nlp.annotation.turns import annotate

        return annotate
    if name == "tag_dataframe":
        from mbt_nlp.annotation.frame import tag_dataframe

        return tag_dataframe
    raise AttributeError(name)


__all__ = ["__version__", "annotate", "load", "tag_dataframe"]

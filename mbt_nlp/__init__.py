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


def load(base: str | None = None) -> Language:
    """The mbt pipeline: blank English by default, or on an installed spaCy pipeline."""
    from .pipeline import build_pipeline

    return build_pipeline(base)


def __getattr__(name: str):
    # Keep `import mbt_nlp` light; heavier entry points load on first use.
    if name == "annotate":
        from .annotate import annotate

        return annotate
    raise AttributeError(name)


__all__ = ["__version__", "annotate", "load"]

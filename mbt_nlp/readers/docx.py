"""DOCX transcripts: paragraphs with speaker prefixes, as in plain text.

The "line" of a turn is the number of its first paragraph in the document.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.plain_text import turns_from_lines
from mbt_nlp.transcript import Transcript


def read_docx(path: str | Path, options: ReadOptions) -> Transcript:
    import docx  # python-docx; imported here so the other readers do not pay for it

    source = str(path)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise InputError(f"not a readable .docx file ({type(err).__name__})", source) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source) from None
    paragraphs = [(i, p.text) for i, p in enumerate(document.paragraphs, start=1)]
    if not any(text.strip() for _, text in paragraphs):
        raise InputError("document has no text", source)
    return Transcript(source, turns_from_lines(paragraphs, source, Path(path).stem, options))

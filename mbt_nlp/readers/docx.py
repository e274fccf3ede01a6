"""DOCX transcripts: paragraphs with speaker prefixes, as in plain text.

The "line" of a turn is the number of its first paragraph in the document; a
paragraph with line breaks is read as several lines with that number. Teams'
DOCX export ("Name   0:03" then the words) is told apart from the content,
as in plain text, and a short title block before the first turn goes to
`Transcript.meta`.
"""

from __future__ import annotations

from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.plain_text import transcript_from_lines
from mbt_nlp.readers.zip_parts import check_zip_parts
from mbt_nlp.transcript import Transcript


def read_docx(path: str | Path, options: ReadOptions) -> Transcript:
    import docx  # python-docx; imported here so the other readers do not pay for it

    source = str(path)
    check_zip_parts(path, ".docx")
    try:
        document = docx.Document(str(path))
        paragraphs = [p.text for p in document.paragraphs]
        table_text = any(cell.text.strip() for table in document.tables
                         for row in table.rows for cell in row.cells)
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source) from None
    except Exception as err:
        # python-docx and lxml raise many types for a damaged file (PackageNotFoundError,
        # KeyError, XMLSyntaxError, ...): each is one line for the user, never a traceback.
        raise InputError(f"not a readable .docx file ({type(err).__name__})", source) from None
    lines = [(number, line) for number, text in enumerate(paragraphs, start=1)
             for line in text.split("\n")]
    if not any(text.strip() for _, text in lines):
        if table_text:
            raise InputError("document has text only in tables, which are not read "
                             "(save the table as CSV or XLSX)", source)
        raise InputError("document has no text", source)
    transcript = transcript_from_lines(lines, source, Path(path).stem, options)
    if table_text:
        transcript.notices.append("the document also has tables; their text was not read")
    return transcript

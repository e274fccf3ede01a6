"""DOCX transcripts: paragraphs with speaker prefixes, as in plain text, or a table.

The "line" of a turn is the number of its first paragraph in the document; a
paragraph with line breaks is read as several lines with that number. Teams'
DOCX export ("Name   0:03" then the words) is told apart from the content,
as in plain text, and a short title block before the first turn goes to
`Transcript.meta`. A transcript kept as a Word table (speaker and words
columns, a header row or none, grid.py) is read when the paragraphs hold no
turns; the line of a turn is then its row in the table.
"""

from __future__ import annotations

from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.grid import find_layout
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.plain_text import transcript_from_lines
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.readers.zip_parts import check_zip_parts
from mbt_nlp.transcript import Transcript, Turn


def read_docx(path: str | Path, options: ReadOptions) -> Transcript:
    import docx  # python-docx; imported here so the other readers do not pay for it

    source = str(path)
    check_zip_parts(path, ".docx")
    try:
        document = docx.Document(str(path))
        paragraphs = [p.text for p in document.paragraphs]
        tables = [[[cell.text for cell in row.cells] for row in table.rows]
                  for table in document.tables]
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source) from None
    except Exception as err:
        # python-docx and lxml raise many types for a damaged file (PackageNotFoundError,
        # KeyError, XMLSyntaxError, ...): each is one line for the user, never a traceback.
        raise InputError(f"not a readable .docx file ({type(err).__name__})", source) from None
    table_text = any(cell.strip() for table in tables for row in table for cell in row)
    lines = [(number, line) for number, text in enumerate(paragraphs, start=1)
             for line in text.split("\n")]
    if not any(text.strip() for _, text in lines):
        if table_text:
            return _from_tables(tables, [], source, Path(path).stem, options)
        raise InputError("document has no text", source)
    try:
        transcript = transcript_from_lines(lines, source, Path(path).stem, options)
    except InputError as err:
        if not table_text:
            raise
        # No turns in the paragraphs: the transcript may be the table under a title.
        title = [text.strip() for text in paragraphs if text.strip()]
        try:
            return _from_tables(tables, title, source, Path(path).stem, options)
        except InputError:
            raise err from None
    if table_text:
        transcript.notices.append("the document also has tables; their text was not read")
    return transcript


def _from_tables(tables: list[list[list[str]]], title: list[str], source: str, stem: str,
                 options: ReadOptions) -> Transcript:
    """The turns of every table laid out as a transcript, in document order."""
    turns: list[Turn] = []
    notices: list[str] = []
    skipped = 0
    for number, rows in enumerate(tables, start=1):
        layout = find_layout(rows, options)
        if layout is None:
            skipped += any(cell.strip() for row in rows for cell in row)
            continue
        notices += [f"table {number}: {notice}" for notice in layout.notices]
        title = [*title, *layout.title]
        header, fields = layout.header, layout.options or options
        for row_number, row in enumerate(rows[layout.first_row:], start=layout.first_row + 1):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                raise InputError(f"table {number} has a value outside its "
                                 f"{len(header)} columns", source, row_number)
            cells = list(row[:len(header)]) + [""] * (len(header) - len(row))
            record = dict(zip(header, cells, strict=True))
            turns.append(record_to_turn(record, len(turns), source, stem, fields,
                                        line=row_number))
    if not turns:
        raise InputError("document has text only in tables, and none of them is laid out "
                         "as a transcript (a speaker column and a words column)", source)
    notices.insert(0, "read the transcript from the document's table(s); a turn's line is "
                      "its row in its table")
    if skipped:
        notices.append(f"{skipped} other table(s) with text were not read")
    return Transcript(source, turns, meta={"title": title} if title else {}, notices=notices)

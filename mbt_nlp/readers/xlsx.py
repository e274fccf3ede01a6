"""Excel (.xlsx) transcripts: a header row, one row per turn.

The same field mapping as CSV (records.py), read with openpyxl in read-only
mode. The transcript is the first sheet whose header (title rows above it
allowed, grid.py) names the words and the speaker; a notice says when that is
not the first sheet, and which other sheets with content were not read. Errors
name the sheet row (row 1 is the top) as the line.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.cells import plain_value
from mbt_nlp.readers.fields import resolve_fields
from mbt_nlp.readers.grid import Layout, find_layout
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.readers.zip_parts import check_zip_parts
from mbt_nlp.transcript import Transcript


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _load(path: str | Path, source: str) -> list[tuple[str, list[tuple]]]:
    """(title, rows) of every sheet, in workbook order."""
    from openpyxl import load_workbook  # imported here so the text readers do not pay for it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions
            workbook = load_workbook(path, read_only=True, data_only=True)
            try:
                sheets = workbook.worksheets
                if not sheets:
                    raise InputError("workbook has no worksheets", source)
                for sheet in sheets:
                    # Read-only mode pads every row out to the sheet's declared size: one
                    # cell at XFD1048576 in a 5 KB file made 17 billion cells to look at.
                    # Without it, a row is as long as its own last cell (openpyxl's advice
                    # for wrong dimensions).
                    sheet.reset_dimensions()
                return [(sheet.title, list(sheet.iter_rows(min_row=1, values_only=True)))
                        for sheet in sheets]
            finally:
                workbook.close()
    except InputError:
        raise
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source) from None
    except Exception as err:
        # openpyxl raises InvalidFileException, KeyError, ValueError, XML parse errors, ...
        # for damaged files: each is one line for the user, never a traceback.
        raise InputError(f"not a readable .xlsx file ({type(err).__name__})", source) from None


def _transcript_sheet(sheets: list[tuple[str, list[tuple]]],
                      options: ReadOptions) -> tuple[int, Layout | None]:
    """The first sheet with a header naming the words and the speaker (title rows above
    it allowed), or a clear headerless layout; else the first sheet, read by its first
    row so that the usual errors name its fields."""
    for index, (_title, rows) in enumerate(sheets):
        layout = find_layout(rows, options)
        if layout is not None:
            return index, layout
    return 0, None


def read_xlsx(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    try:
        empty = Path(path).stat().st_size == 0
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source) from None
    if empty:
        raise InputError("file is empty", source)
    check_zip_parts(path, ".xlsx")
    sheets = _load(path, source)
    index, layout = _transcript_sheet(sheets, options)
    name, rows = sheets[index]
    meta: dict[str, object] = {}
    if layout is None:
        if not rows or all(_blank(v) for v in rows[0]):
            raise InputError("first sheet has no header row", source, 1)
        header_cells = list(rows[0])
        while header_cells and _blank(header_cells[-1]):
            header_cells.pop()
        if any(_blank(cell) for cell in header_cells):
            raise InputError("header has an empty column name", source, 1)
        header = [str(cell).strip() for cell in header_cells]
        if len(set(header)) != len(header):
            raise InputError("header has duplicate column names", source, 1)
        options, notices = resolve_fields(header, options)
        first = 1
    else:
        header, first, notices = layout.header, layout.first_row, layout.notices
        options = layout.options or options
        if layout.title:
            meta["title"] = layout.title

    turns = []
    for number, row in enumerate(rows[first:], start=first + 1):
        if all(_blank(v) for v in row):
            continue
        if any(not _blank(v) for v in row[len(header):]):
            raise InputError(f"row has a value outside the header's {len(header)} columns",
                             source, number)
        cells = list(row[: len(header)]) + [None] * (len(header) - len(row))
        record = {name: plain_value(value) for name, value in zip(header, cells, strict=True)}
        turns.append(record_to_turn(record, len(turns), source, Path(path).stem, options,
                                    line=number))
    if not turns:
        raise InputError("no rows after the header", source)
    others = [title for i, (title, other) in enumerate(sheets)
              if i != index and any(not _blank(v) for row in other for v in row)]
    if index:
        notices.append(f"read sheet {name!r}: the sheet(s) before it hold no transcript")
    if others:
        which = f"sheet {name!r}" if index else "the first sheet"
        notices.append(f"only {which} was read; other sheet(s) with content: "
                       f"{', '.join(others)}")
    return Transcript(source, turns, meta=meta, notices=notices)

"""Excel (.xlsx) transcripts: the first sheet, a header row, one row per turn.

The same field mapping as CSV (records.py), read with openpyxl in read-only
mode. Errors name the sheet row (header = row 1) as the line. Other sheets
with content are not read, and a notice says so.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.cells import plain_value
from mbt_nlp.readers.fields import resolve_fields
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.readers.zip_parts import check_zip_parts
from mbt_nlp.transcript import Transcript


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _load(path: str | Path, source: str) -> tuple[list[tuple], list[str]]:
    """Rows of the first sheet, and the names of other sheets that hold anything."""
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
                rows = list(sheets[0].iter_rows(min_row=1, values_only=True))
                others = [sheet.title for sheet in sheets[1:]
                          if any(not _blank(v) for row in sheet.iter_rows(values_only=True)
                                 for v in row)]
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
    return rows, others


def read_xlsx(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    try:
        empty = Path(path).stat().st_size == 0
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source) from None
    if empty:
        raise InputError("file is empty", source)
    check_zip_parts(path, ".xlsx")
    rows, others = _load(path, source)
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

    turns = []
    for number, row in enumerate(rows[1:], start=2):
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
    if others:
        notices.append(f"only the first sheet was read; other sheet(s) with content: "
                       f"{', '.join(others)}")
    return Transcript(source, turns, notices=notices)

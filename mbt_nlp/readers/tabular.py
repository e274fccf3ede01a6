"""CSV and TSV transcripts: one row per turn under a header row.

Title rows above the header and a file with no header row (a speaker column and a
words column) are read as grid.py finds them, each with a notice."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.fields import resolve_fields
from mbt_nlp.readers.grid import find_layout
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.transcript import Transcript


def read_table(path: str | Path, options: ReadOptions, delimiter: str | None = None) -> Transcript:
    source = str(path)
    text = read_text(path)
    if delimiter is None:
        delimiter = _delimiter(text)
    rows = _rows(text, delimiter, options, source)
    if not rows:
        raise InputError("file is empty", source)
    grid = [row for _, row in rows]
    layout = find_layout(grid, options)
    if layout is None:  # read by the first row, whose fields the errors below then name
        header = [h.strip() for h in grid[0]]
        while len(header) > 1 and not header[-1]:
            header.pop()  # Excel writes a column it once touched as an empty name: ",,"
        if len(set(header)) != len(header):
            raise InputError("header has duplicate column names", source, 1)
        options, notices = resolve_fields(header, options)
        first, meta = 1, {}
    else:
        header, first, notices = layout.header, layout.first_row, layout.notices
        options = layout.options or options
        meta = {"title": layout.title} if layout.title else {}

    turns = []
    for line, row in rows[first:]:
        if not any(cell.strip() for cell in row):  # blank, or only delimiters (",,")
            continue
        if len(row) > len(header) and not any(cell.strip() for cell in row[len(header):]):
            row = row[:len(header)]  # the empty cells of those unnamed columns
        if len(row) != len(header):
            raise InputError(
                f"row has {len(row)} fields, the header has {len(header)} "
                "(unquoted delimiter in the text?)",
                source, line,
            )
        record = dict(zip(header, row, strict=True))
        turns.append(record_to_turn(record, len(turns), source, Path(path).stem, options,
                                    line=line))
    if not turns:
        raise InputError("no rows after the header", source)
    return Transcript(source, turns, meta=meta, notices=notices)


def _rows(text: str, delimiter: str, options: ReadOptions,
          source: str) -> list[tuple[int, list[str]]]:
    """(line where the row starts, its cells) for every row of the file."""
    # Let over-long fields through the csv module so that our own limit reports them.
    csv.field_size_limit(max(options.max_turn_chars * 4 + 1, csv.field_size_limit()))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as err:
            what = "malformed header" if not rows else "malformed CSV"
            raise InputError(f"{what}: {err}", source, line) from None
        rows.append((line, row))
        line = reader.line_num + 1


def _delimiter(text: str) -> str:
    """',' unless the header line has more semicolons (Excel's CSV where the decimal mark
    is a comma) or tabs than commas."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))

"""CSV and TSV transcripts: one row per turn, header row required."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.fields import resolve_fields
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.transcript import Transcript


def read_table(path: str | Path, options: ReadOptions, delimiter: str | None = None) -> Transcript:
    source = str(path)
    text = read_text(path)
    if delimiter is None:
        delimiter = _delimiter(text)
    # Let over-long fields through the csv module so that our own limit reports them.
    csv.field_size_limit(max(options.max_turn_chars * 4 + 1, csv.field_size_limit()))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("file is empty", source) from None
    except csv.Error as err:
        raise InputError(f"malformed header: {err}", source, 1) from None
    header = [h.strip() for h in header]
    while len(header) > 1 and not header[-1]:
        header.pop()  # Excel writes a column it once touched as an empty name: ",,"
    if len(set(header)) != len(header):
        raise InputError("header has duplicate column names", source, 1)
    options, notices = resolve_fields(header, options)

    turns = []
    line_start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise InputError(f"malformed CSV: {err}", source, line_start) from None
        if not any(cell.strip() for cell in row):  # blank, or only delimiters (",,")
            line_start = reader.line_num + 1
            continue
        if len(row) > len(header) and not any(cell.strip() for cell in row[len(header):]):
            row = row[:len(header)]  # the empty cells of those unnamed columns
        if len(row) != len(header):
            raise InputError(
                f"row has {len(row)} fields, the header has {len(header)} "
                "(unquoted delimiter in the text?)",
                source, line_start,
            )
        record = dict(zip(header, row, strict=True))
        turns.append(record_to_turn(record, len(turns), source, Path(path).stem, options,
                                    line=line_start))
        line_start = reader.line_num + 1
    if not turns:
        raise InputError("no rows after the header", source)
    return Transcript(source, turns, notices=notices)


def _delimiter(text: str) -> str:
    """',' unless the header line has more semicolons (Excel's CSV where the decimal mark
    is a comma) or tabs than commas."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))

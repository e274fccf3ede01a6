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
        delimiter = "\t" if Path(path).suffix.lower() == ".tsv" else ","
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
        if not row or (len(row) == 1 and not row[0].strip()):
            line_start = reader.line_num + 1
            continue
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

"""A batch run's summary files, built from the per-file outputs on disk, file by file.

`join_tables` writes `_all_sessions.*` / `_all_markers.*` (every input's table with
an `output` column in front), `write_index` the index page of all session pages.
Neither holds more than a batch of rows in memory, however many files a run has.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from mbt_nlp.annotation.flag_rates import FlagRates
from mbt_nlp.writers.formulas import FORMULA_STARTS, neutralised
from mbt_nlp.writers.tables import CSV_LINE_END

Part = tuple[str, Path]  # (output name, that output's table)
Parts = Callable[[], Iterable[Part]]  # read twice: columns first, then rows
# Parquet parts are joined in row groups of this many rows or parts, whichever comes
# first: a table costs tens of kB even for two rows, and most inputs are small.
ROWS_PER_BATCH = 20_000
PARTS_PER_BATCH = 100


def join_tables(parts: Parts, target: Path, fmt: str, *, raw_cells: bool = False) -> None:
    """One table of all parts (CSV or Parquet), their columns united in order of appearance."""
    if fmt == "csv":
        _join_csv(parts, target, raw_cells)
    elif fmt == "parquet":
        _join_parquet(parts, target)
    else:
        raise ValueError(f"unknown table format {fmt!r}")


def _join_csv(parts: Parts, target: Path, raw_cells: bool) -> None:
    """The parts' rows copied as text, each behind its quoted output name: a cell reads
    exactly as in its own file (a session "007" stays text, no number is re-formatted)
    and nothing is parsed into a frame. A part whose columns differ from the union's
    has its cells moved to their columns, the others left empty (as pandas writes NaN)."""
    columns = {"output": None}  # an ordered set
    for _, path in parts():
        with path.open(newline="", encoding="utf-8") as handle:
            columns.update(dict.fromkeys(next(csv.reader(handle), [])))
    union = list(columns)
    with target.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(map(_quoted, union)) + CSV_LINE_END)
        for name, path in parts():
            cell = _quoted(name if raw_cells else neutralised(name))  # "-x.txt" too
            with path.open(newline="", encoding="utf-8") as handle:
                records = _raw_records(handle)
                header = next(records, None)
                if header is None:
                    continue
                fields = next(csv.reader([header]))
                where = [fields.index(c) if c in fields else None for c in union[1:]]
                same = fields == union[1:]
                for record in records:
                    if same and (raw_cells or not _FORMULA_CELL.search(record)):
                        out.write(cell + "," + record)  # nearly always: the record whole
                        continue
                    raw = _cells(record, len(fields), path)
                    if not raw_cells:  # our own tables are neutralised; others may not be
                        raw = [_neutralised_raw(c) for c in raw]
                    row = [cell, *("" if i is None else raw[i] for i in where)]
                    out.write(",".join(row) + CSV_LINE_END)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _raw_records(handle: TextIO) -> Iterator[str]:
    """Each CSV record of `handle` as its raw text, line end included: the csv module
    finds where a record ends (a quoted cell may hold line breaks), the text is kept."""
    lines: list[str] = []

    def feed() -> Iterator[str]:
        for line in handle:
            lines.append(line)
            yield line

    for _ in csv.reader(feed()):  # reads no further than the record it returns
        record = "".join(lines)
        lines.clear()
        # The last record of a file written by another tool may have no line end.
        yield record if record.endswith(("\n", "\r")) else record + CSV_LINE_END


# A quoted cell that starts like a formula ("," or a line start, then '"=' ...). Inside a
# quoted cell every quote is doubled, so this finds nothing else.
_FORMULA_CELL = re.compile("(?:^|,)\"[" + re.escape("".join(FORMULA_STARTS)) + "]")


def _neutralised_raw(cell: str) -> str:
    return "\"'" + cell[1:] if cell[:1] == '"' and cell[1:2] in FORMULA_STARTS else cell


# One raw cell: quoted (doubled quotes and line breaks inside) or bare (a number, empty).
_CELL = re.compile(r'"(?:[^"]|"")*"|[^,"\r\n]*')


def _cells(record: str, expected: int, path: Path) -> list[str]:
    """A raw record's cells, still quoted as written."""
    text = record.rstrip("\r\n")
    cells: list[str] = []
    pos = 0
    while True:
        match = _CELL.match(text, pos)
        assert match is not None  # the pattern matches the empty string
        cells.append(match.group())
        pos = match.end()
        if pos >= len(text) or text[pos] != ",":
            break
        pos += 1
    if pos != len(text) or len(cells) != expected:
        raise ValueError(f"{path}: a row of {len(cells)} cells under {expected} columns")
    return cells


def _join_parquet(parts: Parts, target: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types: dict[str, Any] = {"output": pa.string()}
    for _, path in parts():
        for field in pq.read_schema(path):
            types[field.name] = _common_type(types.get(field.name, pa.null()), field.type)
    schema = pa.schema([pa.field(name, kind) for name, kind in types.items()])
    tables, rows = [], 0
    with pq.ParquetWriter(target, schema) as writer:
        for name, path in parts():
            table = pq.read_table(path)
            n = table.num_rows
            columns = [pa.array([name] * n, pa.string()) if field.name == "output"
                       else table[field.name].cast(field.type)
                       if field.name in table.column_names else pa.nulls(n, field.type)
                       for field in schema]
            tables.append(pa.Table.from_arrays(columns, schema=schema))
            rows += n
            # Row groups of many parts: one per file would make the footer grow per file.
            if rows >= ROWS_PER_BATCH or len(tables) >= PARTS_PER_BATCH:
                writer.write_table(pa.concat_tables(tables))
                tables, rows = [], 0
        if tables:
            writer.write_table(pa.concat_tables(tables))


def _common_type(a: Any, b: Any) -> Any:
    """A type both columns fit (a column of nulls takes the other's; else float, else text)."""
    import pyarrow as pa

    if a == b or pa.types.is_null(b):
        return a
    if pa.types.is_null(a):
        return b
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
           for t in (a, b)):
        return pa.float64()
    return pa.string()


class IndexEntries:
    """The index page's rows, read from the per-input listings as the page is rendered:
    counted once when made (the page shows the number), then walked once."""

    def __init__(self, listings: Callable[[], Iterable[Path]]) -> None:
        self.listings = listings
        self.count = 0
        self.models: set[str] = set()
        self.flags = FlagRates()  # of every listed session, by turn length
        self.uncounted = 0  # sessions listed before listings carried their counts
        for entry in self._read():
            self.count += 1
            self.models.add(str(entry.get("model") or ""))
            if "flag_rates" in entry:
                self.flags.merge(entry["flag_rates"])
            else:
                self.uncounted += 1

    def _read(self) -> Iterator[dict[str, Any]]:
        for path in self.listings():
            yield from json.loads(path.read_text(encoding="utf-8"))

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for entry in self._read():
            entry.pop("model", None)
            yield entry


def write_index(listings: Callable[[], Iterable[Path]], target: Path) -> None:
    """The page listing every session page named in `listings()` (JSON lists of entries)."""
    from mbt_nlp.writers.report import render_index

    entries = IndexEntries(listings)
    models = ", ".join(sorted(m for m in entries.models if m))
    # The page text itself grows with the sessions (a few hundred bytes each), the
    # entries do not: they stay on disk.
    with target.open("w", encoding="utf-8") as out:
        out.write(render_index(entries, title="Session reports", model=models,  # type: ignore[arg-type]
                               flags=entries.flags, uncounted=entries.uncounted))

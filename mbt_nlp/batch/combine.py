"""A batch run's summary files, built from the per-file outputs on disk, file by file.

`join_tables` writes `_all_sessions.*` / `_all_markers.*` (every input's table with
an `output` column in front), `write_index` the index page of all session pages.
Neither holds more than a batch of rows in memory, however many files a run has.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from mbt_nlp.writers.tables import neutralise_formulas

Part = tuple[str, Path]  # (output name, that output's table)
Parts = Callable[[], Iterable[Part]]  # read twice: columns first, then rows
# Parts are joined in batches of this many rows or parts, whichever comes first: a frame
# costs tens of kB even for two rows, and most inputs are small.
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
    columns = {"output": None}  # an ordered set
    for _, path in parts():
        with path.open(newline="", encoding="utf-8") as handle:
            columns.update(dict.fromkeys(next(csv.reader(handle), [])))
    with target.open("w", encoding="utf-8", newline="") as out:
        header = True
        for frame in _frames(parts):
            frame = frame.reindex(columns=list(columns))
            if not raw_cells:  # the output name, too, may start like a formula ("-x.txt")
                frame = neutralise_formulas(frame)
            frame.to_csv(out, index=False, header=header, quoting=csv.QUOTE_NONNUMERIC)
            header = False
        if header:  # no part: the header alone
            pd.DataFrame(columns=list(columns)).to_csv(out, index=False)


def _frames(parts: Parts) -> Iterator[pd.DataFrame]:
    """The parts' rows, a batch at a time (one CSV write per batch)."""
    frames: list[pd.DataFrame] = []
    rows = 0
    for name, path in parts():
        frame = pd.read_csv(path)
        frame.insert(0, "output", name)
        frames.append(frame)
        rows += len(frame)
        if rows >= ROWS_PER_BATCH or len(frames) >= PARTS_PER_BATCH:
            yield pd.concat(frames, ignore_index=True)
            frames, rows = [], 0
    if frames:
        yield pd.concat(frames, ignore_index=True)


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
        for entry in self._read():
            self.count += 1
            self.models.add(str(entry.get("model") or ""))

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
        out.write(render_index(entries, title="Session reports", model=models))  # type: ignore[arg-type]

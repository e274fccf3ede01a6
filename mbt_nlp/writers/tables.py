"""Tables (CSV, Parquet) and spaCy DocBin outputs, each written atomically."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from spacy.tokens import Doc, DocBin

from mbt_nlp.writers.formulas import FORMULA_STARTS, neutralised
from mbt_nlp.writers.jsonl import atomic_output

TABLE_FORMATS = ("csv", "parquet")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe
    (OWASP's rule); numbers are left alone, so negative scores stay numbers. Columns
    with no such cell (nearly all) are not touched, nor copied."""
    risky = []
    for column in frame.columns:
        values = frame[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        if any(isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in values.tolist()):
            risky.append(column)
    if not risky:
        return frame
    out = frame.copy()
    for column in risky:
        out[column] = out[column].map(neutralised)
    return out


def write_table(rows: Sequence[dict[str, Any]], path: str | Path, fmt: str,
                columns: Sequence[str] | None = None, *, raw_cells: bool = False) -> None:
    """Rows -> CSV (UTF-8, header) or Parquet; an empty table keeps its header.

    CSV cells that look like spreadsheet formulas are neutralised unless `raw_cells`
    (for analysts who read the file with code, not a spreadsheet)."""
    frame = pd.DataFrame(list(rows), columns=list(columns) if columns and not rows else None)
    if fmt == "csv" and not raw_cells:
        frame = neutralise_formulas(frame)
    if fmt == "csv":
        with atomic_output(path) as handle:
            # Text quoted: a bare CR inside a turn would otherwise end the row.
            frame.to_csv(handle, index=False, quoting=csv.QUOTE_NONNUMERIC)
    elif fmt == "parquet":
        _atomic_binary(path, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        raise ValueError(f"unknown table format {fmt!r}")


def write_docbin(docs: Iterable[Doc], path: str | Path) -> None:
    """Docs with spans and user data (our extensions and the turn's identity)."""
    data = DocBin(docs=docs, store_user_data=True).to_bytes()
    _atomic_binary(path, lambda tmp: Path(tmp).write_bytes(data))


def _atomic_binary(path: str | Path, write) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

"""Tables (CSV, Parquet) and spaCy DocBin outputs, each written atomically.

CSV is written with the csv module, cell for cell as pandas' `to_csv` writes the same
rows (a test holds the two together): a batch worker writes two or three tables per file,
and pandas cost a tenth of the fast profile's time there, and its import a fifth of the
worker's start. Parquet still goes through pandas, imported only when asked for."""

from __future__ import annotations

import csv
import math
import numbers
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbt_nlp.writers.formulas import neutralised
from mbt_nlp.writers.jsonl import atomic_output

if TYPE_CHECKING:
    from spacy.tokens import Doc

TABLE_FORMATS = ("csv", "parquet")
CSV_LINE_END = "\n"  # every CSV we write, per file and joined (batch/combine.py)


def write_table(rows: Sequence[dict[str, Any]], path: str | Path, fmt: str,
                columns: Sequence[str] | None = None, *, raw_cells: bool = False) -> None:
    """Rows -> CSV (UTF-8, header) or Parquet; an empty table keeps its header.

    CSV cells that look like spreadsheet formulas are neutralised unless `raw_cells`
    (for analysts who read the file with code, not a spreadsheet)."""
    if fmt == "csv":
        names = list(dict.fromkeys(k for row in rows for k in row)) if rows else list(
            columns or ())
        cells = [_column_cells([row.get(name) for row in rows], neutralise=not raw_cells)
                 for name in names]
        with atomic_output(path) as handle:
            # Text quoted: a bare CR inside a turn would otherwise end the row.
            writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC,
                                lineterminator=CSV_LINE_END)
            writer.writerow(names)
            writer.writerows(zip(*cells, strict=True) if names else ([] for _ in rows))
    elif fmt == "parquet":
        import pandas as pd

        frame = pd.DataFrame(list(rows), columns=list(columns) if columns and not rows
                             else None)
        _atomic_binary(path, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        raise ValueError(f"unknown table format {fmt!r}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: Any) -> bool:
    """A number for pandas' dtype inference: NumPy scalars too, True/False not."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _column_cells(values: list[Any], neutralise: bool) -> list[Any]:
    """One column's cells as pandas writes them: the column's type is inferred as pandas
    infers a dtype (whole numbers with a gap become floats, 3 -> 3.0), a missing cell is
    an empty quoted string, text is quoted and numbers (and True/False) are not."""
    present = [v for v in values if not _missing(v)]
    numeric = present and all(_number(v) for v in present)
    if numeric and (len(present) < len(values)
                    or any(not isinstance(v, numbers.Integral) for v in present)):
        return [float(v) if not _missing(v) else "" for v in values]
    cells = []
    for v in values:
        if _missing(v):
            cells.append("")
        elif _number(v) or isinstance(v, bool):  # csv writes True/False unquoted, as pandas
            cells.append(v)
        else:
            text = v if isinstance(v, str) else str(v)
            cells.append(neutralised(text) if neutralise else text)
    return cells


def write_docbin(docs: Iterable[Doc], path: str | Path) -> None:
    """Docs with spans and user data (our extensions and the turn's identity)."""
    from spacy.tokens import DocBin

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

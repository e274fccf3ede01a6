"""Tables (CSV, Parquet) and spaCy DocBin outputs, each written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from spacy.tokens import Doc, DocBin

from mbt_nlp.writers.jsonl import atomic_output

TABLE_FORMATS = ("csv", "parquet")


def write_table(rows: Sequence[dict[str, Any]], path: str | Path, fmt: str,
                columns: Sequence[str] | None = None) -> None:
    """Rows -> CSV (UTF-8, header) or Parquet; an empty table keeps its header."""
    frame = pd.DataFrame(list(rows), columns=list(columns) if columns and not rows else None)
    if fmt == "csv":
        with atomic_output(path) as handle:
            frame.to_csv(handle, index=False)
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

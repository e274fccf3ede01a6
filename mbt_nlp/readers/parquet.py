"""Parquet transcripts: one row per turn, the same field mapping as CSV (records.py).

Rows have no line numbers: errors name the row as a record (1 = first row).
"""

from __future__ import annotations

from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.cells import plain_value
from mbt_nlp.readers.fields import resolve_fields
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.transcript import Transcript


def read_parquet(path: str | Path, options: ReadOptions) -> Transcript:
    import pandas as pd  # imported here so the text readers do not pay for it

    source = str(path)
    try:
        if Path(path).stat().st_size == 0:
            raise InputError("file is empty", source)
        frame = pd.read_parquet(path, engine="pyarrow")
    except InputError:
        raise
    except OSError as err:
        # The system's reason (permission denied, ...); pyarrow also raises OSError for a
        # damaged file, with a message of several lines about its internals.
        reason = f"cannot read: {err.strerror}" if err.strerror else \
            f"not a readable Parquet file ({type(err).__name__})"
        raise InputError(reason, source) from None
    except Exception as err:
        # pyarrow raises ArrowInvalid, ArrowTypeError, ... for damaged or foreign files:
        # each is one line for the user, never a traceback.
        raise InputError(f"not a readable Parquet file ({type(err).__name__})", source) from None
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()  # a named index (e.g. session) is a field like the others
    columns = [str(column) for column in frame.columns]
    if len(set(columns)) != len(columns):
        raise InputError("duplicate column names", source)
    frame.columns = columns
    options, notices = resolve_fields(columns, options)
    try:
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    except Exception as err:
        # A damaged string page (bytes that are not UTF-8) fails only here, when pyarrow
        # turns the column into Python objects; its message quotes the text, so not shown.
        raise InputError(f"not a readable Parquet file ({type(err).__name__})", source) from None
    default_session = Path(path).stem
    turns = [
        record_to_turn({k: plain_value(v) for k, v in record.items()}, i, source,
                       default_session, options, record_number=i + 1)
        for i, record in enumerate(records)
    ]
    if not turns:
        raise InputError("no rows", source)
    return Transcript(source, turns, notices=notices)

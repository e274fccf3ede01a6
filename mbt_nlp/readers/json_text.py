"""JSON from a user's file: every way the parser fails is one InputError naming the
file and line, never a traceback.

Besides malformed text, Python's parser refuses two things no transcript or label
file holds: nesting deeper than its recursion limit (a RecursionError) and integers
of more than 4,300 digits (a ValueError, its guard against slow parsing).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text

TOO_DEEP = "JSON nested too deeply (more than about 1,000 levels)"
TOO_LONG = "JSON holds a number too long to read (thousands of digits)"


def parse_json(text: str, source: str | Path, line: int | None = None) -> Any:
    """`text` parsed. `line`: the file line it is (a JSON Lines record), named in any
    error with the column; None: the whole file, and an error names the line at fault."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        if line is None:
            raise InputError(f"invalid JSON: {err.msg}", source, err.lineno) from None
        raise InputError(f"invalid JSON: {err.msg} (column {err.colno})", source,
                         line) from None
    except RecursionError:
        raise InputError(TOO_DEEP, source, line) from None
    except ValueError:
        raise InputError(TOO_LONG, source, line) from None


def json_lines(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, value) of each non-blank line of a JSON Lines file."""
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if line.strip():
            yield number, parse_json(line, path, number)

"""Standard input ('-') as a transcript file that every reader and worker can open."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from mbt_nlp.errors import InputError

STDIN = "-"


def stdin_format(input_format: str | None) -> str:
    """Standard input has no suffix to go by: speaker-labelled text unless told otherwise."""
    return input_format or "txt"


@contextlib.contextmanager
def saved_stdin(read: Callable[[], bytes] | None) -> Iterator[Path]:
    """The bytes of standard input in a temporary file, removed afterwards."""
    if read is None:
        raise InputError("standard input requested but not available", STDIN)
    fd, name = tempfile.mkstemp(prefix="mbt-stdin-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(read())
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)

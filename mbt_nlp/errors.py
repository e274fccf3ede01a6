"""One error hierarchy. Every error says which file and where, in one line.

Messages never quote transcript text beyond a speaker label: transcripts are
confidential and error reports end up in logs.
"""

from __future__ import annotations

from pathlib import Path


class MbtError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        record: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.record = record

    def where(self) -> str:
        if self.path is None:
            return ""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.record is not None:
            return f"{self.path} (record {self.record})"
        return self.path

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.path,
            "line": self.line,
            "record": self.record,
            "error": type(self).__name__,
            "reason": self.message,
        }


class InputError(MbtError):
    """The input file cannot be read as a transcript."""


class ResourceError(MbtError):
    """A packaged or user-supplied rule/lexicon file is invalid."""


class ModelError(MbtError):
    """A model file is missing, invalid or not safe to load."""

"""Input formats -> Transcript. One module per format, chosen by suffix or name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..transcript import Transcript
from .docx import read_docx
from .jsonish import read_json, read_jsonl
from .options import ReadOptions
from .plain_text import read_plain_text
from .subtitles import read_subtitles
from .tabular import read_table

Reader = Callable[[Path, ReadOptions], Transcript]

READERS: dict[str, Reader] = {
    "txt": read_plain_text,
    "csv": lambda p, o: read_table(p, o, ","),
    "tsv": lambda p, o: read_table(p, o, "\t"),
    "jsonl": read_jsonl,
    "json": read_json,
    "vtt": read_subtitles,
    "srt": read_subtitles,
    "docx": read_docx,
}
SUFFIXES = {
    ".txt": "txt", ".text": "txt", ".md": "txt",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".vtt": "vtt", ".srt": "srt", ".docx": "docx",
}  # fmt: skip


def detect_format(path: str | Path, input_format: str | None = None) -> str:
    if input_format:
        if input_format not in READERS:
            raise InputError(
                f"unknown input format {input_format!r} (choose from {', '.join(READERS)})", path
            )
        return input_format
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"cannot tell the format from suffix {suffix or '(none)'!r}; "
            f"use --input-format ({', '.join(READERS)})",
            path,
        )
    return SUFFIXES[suffix]


def read_transcript(
    path: str | Path, options: ReadOptions | None = None, input_format: str | None = None
) -> Transcript:
    """Read one transcript file; raises InputError (file + line) on bad input."""
    options = options or ReadOptions()
    fmt = detect_format(path, input_format)
    if not Path(path).exists():
        raise InputError("no such file", path)
    return READERS[fmt](Path(path), options)


__all__ = ["READERS", "ReadOptions", "detect_format", "read_transcript"]

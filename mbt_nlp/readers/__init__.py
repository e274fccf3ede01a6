"""Stage 1, reading: input files -> Transcript, one module per format (suffix or name).

May import: transcript, errors. Nothing downstream.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.chat import read_chat
from mbt_nlp.readers.docx import read_docx
from mbt_nlp.readers.eaf import read_eaf
from mbt_nlp.readers.jsonish import read_json, read_jsonl
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.otter import read_otter
from mbt_nlp.readers.parquet import read_parquet
from mbt_nlp.readers.plain_text import read_plain_text
from mbt_nlp.readers.roles import infer_missing_clinicians
from mbt_nlp.readers.subtitles import read_subtitles
from mbt_nlp.readers.tabular import read_table
from mbt_nlp.readers.whisper import read_whisper
from mbt_nlp.readers.xlsx import read_xlsx
from mbt_nlp.transcript import Transcript

Reader = Callable[[Path, ReadOptions], Transcript]

READERS: dict[str, Reader] = {
    "txt": read_plain_text,
    "csv": lambda p, o: read_table(p, o),  # "," or, by the header line, ";" or a tab
    "tsv": lambda p, o: read_table(p, o, "\t"),
    "jsonl": read_jsonl,
    "json": read_json,
    "vtt": read_subtitles,
    "srt": read_subtitles,
    "docx": read_docx,
    # Exports of transcription tools. In .txt, .docx and .json they are recognised from
    # the content; these names are for files whose suffix does not tell, or to insist.
    "otter": read_otter,
    "rev": read_plain_text,  # "Name (00:01):", "Name: (00:01)" and "Name  00:01" layouts
    "descript": read_plain_text,  # "[00:00:03] Name: ..." and "Name (00:03):"
    "whisper": read_whisper,
    "eaf": read_eaf,
    "chat": read_chat,
    "parquet": read_parquet,
    "xlsx": read_xlsx,
}
SUFFIXES = {
    ".txt": "txt", ".text": "txt", ".md": "txt",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".vtt": "vtt", ".srt": "srt", ".docx": "docx",
    ".eaf": "eaf", ".cha": "chat", ".parquet": "parquet", ".xlsx": "xlsx",
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def read_transcript(
    path: str | Path, options: ReadOptions | None = None, input_format: str | None = None
) -> Transcript:
    """Read one transcript file; raises InputError (file + line) on bad input."""
    options = options or ReadOptions()
    fmt = detect_format(path, input_format)
    if not Path(path).exists():
        raise InputError("no such file", path)
    transcript = READERS[fmt](Path(path), options)
    if not transcript.turns:
        # Reported like any bad file, so no empty outputs are written for it.
        raise InputError(f"no turns found (read as {fmt})", path)
    for turn in transcript:
        # A lone surrogate (JSON's "\\udc80") is no character and cannot be encoded, so
        # nothing downstream could process the turn: it becomes U+FFFD, as in decoding.
        if _SURROGATE.search(turn.text):
            turn.text = _SURROGATE.sub("\ufffd", turn.text)
    if options.roles.clinicians is None and options.roles.clients is None:
        # Named speakers (Zoom captions, first names) carry no role: rather than take
        # everyone as a client, infer the clinician of such sessions or ask (roles.py).
        infer_missing_clinicians(transcript)
    return transcript


__all__ = ["READERS", "ReadOptions", "detect_format", "read_transcript"]

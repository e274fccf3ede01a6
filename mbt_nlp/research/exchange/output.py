"""Writing exports: each file appears whole or not at all (temp file + rename)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` that becomes `target` when the block completes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(target: Path, text: str) -> Path:
    """UTF-8, line breaks exactly as in `text` (a CRLF inside a turn stays CRLF)."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    return target


def write_jsonl(target: Path, records: Iterable[dict[str, Any]]) -> Path:
    return write_text(target, "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                      for r in records))


def write_json(target: Path, data: object) -> Path:
    return write_text(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def sidecar(out: Path, suffix: str) -> Path:
    """A file beside the export that belongs to it: tasks.json -> tasks.config.xml."""
    return out.with_name(out.stem + suffix)


def file_names(sessions: Iterable[str]) -> dict[str, str]:
    """A distinct, portable file stem per session id (ids may hold '/', spaces, ...)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for session in sessions:
        stem = re.sub(r"[^\w.-]+", "_", session).strip("._") or "session"
        name, n = stem, 1
        while name.casefold() in used:
            n += 1
            name = f"{stem}_{n}"
        used.add(name.casefold())
        names[session] = name
    return names

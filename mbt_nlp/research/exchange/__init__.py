"""Exchange with the annotation tools researchers use: export turns to code, import the codes.

One module per tool, each with `write(turns, out)` and `read(paths)`: prodigy, doccano,
labelstudio (Label Studio), brat (standoff), xmi (INCEpTION / UIMA CAS, via dkpro-cassis),
qdpx (REFI-QDA projects: ATLAS.ti, NVivo, MAXQDA). What they share: turns.py (the unit
exchanged and its checks), inputs.py (annotation files, tagged JSONL or transcripts ->
turns), selection.py (which turns), codebook.py (labels, definitions, colours), documents.py
(a session as one text, for the document tools) and output.py (whole files or none).

With a codebook file (`scheme_of`/`load_scheme`), its codes replace the mbt turn labels in
every format (names, definitions, colours; one code per turn of the codebook's role), and
an import writes them into the codebook's field; the marker spans stay as they are. Each
`write(turns, out, scheme)` and `read(paths, scheme)` takes the scheme in use.

An import gives back every exported turn as a record of the annotation schema
(annotations/README.md) with `spans`; a turn nobody coded has label null, `coded: false`.
Offsets are code points throughout; only XMI counts UTF-16 units, and cassis converts.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from mbt_nlp.errors import InputError, MbtError
from mbt_nlp.research.exchange.codebook import MBT, Scheme, load_scheme, scheme_of
from mbt_nlp.research.exchange.inputs import load_turns
from mbt_nlp.research.exchange.selection import Selection, select
from mbt_nlp.research.exchange.turns import ExchangeTurn, check_unique

# Format name -> module; imported on use (xmi loads cassis and lxml).
FORMATS = {
    "prodigy": "Prodigy tasks (JSONL)",
    "doccano": "doccano JSONL",
    "labelstudio": "Label Studio tasks (JSON) and labeling config",
    "brat": "brat standoff (.txt + .ann per session)",
    "xmi": "INCEpTION / UIMA CAS XMI (one .xmi per session + TypeSystem.xml)",
    "qdpx": "REFI-QDA project (ATLAS.ti, NVivo, MAXQDA)",
}

__all__ = ["FORMATS", "MBT", "ExchangeTurn", "OutputExistsError", "Scheme", "Selection",
           "export_turns", "import_annotations", "import_turns", "load_scheme", "load_turns",
           "scheme_of", "select"]


class OutputExistsError(MbtError):
    """The export would overwrite files (allowed with force)."""


def tool(name: str) -> ModuleType:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    return importlib.import_module(f"{__name__}.{name}")


def export_turns(name: str, turns: Sequence[ExchangeTurn], out: Path,
                 force: bool = False) -> list[Path]:
    """Write `turns` for tool `name` to `out` (a file, or a folder for brat and xmi), with
    the turn labels of their scheme."""
    module = tool(name)
    if not turns:
        raise ValueError("no turns to export (check --role, --sessions, --flagged)")
    if module.OUTPUT == "file":
        if out.is_dir():
            raise OutputExistsError(f"is a folder; {name} writes one file", out)
        if out.exists() and not force:
            raise OutputExistsError("exists; use --force to overwrite", out)
    elif out.exists():
        if not out.is_dir():
            raise OutputExistsError(f"is a file; {name} writes a folder", out)
        if any(out.iterdir()):
            if not force:
                raise OutputExistsError("is not empty; use --force to replace its "
                                        f"{name} files", out)
            for old in out.iterdir():  # only this format's files: a stale session would
                if old.is_file() and module.owns(old):  # come back on import
                    old.unlink()
    return module.write(turns, out, turns[0].scheme)


def import_turns(name: str, paths: Sequence[Path], scheme: Scheme = MBT) -> list[ExchangeTurn]:
    turns = tool(name).read([Path(p) for p in paths], scheme)
    if not turns:
        raise InputError(f"no turns found (read as {name})", ", ".join(map(str, paths)))
    check_unique(turns)
    return turns


def import_annotations(name: str, paths: Sequence[Path],
                       scheme: Scheme = MBT) -> list[dict[str, Any]]:
    """The files of tool `name` as records of the annotation schema (with a codebook: its
    code in the codebook's field)."""
    return [turn.to_annotation() for turn in import_turns(name, paths, scheme)]

"""Coders' label files -> one label per (session, turn), for agreement.

A coder's file is the annotations JSONL schema (a folder of them counts as one
coder), or a CSV/TSV with session, turn and label columns; a single
"session:turn" column (the `id` of annotations/*/raw/*.tsv) also works. A turn
a coder skipped has no row, or an empty/null label; `"coded": false` marks a
context-only turn. Records that carry speaker and text (the JSONL schema) also
give the turns' words, for the disagreement list and for tagging them with the
model in context.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.pipeline.resources import LABELS
from mbt_nlp.readers import read_transcript
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.json_text import json_lines
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.transcript import Turn

Unit = tuple[str, int]  # (session, turn)
DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
JSONL_SUFFIXES = (".jsonl", ".ndjson")
# The column annotations/*/raw/*.tsv use for "session:turn"; taken when the file has
# no session and turn columns.
DEFAULT_UNIT_FIELD = "id"
# Keys under which a record's unit is handed to record_to_turn (no real field is named so).
_SESSION, _TURN = "\0session", "\0turn"


@dataclass(frozen=True)
class CoderFields:
    """Which fields of a coder's file hold what (like `mbt tag --session-field` etc.)."""

    session: str = "session"
    turn: str = "turn"
    label: str = "label"
    speaker: str = "speaker"
    text: str = "text"
    unit: str | None = None  # one "session:turn" field instead of session and turn


@dataclass
class CoderFile:
    """One coder's labels, and the turns (with words) the file carries."""

    name: str
    path: str
    labels: dict[Unit, str] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)


def coder_files(paths: Sequence[str | Path], fields: CoderFields = CoderFields(),
                categories: Sequence[str] = LABELS) -> list[CoderFile]:
    """One CoderFile per path, named after the file (or folder), names made unique."""
    coders = [read_coder_file(path, fields, categories) for path in paths]
    taken: dict[str, int] = {}
    for coder in coders:
        base = coder.name
        taken[base] = taken.get(base, 0) + 1
        if taken[base] > 1:
            coder.name = f"{base}_{taken[base]}"
    return coders


def read_coder_file(path: str | Path, fields: CoderFields = CoderFields(),
                    categories: Sequence[str] = LABELS) -> CoderFile:
    """A coder's labels from a file or a folder of annotation JSONL files."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", path)
    coder = CoderFile(path.stem if path.is_file() else path.name, str(path))
    first_line: dict[Unit, str] = {}
    canonical = {c.casefold(): c for c in categories}
    for file in annotation_files(path) if path.is_dir() else [path]:
        for line, record in _records(file, fields):
            unit = _unit(record, fields, file, line)
            # Words need a speaker: a label-only table may have empty speaker/text cells.
            if record.get(fields.text) is not None and record.get(fields.speaker):
                options = ReadOptions(session_field=_SESSION, turn_field=_TURN,
                                      speaker_field=fields.speaker, text_field=fields.text)
                keyed = {**record, _SESSION: unit[0], _TURN: unit[1]}
                coder.turns.append(record_to_turn(keyed, len(coder.turns), str(file),
                                                  file.stem, options, line=line))
            label = _label(record, fields, canonical, file, line)
            if label is None:
                continue
            if unit in coder.labels:
                raise InputError(f"session {unit[0]} turn {unit[1]} is coded twice (first at "
                                 f"{first_line[unit]})", file, line)
            coder.labels[unit] = label
            first_line[unit] = f"{file}:{line}"
    if not coder.labels:
        raise InputError(f"no coded turns (no non-empty {fields.label!r} field)", path)
    return coder


def annotation_files(folder: Path) -> list[Path]:
    """The session files of an annotations folder, as `mbt train` reads it: *.jsonl,
    without manifests and folders starting with "_" or "."."""
    found = [f for f in sorted(folder.rglob("*.jsonl")) if f.name != "manifest.jsonl"
             and not any(part.startswith(("_", ".")) for part in f.relative_to(folder).parts)]
    if not found:
        raise InputError("no annotation files (*.jsonl) in this folder", folder)
    return found


def transcript_turns(paths: Sequence[str | Path], options: ReadOptions | None = None,
                     input_format: str | None = None) -> list[Turn]:
    """Turns of transcript files (any format `mbt tag` reads; folders: annotation JSONL)."""
    turns: list[Turn] = []
    for path in map(Path, paths):
        if not path.exists():
            raise InputError("no such file or folder", path)
        files = annotation_files(path) if path.is_dir() else [path]
        for file in files:
            fmt = input_format or ("jsonl" if path.is_dir() else None)
            turns.extend(read_transcript(file, options or ReadOptions(), fmt))
    return turns


def _records(path: Path, fields: CoderFields) -> Iterator[tuple[int, Mapping[str, object]]]:
    """(line number, record) of a JSONL or CSV/TSV file."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _jsonl_records(path)
    elif suffix in DELIMITERS:
        yield from _table_records(path, DELIMITERS[suffix], fields)
    else:
        raise InputError(f"cannot read coder labels from a {suffix or 'suffix-less'!r} file "
                         "(use .jsonl, .csv or .tsv)", path)


def _jsonl_records(path: Path) -> Iterator[tuple[int, Mapping[str, object]]]:
    for number, record in json_lines(path):
        if not isinstance(record, dict):
            raise InputError(f"expected an object with fields, got {type(record).__name__}",
                             path, number)
        yield number, record


def _table_records(path: Path, delimiter: str,
                   fields: CoderFields) -> Iterator[tuple[int, Mapping[str, object]]]:
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("file is empty", path) from None
    except csv.Error as err:
        raise InputError(f"malformed header: {err}", path, 1) from None
    if len(set(header)) != len(header):
        raise InputError("header has duplicate column names", path, 1)
    if fields.label not in header:
        raise InputError(f"no {fields.label!r} column (columns: {', '.join(header)}; choose "
                         "one with --label-field)", path, 1)
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise InputError(f"malformed {path.suffix[1:].upper()}: {err}", path, line) from None
        if row and any(cell.strip() for cell in row):
            if len(row) != len(header):
                raise InputError(f"row has {len(row)} fields, the header has {len(header)}",
                                 path, line)
            yield line, dict(zip(header, row, strict=True))
        line = reader.line_num + 1


def _unit(record: Mapping[str, object], fields: CoderFields, path: Path, line: int) -> Unit:
    unit_field = fields.unit
    if unit_field is None and fields.session not in record and fields.turn not in record \
            and DEFAULT_UNIT_FIELD in record:
        unit_field = DEFAULT_UNIT_FIELD
    if unit_field is not None:
        value = record.get(unit_field)
        session, colon, turn = str(value if value is not None else "").rpartition(":")
        if not (colon and session.strip()):
            raise InputError(f"field {unit_field!r} is not 'session:turn'", path, line)
        return session.strip(), _turn_number(turn, unit_field, path, line)
    if fields.turn not in record:
        raise InputError(f"no {fields.turn!r} field (fields: {', '.join(map(str, record))}; "
                         "choose one with --turn-field, or --id-field for one 'session:turn' "
                         "field)", path, line)
    session = record.get(fields.session)
    session = path.stem if session in (None, "") else str(session).strip()
    return session, _turn_number(record[fields.turn], fields.turn, path, line)


def _turn_number(value: object, name: str, path: Path, line: int) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value) if isinstance(value, float) else int(str(value).strip())
        if number != int(number):
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        raise InputError(f"field {name!r} is not a whole number", path, line) from None


_LABEL_LIKE = re.compile(r"[\w.:-]+(?: [\w.:-]+)?")


def _label(record: Mapping[str, object], fields: CoderFields, canonical: Mapping[str, str],
           path: Path, line: int) -> str | None:
    """The record's label (None: not coded), or an InputError for an unknown one."""
    value = record.get(fields.label)
    if value is None or record.get("coded") is False:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.casefold() in canonical:
        return canonical[text.casefold()]
    # Quote only what looks like a label: a wrong --label-field could point at turn text.
    looks_like_label = len(text) <= 30 and _LABEL_LIKE.fullmatch(text)
    shown = repr(text) if looks_like_label else f"of {len(text)} characters"
    raise InputError(f"unknown label {shown} in field {fields.label!r}; expected one of "
                     f"{', '.join(canonical.values())}", path, line)

"""brat standoff: per session `<name>.txt` and `<name>.ann`, with `annotation.conf` and
`visual.conf` in the same folder.

The text is the session document (documents.py). Each turn is a `Turn` entity over its
line; its attributes `Label` and `Secondary` are the turn codes, `Suggested` the model's
mode (never read back as a code), and its `AnnotatorNotes` note holds who said it as JSON
(session, turn, speaker, role, writer). Marker spans are entities of the marker label. A
range across a line break is written as brat's discontinuous fragments ("0 5;6 12").
Offsets are characters of the .txt (code points, as brat counts them in Python 3).
With a codebook, `Label` takes its codes (annotation.conf lists them with their
definitions) and there is no `Secondary`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.research.exchange.codebook import (
    MBT,
    SHORT,
    Scheme,
    marker_codes,
    marker_labels,
)
from mbt_nlp.research.exchange.documents import (
    DocumentReader,
    fragments,
    identity_json,
    session_documents,
)
from mbt_nlp.research.exchange.output import file_names, write_text
from mbt_nlp.research.exchange.turns import ExchangeTurn, same_words

OUTPUT = "folder"
TURN = "Turn"
CODE_ATTRIBUTES = {"Label": "label", "Secondary": "secondary"}
SUGGESTED = "Suggested"
NOTES = "AnnotatorNotes"


def owns(path: Path) -> bool:
    """Files an export of this format writes (removed first by a forced export)."""
    return path.suffix in (".ann", ".txt") or path.name in ("annotation.conf", "visual.conf")


def code_attributes(scheme: Scheme) -> list[str]:
    return [name for name, field in CODE_ATTRIBUTES.items()
            if field == "label" or scheme.secondary]


def annotation_conf(scheme: Scheme = MBT) -> str:
    labels = "|".join(scheme.labels)
    attributes = code_attributes(scheme)
    title = f"codebook {scheme.codebook.name!r}" if scheme.codebook else "mbt-nlp codebook"
    lines = [f"# {title}. Turn labels (attribute{'s' if len(attributes) > 1 else ''} "
             f"{' and '.join(attributes)} of Turn):"]
    lines += [f"#   {c.name}: {c.definition}" for c in scheme.codes]
    lines += ["# Marker spans (entities) carry the words that show a mode:"]
    lines += [f"#   {c.name}: {c.definition}" for c in marker_codes()]
    lines += ["[entities]", TURN, *(c.name for c in marker_codes()),
              "[relations]", "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
              "[events]", "[attributes]",
              *(f"{name}\tArg:{TURN}, Value:{labels}" for name in attributes),
              f"{SUGGESTED}\tArg:{TURN}, Value:{labels}"]
    return "\n".join(lines) + "\n"


def visual_conf(scheme: Scheme = MBT) -> str:
    lines = ["[labels]", f"{TURN} | Turn", "[drawing]", f"{TURN}\tbgColor:#FFFFFF"]
    lines += [f"{c.name}\tbgColor:{c.colour}" for c in marker_codes()]
    # One glyph per value, shown after the entity's label: "PE", "+TEL", "PRE?".
    marks = {"Label": "{}", "Secondary": "+{}", SUGGESTED: "{}?"}
    lines += [f"{name}\tglyph:" + "|".join(mark.format(SHORT.get(label, label))
                                          for label in scheme.labels)
              for name, mark in marks.items() if name in (*code_attributes(scheme), SUGGESTED)]
    return "\n".join(lines) + "\n"


def standoff(text: str, placed) -> str:
    lines: list[str] = []
    counters = {"T": 0, "A": 0, "#": 0}

    def next_id(kind: str) -> str:
        counters[kind] += 1
        return f"{kind}{counters[kind]}"

    def entity(kind: str, start: int, end: int) -> str:
        pieces = fragments(text, start, end)
        ident = next_id("T")
        where = ";".join(f"{s} {e}" for s, e in pieces)
        lines.append(f"{ident}\t{kind} {where}\t{' '.join(text[s:e] for s, e in pieces)}")
        return ident

    for p in placed:
        turn: ExchangeTurn = p.turn
        ident = entity(TURN, p.start, p.end)
        for name, field in CODE_ATTRIBUTES.items():
            if getattr(turn, field) is not None:
                lines.append(f"{next_id('A')}\t{name} {ident} {getattr(turn, field)}")
        if turn.suggestion is not None and turn.label is None:
            lines.append(f"{next_id('A')}\t{SUGGESTED} {ident} {turn.suggestion.mode}")
        note = json.dumps(identity_json(turn), ensure_ascii=False)
        lines.append(f"{next_id('#')}\t{NOTES} {ident}\t{note}")
        for span in sorted(turn.spans):
            entity(span.label, p.text_start + span.start, p.text_start + span.end)
    return "\n".join(lines) + "\n"


def write(turns: Sequence[ExchangeTurn], out: Path, scheme: Scheme = MBT) -> list[Path]:
    documents = session_documents(turns)
    names = file_names(d.session for d in documents)
    written = [write_text(out / "annotation.conf", annotation_conf(scheme)),
               write_text(out / "visual.conf", visual_conf(scheme))]
    for document in documents:
        name = names[document.session]
        written.append(write_text(out / f"{name}.txt", document.text))
        written.append(write_text(out / f"{name}.ann", standoff(document.text,
                                                               document.turns)))
    return written


def ann_files(paths: Sequence[Path]) -> list[Path]:
    """The .ann files named, or in the folders named (each beside its .txt)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.ann"))
        elif not path.exists():
            raise InputError("no such file", path)
        elif path.suffix in (".ann", ".txt"):
            files.append(path.with_suffix(".ann"))
        else:
            raise InputError("not a brat .ann file (give the .ann files or their folder)",
                             path)
    return list(dict.fromkeys(files))


def read(paths: Sequence[Path], scheme: Scheme = MBT) -> list[ExchangeTurn]:
    turns: list[ExchangeTurn] = []
    for ann in ann_files(paths):
        turns += read_document(ann, scheme)
    return turns


def _read(path: Path) -> str:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:  # offsets count a CR
            return handle.read()
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 (byte {err.start})", path) from None


def read_document(ann: Path, scheme: Scheme = MBT) -> list[ExchangeTurn]:
    text = _read(ann.with_suffix(".txt"))
    reader = DocumentReader(text, str(ann), scheme)
    entities: dict[str, tuple[str, int, int, int]] = {}  # id -> kind, start, end, line
    attributes: dict[str, list[tuple[str, str, int]]] = {}
    notes: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(_read(ann).split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        ident, _, rest = line.partition("\t")

        def fail(message: str, number: int = number) -> InputError:
            return InputError(message, ann, number)

        if ident.startswith("T"):
            kind_where, _, covered = rest.partition("\t")
            kind, _, where = kind_where.partition(" ")
            try:
                pieces = [tuple(map(int, piece.split())) for piece in where.split(";")]
                if not pieces or any(len(p) != 2 or p[0] > p[1] for p in pieces):
                    raise ValueError
            except ValueError:
                raise fail(f"malformed text-bound annotation {ident}") from None
            if not all(0 <= s <= e <= len(text) for s, e in pieces):
                raise fail(f"{ident} is outside the text of {ann.with_suffix('.txt').name}")
            if not same_words(covered, " ".join(text[s:e] for s, e in pieces)):
                raise fail(f"the text of {ident} does not match its offsets")
            entities[ident] = (kind, pieces[0][0], pieces[-1][1], number)
        elif ident.startswith(("A", "M")):
            parts = rest.split()
            if len(parts) not in (2, 3):
                raise fail(f"malformed attribute {ident}")
            attributes.setdefault(parts[1], []).append(
                (parts[0], parts[2] if len(parts) == 3 else "", number))
        elif ident.startswith("#"):
            kind_target, _, note = rest.partition("\t")
            kind, _, target = kind_target.partition(" ")
            if kind == NOTES and target.startswith("T"):
                notes[target] = (note, number)
        else:
            raise fail(f"{ident}: relations, events and normalisations are not part of the "
                       "mbt annotations (turn labels and marker spans only)")
    known = marker_labels()
    spans = []
    for ident, (kind, start, end, number) in entities.items():
        if kind == TURN:
            if ident not in notes:
                raise InputError(f"Turn {ident} has no {NOTES} note with its identity", ann,
                                 number)
            note, note_line = notes[ident]
            try:
                identity = json.loads(note)
            except (ValueError, RecursionError):  # not JSON, or JSON no parser reads
                raise InputError(f"the note of {ident} is not the JSON identity it was "
                                 "exported with", ann, note_line) from None
            turn = reader.add_turn(start, end, identity, number)
            for name, value, attr_line in attributes.pop(ident, []):
                if name in CODE_ATTRIBUTES:
                    setattr(turn, CODE_ATTRIBUTES[name], value)
                elif name != SUGGESTED:
                    raise InputError(f"unknown attribute {name!r} on {ident}", ann, attr_line)
        elif kind in known:
            spans.append((start, end, kind, number))
        else:
            raise InputError(f"unknown label {kind!r} of {ident} (the codebook's marker "
                             f"labels are {', '.join(sorted(known))})", ann, number)
    for target, found in attributes.items():
        raise InputError(f"attribute on {target}, which is not a Turn", ann, found[0][2])
    for start, end, label, number in spans:
        reader.add_span(start, end, label, number)
    return reader.turns()


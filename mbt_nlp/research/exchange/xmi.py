"""INCEpTION / UIMA CAS XMI, through dkpro-cassis: per session `<name>.xmi`, and the
`TypeSystem.xml` that defines its types, in one folder.

The text (sofa) is the session document (documents.py). `webanno.custom.MbtTurn` covers a
turn's line, with features label and secondary (the codes), suggestedLabel and
suggestedScore (the model's, never read back as codes), and who said it (session, turn,
speaker, role, writer; other fields of the annotation file as JSON in `extra`).
`webanno.custom.MbtMarker` is a marker span with its label. In INCEpTION, create span
layers MbtTurn and MbtMarker with these features (the `webanno.custom` names are its custom
layers) and import the files as UIMA CAS XMI. The type and feature descriptions carry the
codebook (with a codebook file: its codes, in `label`; `secondary` stays empty).

Offsets: UIMA counts UTF-16 code units (Java strings), Python counts code points. cassis
converts between them when it reads and writes XMI, so this module uses code points only.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

from cassis import Cas, TypeSystem, load_cas_from_xmi, load_typesystem

from mbt_nlp.errors import InputError
from mbt_nlp.research.exchange.codebook import MBT, Scheme, marker_codes
from mbt_nlp.research.exchange.documents import DocumentReader, session_documents
from mbt_nlp.research.exchange.output import atomic_path, file_names, write_text
from mbt_nlp.research.exchange.turns import ExchangeTurn

OUTPUT = "folder"
TURN = "webanno.custom.MbtTurn"
MARKER = "webanno.custom.MbtMarker"
TYPESYSTEM = "TypeSystem.xml"
STRING, INTEGER, DOUBLE = "uima.cas.String", "uima.cas.Integer", "uima.cas.Double"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def owns(path: Path) -> bool:
    return path.suffix == ".xmi" or path.name == TYPESYSTEM


def type_system(scheme: Scheme = MBT) -> TypeSystem:
    labels = "; ".join(f"{c.name}: {c.definition}" for c in scheme.codes)
    markers = "; ".join(f"{c.name}: {c.definition}" for c in marker_codes())
    ts = TypeSystem()
    turn = ts.create_type(TURN, description="One turn of a psychotherapy session (the "
                          "speaker's line), with its MBT codes.")
    for name, description in (
        ("label", f"The turn's {scheme.heading('primary label')}, one of: {labels}"),
        ("secondary", "An optional secondary label (one of the same labels)."),
        ("suggestedLabel", "The model's mode for the turn: a suggestion, never a code."),
        ("session", "Session id."), ("speaker", "Speaker label."),
        ("role", "client or clinician."), ("writer", "Who wrote or transcribed the session."),
        ("extra", "Other fields of the annotation record, as JSON."),
    ):
        ts.create_feature(turn, name, STRING, description=description)
    ts.create_feature(turn, "turn", INTEGER, description="Turn number in the session.")
    ts.create_feature(turn, "suggestedScore", DOUBLE,
                      description="The model's probability of its suggested label.")
    marker = ts.create_type(MARKER, description="Words that show an MBT mode (span evidence).")
    ts.create_feature(marker, "label", STRING, description=f"Marker label, one of: {markers}")
    return ts


def write(turns: Sequence[ExchangeTurn], out: Path, scheme: Scheme = MBT) -> list[Path]:
    for t in turns:  # before any file is written
        if _NOT_XML.search(t.text) or _NOT_XML.search(t.speaker):
            raise t.where("has control characters that XML 1.0, and so XMI, cannot hold "
                          "(remove them, or export to another format)")
    ts = type_system(scheme)
    documents = session_documents(turns)
    names = file_names(d.session for d in documents)
    written = [write_text(out / TYPESYSTEM, ts.to_xml())]
    turn_type, marker_type = ts.get_type(TURN), ts.get_type(MARKER)
    for document in documents:
        cas = Cas(typesystem=ts)
        cas.sofa_string = document.text
        for p in document.turns:
            t = p.turn
            suggestion = t.suggestion if t.label is None else None
            cas.add(turn_type(
                begin=p.start, end=p.end, session=t.session, turn=t.turn, speaker=t.speaker,
                role=t.role, writer=t.writer, label=t.label, secondary=t.secondary,
                suggestedLabel=suggestion.mode if suggestion else None,
                suggestedScore=suggestion.probability if suggestion else None,
                extra=json.dumps(t.extra, ensure_ascii=False) if t.extra else None))
            for span in sorted(t.spans):
                cas.add(marker_type(begin=p.text_start + span.start,
                                    end=p.text_start + span.end, label=span.label))
        target = out / f"{names[document.session]}.xmi"
        with atomic_path(target) as tmp:
            cas.to_xmi(tmp)
        written.append(target)
    return written


def xmi_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.xmi")) if path.is_dir() else [path]
    return files


def read(paths: Sequence[Path], scheme: Scheme = MBT) -> list[ExchangeTurn]:
    turns: list[ExchangeTurn] = []
    systems: dict[Path, TypeSystem] = {}
    for path in xmi_files(paths):
        folder = path.parent
        if folder not in systems:
            systems[folder] = folder_type_system(folder, scheme)
        turns += read_document(path, systems[folder], scheme)
    return turns


def folder_type_system(folder: Path, scheme: Scheme = MBT) -> TypeSystem:
    """The type system exported beside the XMI (as INCEpTION does), else ours."""
    found = [folder / name for name in (TYPESYSTEM, "typesystem.xml") if (folder / name).exists()]
    if not found:
        return type_system(scheme)
    try:
        with found[0].open("rb") as handle:
            ts = load_typesystem(handle)
    except Exception as err:  # cassis raises lxml's and its own errors on a bad file
        raise InputError(f"not a UIMA type system: {type(err).__name__}", found[0]) from None
    for name in (TURN, MARKER):
        if not ts.contains_type(name):
            raise InputError(f"the type system does not define {name}", found[0])
    return ts


def read_document(path: Path, ts: TypeSystem, scheme: Scheme = MBT) -> list[ExchangeTurn]:
    try:
        with path.open("rb") as handle, warnings.catch_warnings():
            # cassis warns of types it skips (leniently: INCEpTION adds its own) and of
            # offsets beyond the text, which the DocumentReader reports as errors anyway.
            warnings.simplefilter("ignore", UserWarning)
            cas = load_cas_from_xmi(handle, typesystem=ts, lenient=True)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except Exception as err:  # lxml's syntax errors and cassis' own; their text may quote
        # the document, so only the kind of error and its line are reported
        raise InputError(f"not a UIMA CAS XMI file ({type(err).__name__})", path,
                         getattr(err, "lineno", None)) from None
    reader = DocumentReader(cas.sofa_string or "", str(path), scheme)
    for number, fs in enumerate(cas.select(TURN), start=1):
        try:
            extra = json.loads(fs.extra) if fs.extra else {}
        except (ValueError, RecursionError):  # not JSON, or JSON no parser reads
            raise InputError("the 'extra' feature of a turn is not JSON", path,
                             record=number) from None
        turn = reader.add_turn(fs.begin, fs.end, {
            "session": fs.session, "turn": fs.turn, "speaker": fs.speaker, "role": fs.role,
            "writer": fs.writer, "extra": extra}, record=number)
        turn.label, turn.secondary = fs.label, fs.secondary
    for number, fs in enumerate(cas.select(MARKER), start=1):
        if fs.label is None:
            raise InputError(f"marker {fs.begin}-{fs.end} has no label", path, record=number)
        reader.add_span(fs.begin, fs.end, fs.label, record=number)
    return reader.turns()

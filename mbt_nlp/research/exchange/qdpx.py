"""REFI-QDA project (.qdpx), the exchange format of ATLAS.ti, NVivo, MAXQDA, QualCoder:
a zip with `project.qde` (XML, namespace urn:QDA-XML:project:1.0) and `Sources/`.

Each session is a TextSource whose plain text (`Sources/<guid>.txt`, UTF-8) is the session
document (documents.py). The CodeBook holds the codebook: code "MBT turn" (marks each
turn), groups "MBT turn label" (the five labels), "MBT secondary label" (secondary:<label>)
and "MBT marker" (marker labels), each code with its definition as Description and its
colour. Each turn is a PlainTextSelection over its line, coded "MBT turn" and its labels,
whose Description holds who said it as JSON (session, turn, speaker, role, writer; the
model's suggestion, which is never read back as a code). Each marker span is a selection
coded with its marker label. Positions count code points of the plain text.

Import accepts what QDA tools do to such a project: codings split into one selection per
code, a label coded on a part of a turn's line (it labels that turn), new GUIDs (codes are
known by name).

With a codebook, its codes (with their definitions and colours) make the label group, named
after it, and there is no secondary group; a code may not share a marker label's name.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from mbt_nlp import __version__
from mbt_nlp.errors import InputError
from mbt_nlp.research.exchange.codebook import (
    MBT,
    Code,
    Scheme,
    chosen_options,
    marker_codes,
    marker_labels,
    secondary_option,
    split_option,
)
from mbt_nlp.research.exchange.documents import DocumentReader, identity_json, session_documents
from mbt_nlp.research.exchange.output import atomic_path
from mbt_nlp.research.exchange.turns import ExchangeTurn

OUTPUT = "file"
NS = "urn:QDA-XML:project:1.0"
TURN_CODE = "MBT turn"
GROUPS = ("MBT turn label", "MBT secondary label", "MBT marker")
# GUIDs derived from names, so exporting the same turns twice gives the same project.
_NAMESPACE = uuid.UUID("5b0d1c3e-2f4a-4d6b-9c8e-1a2b3c4d5e6f")


def guid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(map(str, parts))))


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def codebook(scheme: Scheme = MBT) -> list[tuple[str, list[Code]]]:
    """(group, codes): the turn code alone, then the three groups (two with a codebook)."""
    shared = sorted(set(scheme.labels) & marker_labels())
    if shared:
        raise ValueError(f"code(s) {', '.join(shared)} of the codebook are also marker "
                         "labels, and a QDA project knows codes by name: rename them")
    secondary = [Code(secondary_option(c.name), f"Secondary label. {c.definition}", c.colour,
                      c.family) for c in scheme.codes]
    turn = Code(TURN_CODE, "One turn of the session (the speaker's line); its selection's "
                "description says who said it.", "#FFFFFF", "none")
    return [("", [turn]), (scheme.heading(GROUPS[0]), list(scheme.codes)),
            *([(GROUPS[1], secondary)] if scheme.secondary else []),
            (GROUPS[2], list(marker_codes()))]


def code_element(parent: ET.Element, code: Code) -> None:
    element = ET.SubElement(parent, q("Code"), guid=guid("code", code.name), name=code.name,
                            isCodable="true", color=code.colour)
    ET.SubElement(element, q("Description")).text = code.definition


def project(turns: Sequence[ExchangeTurn],
            scheme: Scheme = MBT) -> tuple[bytes, dict[str, str]]:
    """project.qde and the plain texts of its sources ({zip member: text})."""
    user = guid("user", "mbt-nlp")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = ET.Element(q("Project"), name="mbt-nlp export", origin=f"mbt-nlp {__version__}",
                      creatingUserGUID=user, creationDateTime=now)
    ET.SubElement(ET.SubElement(root, q("Users")), q("User"), guid=user, name="mbt-nlp")
    codes = ET.SubElement(ET.SubElement(root, q("CodeBook")), q("Codes"))
    for group, members in codebook(scheme):
        parent = codes
        if group:
            parent = ET.SubElement(codes, q("Code"), guid=guid("group", group), name=group,
                                   isCodable="false")
        for code in members:
            code_element(parent, code)
    sources = ET.SubElement(root, q("Sources"))
    texts: dict[str, str] = {}
    for document in session_documents(turns):
        source_guid = guid("source", document.session)
        texts[f"Sources/{source_guid}.txt"] = document.text
        source = ET.SubElement(sources, q("TextSource"), guid=source_guid,
                               name=document.session,
                               plainTextPath=f"internal://{source_guid}.txt",
                               creatingUser=user, creationDateTime=now)
        for p in document.turns:
            t = p.turn
            codes_of_turn = [TURN_CODE, *chosen_options(t.label, t.secondary)]
            selection(source, ("turn", t.session, t.turn), f"turn {t.turn} ({t.speaker})",
                      p.start, p.end, codes_of_turn, user, now,
                      json.dumps(identity_json(t), ensure_ascii=False))
            for span in sorted(t.spans):
                selection(source, ("span", t.session, t.turn, span), span.label,
                          p.text_start + span.start, p.text_start + span.end, [span.label],
                          user, now)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), texts


def selection(source: ET.Element, key: tuple, name: str, start: int, end: int,
              codes: list[str], user: str, now: str, description: str | None = None) -> None:
    element = ET.SubElement(source, q("PlainTextSelection"), guid=guid("selection", *key),
                            name=name, startPosition=str(start), endPosition=str(end),
                            creatingUser=user, creationDateTime=now)
    if description is not None:
        ET.SubElement(element, q("Description")).text = description
    for code in codes:
        coding = ET.SubElement(element, q("Coding"), guid=guid("coding", *key, code),
                               creatingUser=user, creationDateTime=now)
        ET.SubElement(coding, q("CodeRef"), targetGUID=guid("code", code))


def write(turns: Sequence[ExchangeTurn], out: Path, scheme: Scheme = MBT) -> list[Path]:
    ET.register_namespace("", NS)
    qde, texts = project(turns, scheme)
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for member, text in texts.items():
            archive.writestr(member, text.encode("utf-8"))
    return [out]


def read(paths: Sequence[Path], scheme: Scheme = MBT) -> list[ExchangeTurn]:
    turns: list[ExchangeTurn] = []
    for path in paths:
        turns += read_project(path, scheme)
    return turns


def read_project(path: Path, scheme: Scheme = MBT) -> list[ExchangeTurn]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except zipfile.BadZipFile:
        raise InputError("not a .qdpx project (not a zip file)", path) from None
    with archive:
        members = {name.casefold(): name for name in archive.namelist()}
        if "project.qde" not in members:
            raise InputError("no project.qde in the project", path)
        try:
            root = ET.fromstring(archive.read(members["project.qde"]))
        except ET.ParseError as err:
            raise InputError(f"project.qde is not well-formed XML ({err.code})", path,
                             err.position[0]) from None
        if root.tag != q("Project"):
            raise InputError(f"project.qde is not a REFI-QDA project ({NS})", path)
        code_names = {c.get("guid"): c.get("name") for c in root.iter(q("Code"))}
        turns: list[ExchangeTurn] = []
        for source in root.iter(q("TextSource")):
            turns += read_source(source, archive, members, code_names, path, scheme)
    return turns


def source_text(source: ET.Element, archive: zipfile.ZipFile, members: dict[str, str],
                path: Path) -> str:
    content = source.find(q("PlainTextContent"))
    if content is not None:
        return content.text or ""
    where = source.get("plainTextPath") or ""
    if not where.startswith("internal://"):
        raise InputError(f"source {source.get('name')!r}: only internal plain texts are read "
                         f"(plainTextPath {where!r})", path)
    member = members.get(f"sources/{where[len('internal://'):]}".casefold())
    if member is None:
        raise InputError(f"source {source.get('name')!r}: its text is missing from Sources/",
                         path)
    try:
        return archive.read(member).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"source {source.get('name')!r}: text is not UTF-8 (byte "
                         f"{err.start})", path) from None


def read_source(source: ET.Element, archive: zipfile.ZipFile, members: dict[str, str],
                code_names: dict[str | None, str | None], path: Path,
                scheme: Scheme = MBT) -> list[ExchangeTurn]:
    name = source.get("name")
    if source.find(q("Coding")) is not None:
        raise InputError(f"source {name!r} is coded as a whole; codes belong to turns",
                         path)
    reader = DocumentReader(source_text(source, archive, members, path), str(path), scheme)
    selections = []
    for number, element in enumerate(source.iter(q("PlainTextSelection")), start=1):
        try:
            start = int(element.get("startPosition", ""))
            end = int(element.get("endPosition", ""))
        except ValueError:
            raise InputError(f"source {name!r}: selection without whole-number positions",
                             path, record=number) from None
        codes = []
        for ref in element.iter(q("CodeRef")):
            code = code_names.get(ref.get("targetGUID"))
            if code is None:
                raise InputError(f"source {name!r}: a coding refers to no code of the "
                                 "codebook", path, record=number)
            codes.append(code)
        description = element.find(q("Description"))
        selections.append((start, end, codes, description.text if description is not None
                           else None, number))
    # A tool may split one selection's codings into several over the same range, and keep
    # the description on one of them: a turn is a range coded "MBT turn", its identity the
    # description found at that range.
    identities: dict[tuple[int, int], object] = {}
    anchors: dict[tuple[int, int], int] = {}
    for start, end, codes, description, number in selections:
        identity = _identity(description)
        if identity is not None:
            identities.setdefault((start, end), identity)
        if TURN_CODE in codes:
            anchors.setdefault((start, end), number)
    for (start, end), number in anchors.items():
        reader.add_turn(start, end, identities.get((start, end)), record=number)
    known = marker_labels()
    for start, end, codes, _, number in selections:
        for code in codes:
            is_secondary, label = split_option(code)
            if code == TURN_CODE:
                continue
            if label in scheme.labels:
                turn = reader.turn_at(start, end, record=number).turn
                field = "secondary" if is_secondary else "label"
                if getattr(turn, field) not in (None, label):
                    raise turn.where(f"two {field}s, {getattr(turn, field)} and {label} "
                                     f"(selection {number} of source {name!r})")
                setattr(turn, field, label)
            elif code in known:
                reader.add_span(start, end, code, record=number)
            else:
                raise InputError(f"source {name!r}: unknown code {code!r} (the codebook has "
                                 f"{TURN_CODE!r}, the labels and the marker labels)", path,
                                 record=number)
    return reader.turns()


def _identity(description: str | None) -> object:
    if not description:
        return None
    try:
        return json.loads(description)
    except (ValueError, RecursionError):  # not JSON, or JSON no parser reads
        return None

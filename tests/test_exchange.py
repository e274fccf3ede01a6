"""mbt export / mbt import: round trips through every annotation tool's format.

Each round trip exports the fixture annotations, edits the files as the tool would (a label
changed, a span added after an emoji and a CRLF, a span removed), imports them, and expects
the annotation records back with exactly that edit and nothing else changed.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from cassis import load_cas_from_xmi, load_typesystem
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

from mbt_nlp.errors import InputError
from mbt_nlp.research.exchange import (
    FORMATS,
    OutputExistsError,
    Selection,
    export_turns,
    import_annotations,
    load_turns,
    select,
)
from mbt_nlp.research.exchange.codebook import LABELS, marker_labels

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"
ANNOTATIONS = FIXTURES / "annotations.jsonl"
TAGGED = FIXTURES / "tagged.jsonl"
OUT = {"prodigy": "tasks.jsonl", "doccano": "doccano.jsonl", "labelstudio": "tasks.json",
       "brat": "brat", "xmi": "xmi", "qdpx": "project.qdpx"}
runner = CliRunner()

# The edit every tool makes: s1/3 relabelled, a span added to s1/3 after its emoji and its
# CRLF, the FINALITY span of s1/1 removed.
RELABELLED, ADDED_TO, REMOVED_FROM = ("s1", 3), ("s1", 3), ("s1", 1)
ADDED_WORDS, ADDED_LABEL, REMOVED_LABEL = "I wonder what he felt", "WONDERING", "FINALITY"


def source_records() -> list[dict]:
    """The fixture as the import writes it: every schema field, spans sorted."""
    records = []
    for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record.setdefault("spans", [])
        record["coded"] = record["label"] is not None
        record["spans"] = sorted(record["spans"], key=lambda s: (s["start"], s["end"]))
        records.append(record)
    return records


def by_key(records: list[dict]) -> dict[tuple[str, int], dict]:
    return {(r["session"], r["turn"]): r for r in records}


def expected_after_edit() -> dict[tuple[str, int], dict]:
    expected = by_key(copy.deepcopy(source_records()))
    expected[RELABELLED]["label"] = "pretend"
    text = expected[ADDED_TO]["text"]
    start = text.index(ADDED_WORDS)
    # Checked by hand: 'Maybe he was just tired ' is 24, then the emoji (one code point),
    # '.' and CRLF: 24 + 1 + 1 + 2 = 28 (UTF-16 would count 29).
    assert start == 28
    expected[ADDED_TO]["spans"] = sorted(
        [*expected[ADDED_TO]["spans"],
         {"start": start, "end": start + len(ADDED_WORDS), "label": ADDED_LABEL}],
        key=lambda s: (s["start"], s["end"]))
    expected[REMOVED_FROM]["spans"] = [s for s in expected[REMOVED_FROM]["spans"]
                                       if s["label"] != REMOVED_LABEL]
    return expected


def export(fmt: str, tmp_path: Path, source: Path = ANNOTATIONS, role: str = "all") -> Path:
    out = tmp_path / OUT[fmt]
    export_turns(fmt, select(load_turns([source]), Selection(role=role)), out)
    return out


def turn_text(key: tuple[str, int]) -> str:
    return by_key(source_records())[key]["text"]


# --- the edits, as each tool would make them --------------------------------------------


def edit_prodigy(out: Path, tmp_path: Path) -> list[Path]:
    """Prodigy's db-out holds the answered tasks only; the export gives the others."""
    answered = []
    for line in out.read_text(encoding="utf-8").splitlines():
        task = json.loads(line)
        key = (task["meta"]["session"], task["meta"]["turn"])
        if key == RELABELLED:
            task["accept"] = ["pretend"]
        if key == ADDED_TO:
            start = task["text"].index(ADDED_WORDS)
            task["spans"].append({"start": start, "end": start + len(ADDED_WORDS),
                                  "label": ADDED_LABEL, "token_start": 7, "token_end": 10})
        if key == REMOVED_FROM:
            task["spans"] = [s for s in task["spans"] if s["label"] != REMOVED_LABEL]
        if key in (RELABELLED, ADDED_TO, REMOVED_FROM):
            answered.append({**task, "answer": "accept", "_input_hash": 1, "_task_hash": 2})
    db_out = tmp_path / "db-out.jsonl"
    db_out.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in answered),
                      encoding="utf-8")
    return [out, db_out]


def edit_doccano(out: Path, tmp_path: Path) -> list[Path]:
    lines = []
    for number, line in enumerate(out.read_text(encoding="utf-8").splitlines(), start=1):
        example = json.loads(line)
        key = (example["session"], example["turn"])
        if key == RELABELLED:
            example["cats"] = ["pretend"]
        if key == ADDED_TO:
            start = example["text"].index(ADDED_WORDS)
            example["label"].append([start, start + len(ADDED_WORDS), ADDED_LABEL])
        if key == REMOVED_FROM:
            example["label"] = [s for s in example["label"] if s[2] != REMOVED_LABEL]
        lines.append({"id": number, **example, "Comments": []})  # as doccano exports
    edited = tmp_path / "doccano-export.jsonl"
    edited.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                      encoding="utf-8")
    return [edited]


def edit_labelstudio(out: Path, tmp_path: Path) -> list[Path]:
    """Label Studio's JSON export: ids, annotations with metadata, the edit in the latest."""
    tasks = json.loads(out.read_text(encoding="utf-8"))
    for number, task in enumerate(tasks, start=1):
        task["id"] = number
        key = (task["data"]["session"], task["data"]["turn"])
        annotations = task.get("annotations", [])
        for annotation in annotations:
            annotation.update(completed_by=1, was_cancelled=False, ground_truth=False,
                              created_at="2025-01-01T10:00:00Z",
                              updated_at="2025-01-01T10:00:00Z")
        if key in (RELABELLED, ADDED_TO, REMOVED_FROM):
            newer = copy.deepcopy(annotations[0])
            newer["updated_at"] = "2025-02-01T10:00:00Z"
            result = newer["result"]
            if key == RELABELLED:
                next(r for r in result if r["from_name"] == "label")["value"]["choices"] = [
                    "pretend"]
            if key == ADDED_TO:
                start = task["data"]["text"].index(ADDED_WORDS)
                result.append({"id": "new1", "from_name": "marker", "to_name": "text",
                               "type": "labels", "origin": "manual",
                               "value": {"start": start, "end": start + len(ADDED_WORDS),
                                         "text": ADDED_WORDS, "labels": [ADDED_LABEL]}})
            if key == REMOVED_FROM:
                newer["result"] = [r for r in result if r["type"] != "labels"
                                   or r["value"]["labels"] != [REMOVED_LABEL]]
            oldest = copy.deepcopy(annotations[0])
            oldest["updated_at"] = "2024-06-01T10:00:00Z"
            # newest in the middle: chosen by date, neither first nor last
            annotations[:] = [annotations[0], newer, oldest]
    edited = tmp_path / "project-1-export.json"
    edited.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return [edited]


def brat_document(out: Path, key: tuple[str, int]) -> tuple[Path, str]:
    for ann in sorted(out.glob("*.ann")):
        text = ann.with_suffix(".txt").read_bytes().decode("utf-8")
        if turn_text(key) in text and f'"session": "{key[0]}"' in ann.read_text("utf-8"):
            return ann, text
    raise AssertionError(key)


def edit_brat(out: Path, tmp_path: Path) -> list[Path]:
    ann, text = brat_document(out, ADDED_TO)
    lines = ann.read_text(encoding="utf-8").splitlines()
    # The Turn entity of s1/3 is the one its note points to.
    note = next(x for x in lines if x.startswith("#") and '"turn": 3,' in x)
    turn_id = note.split("\t")[1].split()[1]
    lines = [x.replace("mentalizing", "pretend") if x.startswith("A")
             and x.split("\t")[1].split()[:2] == ["Label", turn_id] else x for x in lines]
    lines = [x for x in lines if not x.split("\t")[1].startswith(REMOVED_LABEL + " ")]
    start = text.index(turn_text(ADDED_TO)) + turn_text(ADDED_TO).index(ADDED_WORDS)
    lines.append(f"T99\t{ADDED_LABEL} {start} {start + len(ADDED_WORDS)}\t{ADDED_WORDS}")
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [out]


def edit_xmi(out: Path, tmp_path: Path) -> list[Path]:
    """As INCEpTION would: through the CAS (code points in Python, UTF-16 in the file)."""
    with (out / "TypeSystem.xml").open("rb") as handle:
        ts = load_typesystem(handle)
    path = next(p for p in out.glob("*.xmi") if p.stem == "s1")
    with path.open("rb") as handle:
        cas = load_cas_from_xmi(handle, typesystem=ts)
    for turn in cas.select("webanno.custom.MbtTurn"):
        if turn.turn == RELABELLED[1]:
            turn.label = "pretend"
    for marker in cas.select("webanno.custom.MbtMarker"):
        if marker.label == REMOVED_LABEL:
            cas.remove(marker)
    start = cas.sofa_string.index(ADDED_WORDS)
    cas.add(ts.get_type("webanno.custom.MbtMarker")(begin=start, end=start + len(ADDED_WORDS),
                                                    label=ADDED_LABEL))
    cas.to_xmi(path)
    return [out]


NS = "urn:QDA-XML:project:1.0"


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def edit_qdpx(out: Path, tmp_path: Path) -> list[Path]:
    """As a QDA tool would: recode, uncode, code a new selection (new GUIDs)."""
    with zipfile.ZipFile(out) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    ET.register_namespace("", NS)
    root = ET.fromstring(members["project.qde"])
    guid_of = {c.get("name"): c.get("guid") for c in root.iter(q("Code"))}
    name_of = {v: k for k, v in guid_of.items()}
    source = next(s for s in root.iter(q("TextSource")) if s.get("name") == "s1")
    text = members["Sources/" + source.get("plainTextPath")[len("internal://"):]].decode()
    for selection in list(source):
        codes = [name_of[r.get("targetGUID")] for r in selection.iter(q("CodeRef"))]
        if codes == [REMOVED_LABEL]:
            source.remove(selection)
        for ref in selection.iter(q("CodeRef")):
            if name_of[ref.get("targetGUID")] == "mentalizing":
                ref.set("targetGUID", guid_of["pretend"])
    start = text.index(ADDED_WORDS)
    added = ET.SubElement(source, q("PlainTextSelection"),
                          guid="0e3b7c1a-9d2f-4e5b-8a6c-7f1d2e3c4b5a", name="new",
                          startPosition=str(start), endPosition=str(start + len(ADDED_WORDS)))
    coding = ET.SubElement(added, q("Coding"), guid="1e3b7c1a-9d2f-4e5b-8a6c-7f1d2e3c4b5a")
    ET.SubElement(coding, q("CodeRef"), targetGUID=guid_of[ADDED_LABEL])
    members["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    edited = tmp_path / "edited.qdpx"
    with zipfile.ZipFile(edited, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return [edited]


EDITS = {"prodigy": edit_prodigy, "doccano": edit_doccano, "labelstudio": edit_labelstudio,
         "brat": edit_brat, "xmi": edit_xmi, "qdpx": edit_qdpx}


def test_every_format_has_a_round_trip_test():
    assert set(EDITS) == set(FORMATS) == set(OUT)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_without_edit_gives_the_annotations_back(fmt, tmp_path):
    back = import_annotations(fmt, [export(fmt, tmp_path)])
    assert by_key(back) == by_key(source_records())
    assert len(back) == len(source_records())


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_with_edit_applies_exactly_the_edit(fmt, tmp_path):
    files = EDITS[fmt](export(fmt, tmp_path), tmp_path)
    back = by_key(import_annotations(fmt, files))
    expected = expected_after_edit()
    assert back == expected
    added = next(s for s in back[ADDED_TO]["spans"] if s["label"] == ADDED_LABEL)
    assert back[ADDED_TO]["text"][added["start"]:added["end"]] == ADDED_WORDS


@pytest.mark.parametrize("fmt", FORMATS)
def test_uncoded_turns_stay_uncoded_and_no_turn_is_lost(fmt, tmp_path):
    back = by_key(import_annotations(fmt, [export(fmt, tmp_path)]))
    assert back[("s1", 4)]["label"] is None and back[("s1", 4)]["coded"] is False
    assert back[("s1", 4)]["text"] == ""
    assert back[("s1", 0)]["coded"] is False and back[("s1", 0)]["role"] == "clinician"
    assert back[("s 2/x", 2)]["note"] == "double-coded"  # a field outside the schema


def test_brat_text_keeps_crlf_and_code_point_offsets(tmp_path):
    out = export("brat", tmp_path)
    ann, text = brat_document(out, ("s1", 1))
    raw = ann.with_suffix(".txt").read_bytes()
    assert b"tired \xf0\x9f\x98\xb4.\r\nI wonder" in raw  # emoji and CRLF as they were
    mind = next(x for x in ann.read_text("utf-8").splitlines() if "\tMIND_READING " in x)
    start, end = map(int, mind.split("\t")[1].split()[1:3])
    assert text[start:end] == "I know he hates me" == mind.split("\t")[2]


def test_brat_writes_a_turn_across_a_line_break_as_fragments(tmp_path):
    ann, text = brat_document(export("brat", tmp_path), ("s1", 3))
    turn = next(x for x in ann.read_text("utf-8").splitlines()
                if x.startswith("T") and "Maybe he was" in x)
    where = turn.split("\t")[1].split(" ", 1)[1]
    first, second = where.split(";")
    assert text[slice(*map(int, first.split()))] == "C: Maybe he was just tired 😴."
    assert text[slice(*map(int, second.split()))] == "I wonder what he felt then."


def test_xmi_offsets_are_utf16_code_units_in_the_file(tmp_path):
    out = export("xmi", tmp_path)
    raw = ET.parse(out / "s1.xmi").getroot()
    sofa = next(e for e in raw.iter() if e.tag.endswith("Sofa")).get("sofaString")
    assert "\r\n" in sofa  # CRLF survives XML attribute normalisation
    marker = next(e for e in raw.iter() if e.tag.endswith("MbtMarker")
                  and e.get("label") == "MIND_READING")
    start = sofa.index("I know he hates me")
    # The emoji before it is one code point but two UTF-16 units.
    assert int(marker.get("begin")) == len(sofa[:start].encode("utf-16-le")) // 2 == start + 1


def test_labelstudio_config_is_xml_with_the_codebook(tmp_path):
    export("labelstudio", tmp_path)
    view = ET.parse(tmp_path / "tasks.config.xml").getroot()
    assert view.tag == "View"
    for name in ("label", "secondary"):
        choices = next(c for c in view.iter("Choices") if c.get("name") == name)
        assert [c.get("value") for c in choices.iter("Choice")] == list(LABELS)
        assert all(len(c.get("hint")) > 30 for c in choices.iter("Choice"))
    labels = [x.get("value") for x in view.iter("Label")]
    assert set(labels) == marker_labels()
    assert all(x.get("background").startswith("#") for x in view.iter("Label"))


def test_qdpx_project_is_xml_with_the_codebook_and_sources(tmp_path):
    with zipfile.ZipFile(export("qdpx", tmp_path)) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        names = set(archive.namelist())
    assert root.tag == q("Project")
    codes = {c.get("name"): c for c in root.iter(q("Code"))}
    for label in LABELS:
        assert codes[label].get("color").startswith("#")
        assert "mental" in codes["pretend"].find(q("Description")).text
    assert marker_labels() <= set(codes)
    sources = list(root.iter(q("TextSource")))
    assert {s.get("name") for s in sources} == {"s1", "s 2/x"}
    for source in sources:
        assert "Sources/" + source.get("plainTextPath")[len("internal://"):] in names


def test_exports_carry_the_codebook_beside(tmp_path):
    export("prodigy", tmp_path)
    theme = json.loads((tmp_path / "tasks.prodigy.json").read_text())["custom_theme"]["labels"]
    assert theme["psychic_equivalence"].startswith("#") and "FINALITY" in theme
    export("doccano", tmp_path)
    categories = json.loads((tmp_path / "doccano.category-labels.json").read_text())
    assert [c["text"] for c in categories][:5] == list(LABELS)
    spans = json.loads((tmp_path / "doccano.span-labels.json").read_text())
    assert {s["text"] for s in spans} == marker_labels()
    brat = export("brat", tmp_path)
    conf = (brat / "annotation.conf").read_text()
    assert "Label\tArg:Turn, Value:psychic_equivalence|teleological" in conf
    assert "bgColor:#" in (brat / "visual.conf").read_text()


# --- tagged output: the model's suggestions are shown, never taken as codes --------------


def test_labelstudio_puts_the_model_in_predictions_only(tmp_path):
    out = export("labelstudio", tmp_path, TAGGED)
    tasks = {t["data"]["turn"]: t for t in json.loads(out.read_text())}
    prediction = tasks[1]["predictions"][0]
    assert prediction["score"] == 0.87 and prediction["model_version"].startswith("mbt-nlp")
    choices = [r for r in prediction["result"] if r["type"] == "choices"]
    assert choices[0]["value"]["choices"] == ["teleological"]
    region = next(r for r in prediction["result"] if r["type"] == "labels")
    assert region["value"]["text"] == "So he doesn't care"
    assert all("annotations" not in t for t in tasks.values())
    back = import_annotations("labelstudio", [out])
    assert [(r["label"], r["coded"], r["spans"]) for r in back] == [(None, False, [])] * 3


def test_prodigy_takes_the_model_only_when_accepted(tmp_path):
    out = export("prodigy", tmp_path, TAGGED)
    tasks = [json.loads(x) for x in out.read_text().splitlines()]
    assert tasks[1]["accept"] == ["teleological"] and tasks[1]["meta"]["prefill"] == "model"
    assert all(r["coded"] is False for r in import_annotations("prodigy", [out]))
    answered = tmp_path / "db-out.jsonl"
    answered.write_text(json.dumps({**tasks[1], "answer": "accept"}) + "\n"
                        + json.dumps({**tasks[2], "answer": "reject"}) + "\n")
    back = by_key(import_annotations("prodigy", [out, answered]))
    assert back[("t1", 1)]["label"] == "teleological"
    assert back[("t1", 1)]["spans"] == [{"start": 36, "end": 54, "label": "ACTION_AS_PROOF"}]
    assert back[("t1", 2)]["coded"] is False and back[("t1", 0)]["coded"] is False


def test_brat_shows_the_suggestion_and_the_markers(tmp_path):
    out = export("brat", tmp_path, TAGGED)
    assert "Suggested T" in (out / "t1.ann").read_text()
    back = by_key(import_annotations("brat", [out]))
    assert back[("t1", 1)]["label"] is None
    assert back[("t1", 1)]["spans"] == [{"start": 36, "end": 54, "label": "ACTION_AS_PROOF"}]


def test_a_transcript_is_tagged_first(nlp, tmp_path):
    turns = load_turns([FIXTURES / "transcript.txt"], lambda: nlp)
    assert [t.role for t in turns] == ["clinician", "client"]
    assert turns[1].from_model and {s.label for s in turns[1].spans} >= {"FINALITY"}
    with pytest.raises(InputError, match="give a pipeline"):
        load_turns([FIXTURES / "transcript.txt"])


# --- which turns ----------------------------------------------------------------------


def keys(selection: Selection, source: Path = ANNOTATIONS) -> list[tuple[str, int]]:
    return [t.key for t in select(load_turns([source]), selection)]


def test_role_selects_whose_turns():
    assert keys(Selection()) == [("s1", 1), ("s1", 3), ("s1", 4), ("s 2/x", 0),
                                 ("s 2/x", 2), ("s 2/x", 3)]
    assert keys(Selection(role="clinician")) == [("s1", 0), ("s1", 2), ("s 2/x", 1)]
    assert len(keys(Selection(role="all"))) == 9


def test_flagged_selects_turns_with_a_mode():
    assert keys(Selection(flagged=True)) == [("s1", 1), ("s 2/x", 0), ("s 2/x", 2)]
    assert keys(Selection(flagged=True), TAGGED) == [("t1", 1)]  # the model's mode


def test_sessions_select_and_unknown_ones_are_named():
    assert keys(Selection(sessions=frozenset({"s 2/x"}), role="clinician")) == [("s 2/x", 1)]
    with pytest.raises(ValueError, match="'nope'"):
        keys(Selection(sessions=frozenset({"s1", "nope"})))


def test_sample_is_reproducible_ordered_and_seeded():
    everyone = keys(Selection(role="all"))
    first = keys(Selection(role="all", sample=4, seed=7))
    assert first == keys(Selection(role="all", sample=4, seed=7))
    assert len(first) == 4 and set(first) <= set(everyone)
    assert first == [k for k in everyone if k in first]  # transcript order kept
    draws = {tuple(keys(Selection(role="all", sample=4, seed=s))) for s in range(6)}
    assert len(draws) > 1
    assert keys(Selection(role="all", sample=50)) == everyone


# --- errors: one line naming the place --------------------------------------------------


def test_malformed_import_file_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    out = export("prodigy", tmp_path)
    bad.write_text(out.read_text().splitlines()[0] + "\n{not json\n")
    with pytest.raises(InputError) as caught:
        import_annotations("prodigy", [bad])
    assert str(caught.value).startswith(f"{bad}:2: invalid JSON")


DEEP = "[" * 100_000 + "]" * 100_000  # deeper than Python's parser recurses
HUGE = '{"n": ' + "9" * 5_000 + "}"  # more digits than Python reads as an integer


@pytest.mark.parametrize("fmt", ["prodigy", "doccano"])
@pytest.mark.parametrize(("bad", "words"), [(DEEP, "nested too deeply"),
                                           (HUGE, "number too long")], ids=["deep", "huge"])
def test_json_no_parser_reads_names_file_and_line(fmt, bad, words, tmp_path):
    out = export(fmt, tmp_path)
    edited = tmp_path / "edited.jsonl"
    edited.write_text(out.read_text().splitlines()[0] + "\n" + bad + "\n")
    with pytest.raises(InputError) as caught:
        import_annotations(fmt, [edited])
    assert str(caught.value).startswith(f"{edited}:2: JSON") and words in str(caught.value)


def test_labelstudio_file_no_parser_reads_is_one_error(tmp_path):
    edited = tmp_path / "tasks.json"
    edited.write_text(DEEP)
    with pytest.raises(InputError, match="nested too deeply") as caught:
        import_annotations("labelstudio", [edited])
    assert str(caught.value).startswith(str(edited))


def test_brat_identity_note_no_parser_reads_is_one_error(tmp_path):
    out = export("brat", tmp_path)
    ann, _ = brat_document(out, ("s1", 1))
    lines = ann.read_text(encoding="utf-8").splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("#"))
    lines[at] = "\t".join([*lines[at].split("\t")[:2], DEEP])
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="not the JSON identity") as caught:
        import_annotations("brat", [out])
    assert str(caught.value).startswith(f"{ann}:{at + 1}:")


def test_span_outside_its_text_is_an_error(tmp_path):
    out = export("doccano", tmp_path)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    lines[1]["label"].append([60, 500, "FINALITY"])
    out.write_text("".join(json.dumps(x) + "\n" for x in lines))
    with pytest.raises(InputError, match="outside its text") as caught:
        import_annotations("doccano", [out])
    assert caught.value.line == 2


@pytest.mark.parametrize("fmt", ["labelstudio", "brat", "qdpx", "doccano"])
def test_unknown_label_is_an_error(fmt, tmp_path):
    out = export(fmt, tmp_path)
    if fmt == "labelstudio":
        tasks = json.loads(out.read_text())
        tasks[1]["annotations"][0]["result"][0]["value"]["choices"] = ["borderline"]
        out.write_text(json.dumps(tasks))
    elif fmt == "doccano":
        out.write_text(out.read_text().replace('"cats": ["none"]', '"cats": ["borderline"]'))
    elif fmt == "brat":
        ann = next(out.glob("s1.ann"))
        ann.write_text(ann.read_text().replace("\tHEDGE ", "\tHEDGING "))
    else:
        with zipfile.ZipFile(out) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        members["project.qde"] = members["project.qde"].replace(b'name="HEDGE"',
                                                                b'name="HEDGING"')
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    with pytest.raises(InputError, match="unknown") as caught:
        import_annotations(fmt, [out])
    assert caught.value.path is not None and str(out.name) in caught.value.path
    assert caught.value.line is not None or caught.value.record is not None


def test_labelstudio_region_counted_in_utf16_is_caught(tmp_path):
    """A region whose offsets count UTF-16 units (older Label Studio) lands one character
    late after an emoji: its text no longer matches, so it is an error, not a wrong span."""
    out = export("labelstudio", tmp_path)
    tasks = json.loads(out.read_text())
    region = next(r for r in tasks[1]["annotations"][0]["result"] if r["type"] == "labels")
    assert region["value"]["text"] == "I know he hates me"
    region["value"]["start"] += 1
    region["value"]["end"] += 1
    out.write_text(json.dumps(tasks))
    with pytest.raises(InputError, match="does not match its offsets") as caught:
        import_annotations("labelstudio", [out])
    assert caught.value.record == 2


def test_doccano_variants_entities_and_nested_meta(tmp_path):
    out = export("doccano", tmp_path)
    lines = []
    for line in out.read_text().splitlines():
        example = json.loads(line)
        meta = {k: example.pop(k) for k in ("session", "turn", "speaker", "role", "writer")}
        spans = example.pop("label")
        example["entities"] = [{"id": i, "start_offset": a, "end_offset": b, "label": c}
                               for i, (a, b, c) in enumerate(spans)]
        lines.append({**example, "meta": meta})
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    assert by_key(import_annotations("doccano", [out])) == by_key(source_records())


def test_prodigy_two_answers_for_one_turn_are_an_error(tmp_path):
    out = export("prodigy", tmp_path)
    task = json.loads(out.read_text().splitlines()[0])
    answers = tmp_path / "db-out.jsonl"
    answers.write_text(json.dumps({**task, "answer": "accept"}) + "\n"
                       + json.dumps({**task, "answer": "reject"}) + "\n")
    with pytest.raises(InputError, match="answered twice") as caught:
        import_annotations("prodigy", [out, answers])
    assert caught.value.line == 2


def test_xmi_that_is_not_xml_is_an_error(tmp_path):
    out = export("xmi", tmp_path)
    (out / "s1.xmi").write_text("<not xml")
    with pytest.raises(InputError, match="not a UIMA CAS XMI file"):
        import_annotations("xmi", [out])


def test_xmi_refuses_control_characters_before_writing(tmp_path):
    turns = load_turns([ANNOTATIONS])
    turns[3].text = "tired\x0bthen"  # a vertical tab, as pasted from Word; not XML 1.0
    turns[3].spans = []
    with pytest.raises(InputError, match="control characters") as caught:
        export_turns("xmi", turns, tmp_path / "xmi")
    assert caught.value.line == 4
    assert not (tmp_path / "xmi").exists()


def test_unknown_label_in_an_annotation_file_names_its_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    lines = ANNOTATIONS.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace('"mentalizing"', '"reflective"')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown label 'reflective'") as caught:
        load_turns([bad])
    assert caught.value.line == 4


def test_export_refuses_to_overwrite(tmp_path):
    export("qdpx", tmp_path)
    with pytest.raises(OutputExistsError):
        export("qdpx", tmp_path)
    brat = export("brat", tmp_path)
    (brat / "old.ann").write_text("")
    turns = load_turns([ANNOTATIONS])
    with pytest.raises(OutputExistsError):
        export_turns("brat", turns, brat)
    export_turns("brat", turns, brat, force=True)
    assert not (brat / "old.ann").exists()  # a stale session would come back on import


# --- the command line -------------------------------------------------------------------


def test_cli_export_then_import(tmp_path):
    out, back = tmp_path / "tasks.json", tmp_path / "coded.jsonl"
    done = runner.invoke(app, ["export", "labelstudio", str(ANNOTATIONS), "-o", str(out),
                               "--role", "all"])
    assert done.exit_code == 0, done.output
    assert "9 of 9 turns" in done.output
    done = runner.invoke(app, ["import", "labelstudio", str(out), "-o", str(back)])
    assert done.exit_code == 0, done.output
    records = [json.loads(x) for x in back.read_text(encoding="utf-8").splitlines()]
    assert by_key(records) == by_key(source_records())


def test_cli_selection_options(tmp_path):
    out = tmp_path / "tasks.jsonl"
    done = runner.invoke(app, ["export", "prodigy", str(ANNOTATIONS), "-o", str(out),
                               "--sessions", "s1", "--flagged"])
    assert done.exit_code == 0, done.output
    assert [json.loads(x)["meta"]["turn"] for x in out.read_text().splitlines()] == [1]


@pytest.mark.parametrize("args", [
    ["import", "prodigy", "{bad}", "-o", "{out}"],
    ["import", "qdpx", "{bad}", "-o", "{out}"],
    ["export", "brat", "{fixture}", "-o", "{out}", "--sessions", "nope"],
])
def test_cli_errors_are_one_line_with_exit_code_2(args, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "meta": {"session": "a"}}\n')
    args = [a.format(bad=bad, out=tmp_path / "out.jsonl", fixture=ANNOTATIONS) for a in args]
    done = runner.invoke(app, args)
    assert done.exit_code == 2
    assert "Traceback" not in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)
    message = done.output.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error:")
    if "import" in args:
        assert str(bad) in message

"""A research group's own codebook in mbt export / mbt import and mbt suggest.

The round trips reuse test_exchange's fixture and its edits as each tool makes them (a turn
relabelled, a span added after an emoji and a CRLF, a span removed), on a copy of the
fixture whose client turns carry a code of a small codebook in its own field; the mbt labels
stay in the records and must come back untouched. The suggestions use a model trained on
test_own_codes' corpus.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from cassis import load_typesystem
from mbt_nlp.cli.main import app
from test_exchange import ADDED_TO, EDITS, OUT, RELABELLED, REMOVED_FROM, by_key
from test_exchange import ANNOTATIONS as MBT_ANNOTATIONS
from test_exchange import expected_after_edit as mbt_expected_after_edit
from test_own_codes import CODEBOOK, PHRASES, write_corpus
from typer.testing import CliRunner

import mbt_nlp
from mbt_nlp.errors import InputError, ResourceError
from mbt_nlp.learn.own_codes import load_own_codes, train_own_codes
from mbt_nlp.pipeline.codebook import codebook_from_dict, load_codebook
from mbt_nlp.pipeline.resources import LABELS
from mbt_nlp.research.coder_files import CoderFields, read_coder_file
from mbt_nlp.research.exchange import (
    FORMATS,
    Selection,
    export_turns,
    import_annotations,
    load_scheme,
    load_turns,
    scheme_of,
    select,
)
from mbt_nlp.research.suggest import rank_candidates, suggest

runner = CliRunner()

# Codes named like two mbt labels on purpose: test_exchange's edits relabel s1/3 from
# "mentalizing" to "pretend" in every format.
LEVELS = """\
name = "levels"
applies_to = "client"
field = "level"

[[codes]]
name = "pretend"
definition = "Mental talk severed from reality."
flag = true
colour = "#CC79A7"

[[codes]]
name = "mentalizing"
definition = "Curious, tentative talk about minds."
colour = "#009E73"

[[codes]]
name = "other"
definition = "Anything else."
"""
LEVEL_OF = {("s1", 1): "pretend", ("s1", 3): "mentalizing", ("s1", 4): None,
            ("s 2/x", 0): "pretend", ("s 2/x", 2): "other", ("s 2/x", 3): "other"}


@pytest.fixture
def levels(tmp_path: Path) -> tuple[Path, Path]:
    """(codebook file, annotation file): the exchange fixture, each client turn's code in
    `level`, the mbt labels still there."""
    book = tmp_path / "levels.toml"
    book.write_text(LEVELS, encoding="utf-8")
    coded = tmp_path / "levels.jsonl"
    records = [json.loads(x) for x in MBT_ANNOTATIONS.read_text(encoding="utf-8").splitlines()]
    for record in records:
        record["level"] = LEVEL_OF.get((record["session"], record["turn"]))
    coded.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                     encoding="utf-8")
    return book, coded


def as_imported(coded: Path) -> dict[tuple[str, int], dict]:
    """The annotation file as an import with the codebook writes it: every field kept,
    `coded` for the codebook's role, spans sorted."""
    records = {}
    for line in coded.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record.setdefault("spans", [])
        record["spans"] = sorted(record["spans"], key=lambda s: (s["start"], s["end"]))
        if record["role"] == "client":
            record["coded"] = record["level"] is not None
        records[(record["session"], record["turn"])] = record
    return records


def export(fmt: str, tmp_path: Path, book: Path, source: Path, role: str = "all") -> Path:
    scheme = load_scheme(book)
    out = tmp_path / OUT[fmt]
    export_turns(fmt, select(load_turns([source], scheme=scheme), Selection(role=role)), out)
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_with_a_codebook_gives_the_code_back_in_its_field(fmt, tmp_path, levels):
    book, coded = levels
    scheme = load_scheme(book)
    out = export(fmt, tmp_path, book, coded)
    assert by_key(import_annotations(fmt, [out], scheme)) == as_imported(coded)
    back = by_key(import_annotations(fmt, EDITS[fmt](out, tmp_path), scheme))
    expected = as_imported(coded)
    expected[RELABELLED]["level"] = "pretend"
    for key in (ADDED_TO, REMOVED_FROM):
        expected[key]["spans"] = mbt_expected_after_edit()[key]["spans"]
    assert back == expected
    assert back[("s1", 1)]["label"] == "psychic_equivalence", "the mbt label travels as is"
    assert back[("s1", 1)]["text"] == "Café at eight 😊 — he never came. I know he hates me, " \
                                      "it just is."


def test_imported_codes_are_read_by_train_and_agree(tmp_path, levels):
    book, coded = levels
    out = export("labelstudio", tmp_path, book, coded)
    imported = tmp_path / "imported.jsonl"
    done = runner.invoke(app, ["import", "labelstudio", str(out), "--codebook", str(book),
                               "-o", str(imported)])
    assert done.exit_code == 0, done.output
    codebook = load_codebook(book)
    turns = load_own_codes([imported], codebook)
    assert sorted(turns.codes) == ["mentalizing", "other", "other", "pretend", "pretend"]
    coder = read_coder_file(imported, CoderFields(label=codebook.field), codebook.labels)
    assert coder.labels[("s1", 3)] == "mentalizing" and ("s1", 4) not in coder.labels


def test_exports_carry_the_codebook_not_the_mbt_labels(tmp_path, levels):
    import xml.etree.ElementTree as ET

    book, coded = levels
    codes = ["pretend", "mentalizing", "other"]
    export("labelstudio", tmp_path, book, coded)
    view = ET.parse(tmp_path / "tasks.config.xml").getroot()
    (choices,) = view.iter("Choices")  # no secondary label
    assert [c.get("value") for c in choices.iter("Choice")] == codes
    assert choices.find("Choice").get("hint") == "Mental talk severed from reality."
    assert "#CC79A7" in choices.find("Choice").get("style")
    export("doccano", tmp_path, book, coded)
    categories = json.loads((tmp_path / "doccano.category-labels.json").read_text())
    assert [(c["text"], c["background_color"]) for c in categories][:2] == [
        ("pretend", "#CC79A7"), ("mentalizing", "#009E73")]
    assert len(categories) == 3
    out = export("prodigy", tmp_path, book, coded)
    tasks = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in tasks[1]["options"]] == codes
    assert tasks[0]["options"] == [], "clinician turns are outside the codebook's role"
    theme = json.loads((tmp_path / "tasks.prodigy.json").read_text())["custom_theme"]
    assert theme["labels"]["other"].startswith("#") and "none" not in theme["labels"]
    conf = (export("brat", tmp_path, book, coded) / "annotation.conf").read_text()
    assert "Label\tArg:Turn, Value:pretend|mentalizing|other" in conf
    assert "Secondary" not in conf and "Anything else." in conf
    with zipfile.ZipFile(export("qdpx", tmp_path, book, coded)) as archive:
        root = ET.fromstring(archive.read("project.qde"))
    groups = {c.get("name"): c for c in root.iter("{urn:QDA-XML:project:1.0}Code")
              if c.get("isCodable") == "false"}
    assert set(groups) == {"levels code", "MBT marker"}
    assert [c.get("color") for c in groups["levels code"]] == [
        c.colour for c in load_codebook(book).codes]
    with (export("xmi", tmp_path, book, coded) / "TypeSystem.xml").open("rb") as handle:
        ts = load_typesystem(handle)
    label = ts.get_type("webanno.custom.MbtTurn").get_feature("label")
    assert "levels code" in label.description and "Anything else." in label.description


def tagged_file(tmp_path: Path) -> Path:
    """`mbt tag --model` output of a model trained on the codebook (its own codes)."""
    rows = [
        {"role": "clinician", "speaker": "T", "text": "And then?"},
        {"role": "client", "speaker": "C", "text": "It was all make-believe 🎭, really.",
         "markers": [{"start": 0, "end": 6, "label": "HEDGE", "family": "mentalizing"}],
         "code": "pretend", "code_proba": {"pretend": 0.64, "mentalizing": 0.2, "other": 0.16},
         "code_evidence": ["make believe"], "code_flag": True},
        {"role": "client", "speaker": "C", "text": "I took the bus home.", "code": "other",
         "code_proba": {"pretend": 0.1, "mentalizing": 0.1, "other": 0.8},
         "code_evidence": [], "code_flag": False},
    ]
    path = tmp_path / "tagged.jsonl"
    path.write_text("".join(json.dumps({"schema": "mbt-nlp.turn/1", "session": "t", "turn": i,
                                        "markers": [], "mode": "none", **row},
                                       ensure_ascii=False) + "\n"
                            for i, row in enumerate(rows)), encoding="utf-8")
    return path


def test_the_models_code_is_the_prediction_and_flagged_selects_flag_codes(tmp_path, levels):
    book, _ = levels
    scheme = load_scheme(book)
    turns = load_turns([tagged_file(tmp_path)], scheme=scheme)
    assert [t.key for t in select(turns, Selection(flagged=True))] == [("t", 1)]
    out = tmp_path / "tasks.json"
    export_turns("labelstudio", select(turns, Selection()), out)
    tasks = json.loads(out.read_text(encoding="utf-8"))
    prediction = tasks[0]["predictions"][0]
    assert prediction["score"] == 0.64
    choice = next(r for r in prediction["result"] if r["type"] == "choices")
    assert choice["value"]["choices"] == ["pretend"]
    assert any(r["type"] == "labels" for r in prediction["result"]), "markers stay"
    back = import_annotations("labelstudio", [out], scheme)
    assert [(r["level"], r["coded"]) for r in back] == [(None, False)] * 2
    done = runner.invoke(app, ["export", "prodigy", str(tagged_file(tmp_path)), "--codebook",
                               str(book), "--flagged", "-o", str(tmp_path / "p.jsonl")])
    assert done.exit_code == 0, done.output
    task = json.loads((tmp_path / "p.jsonl").read_text(encoding="utf-8"))
    assert task["accept"] == ["pretend"] and task["meta"]["score"] == 0.64


def test_a_code_outside_the_codebook_is_one_line_naming_the_file(tmp_path, levels):
    book, coded = levels
    out = export("labelstudio", tmp_path, book, coded)
    tasks = json.loads(out.read_text(encoding="utf-8"))
    tasks[1]["annotations"][0]["result"][0]["value"]["choices"] = ["angry"]
    out.write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown code 'angry' \(the codebook .*levels.toml "
                                         r"has pretend, mentalizing, other\)") as caught:
        import_annotations("labelstudio", [out], load_scheme(book))
    assert caught.value.record == 2 and caught.value.path == str(out)
    done = runner.invoke(app, ["import", "labelstudio", str(out), "--codebook", str(book),
                               "-o", str(tmp_path / "back.jsonl")])
    assert done.exit_code == 2
    message = done.output.strip()
    assert len(message.splitlines()) == 1 and str(out) in message and "angry" in message


@pytest.mark.parametrize("edit, message", [
    (lambda line: line.replace('"cats": ["mentalizing"]', '"cats": ["secondary:other"]'),
     "a codebook gives one code per turn"),
    (lambda line: line.replace('"cats": []', '"cats": ["other"]', 1),
     "the codebook codes client turns only"),
])
def test_codes_the_codebook_cannot_hold_are_refused(edit, message, tmp_path, levels):
    book, coded = levels
    out = export("doccano", tmp_path, book, coded)
    out.write_text(edit(out.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        import_annotations("doccano", [out], load_scheme(book))
    assert caught.value.line is not None


def test_cli_export_labels_the_codebooks_role_by_default(tmp_path, levels):
    book, coded = levels
    out = tmp_path / "doccano.jsonl"
    done = runner.invoke(app, ["export", "doccano", str(coded), "--codebook", str(book),
                               "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "6 of 9 turns" in done.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["cats"] for x in lines] == [["pretend"], ["mentalizing"], [], ["pretend"],
                                          ["other"], ["other"]]


def test_a_bad_codebook_or_a_code_named_like_a_marker_is_one_line(tmp_path, levels):
    _, coded = levels
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n', encoding="utf-8")
    done = runner.invoke(app, ["export", "doccano", str(coded), "--codebook", str(bad),
                               "-o", str(tmp_path / "d.jsonl")])
    assert done.exit_code == 2 and "bad.toml" in done.output
    assert len(done.output.strip().splitlines()) == 1
    clash = tmp_path / "clash.toml"
    clash.write_text(LEVELS.replace('"other"', '"HEDGE"'), encoding="utf-8")
    with pytest.raises(ValueError, match="HEDGE"):
        export("qdpx", tmp_path, clash, MBT_ANNOTATIONS)
    taken = tmp_path / "taken.toml"
    taken.write_text(LEVELS.replace('field = "level"', 'field = "text"'), encoding="utf-8")
    with pytest.raises(ResourceError, match="'field' cannot be 'text'"):
        load_scheme(taken)


@pytest.mark.parametrize("command", ["export", "import", "suggest"])
def test_help_explains_codebook(command):
    done = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert done.exit_code == 0
    assert "--codebook" in done.output and "codebook.toml" in done.output


# --- mbt suggest ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_talk(tmp_path_factory):
    """(codebook file, its scheme, a model trained on it, uncoded sessions)."""
    root = tmp_path_factory.mktemp("self_talk")
    book = root / "codebook.toml"
    book.write_text(CODEBOOK, encoding="utf-8")
    scheme = load_codebook(book)
    train_own_codes(load_own_codes([write_corpus(root / "coded")], scheme), scheme,
                    root / "model")
    uncoded = write_corpus(root / "uncoded", sessions=3)
    for path in uncoded.glob("*.jsonl"):
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        path.write_text("".join(json.dumps({**r, "selftalk": None}) + "\n" for r in rows),
                        encoding="utf-8")
    return book, load_scheme(book), root / "model", uncoded


@pytest.fixture
def self_talk_scheme(tmp_path):
    book = tmp_path / "codebook.toml"
    book.write_text(CODEBOOK, encoding="utf-8")
    return load_scheme(book)


def ranked(proba, scheme, prior, families=None):
    k = len(proba)
    return rank_candidates(np.array(proba), prior, families or [{}] * k,
                           [f"s{i}" for i in range(k)], [f"turn{i}" for i in range(k)], k,
                           scheme=scheme)


def test_a_likely_rare_flag_code_is_enriched_and_reasons_name_codes(self_talk_scheme):
    scheme = self_talk_scheme
    prior = {"harsh": 0.1, "hopeful": 0.3, "neutral": 0.6}
    maybe_hopeful = [0.05, 0.50, 0.45]
    maybe_harsh = [0.50, 0.05, 0.45]  # the same margin: only the flag code differs
    picks = ranked([maybe_hopeful, maybe_harsh], scheme, prior)
    assert [p.index for p in picks] == [1, 0]
    assert picks[0].signals["uncertainty"] == picks[1].signals["uncertainty"]
    assert "may be harsh (P 0.50; 10% of the training codes)" in picks[0].reason
    assert "between harsh and neutral" in picks[0].reason
    assert not any(label in p.reason for p in picks for label in LABELS if label != "none")


def test_the_rarer_flag_counts_more_and_markers_count_not(self_talk_scheme):
    two_flags = self_talk_scheme.codebook.to_dict()
    two_flags["codes"][1]["flag"] = True  # hopeful too
    both = scheme_of(codebook_from_dict(two_flags, "two.toml"))
    prior = {"harsh": 0.05, "hopeful": 0.45, "neutral": 0.5}
    picks = ranked([[0.4, 0.1, 0.5], [0.1, 0.4, 0.5]], both, prior,
                   families=[{}, {"pretend": 3}])
    assert [p.index for p in picks] == [0, 1]
    assert picks[0].signals["rare_mode"] == pytest.approx(0.4 + 0.1 * (0.05 / 0.45) ** 0.5,
                                                          abs=1e-4)
    assert all(p.signals["disagreement"] == 0 and "marker" not in p.reason for p in picks)


def test_suggest_with_a_codebook_model_picks_uncoded_turns_of_its_role(self_talk, tmp_path):
    _, scheme, model, uncoded = self_talk
    nlp = mbt_nlp.load(model=str(model))
    found, picks = suggest(lambda: nlp, [uncoded], 4, per_session=2, scheme=scheme)
    assert len(found) == 3 * sum(map(len, PHRASES.values()))  # every client turn, one each
    assert all(len(c.lines) == 1 and c.lines[0].role == "client" for c in found)
    assert len(picks) == 4 and all("pick from session" in p.reason for p in picks)
    out = tmp_path / "next.csv"
    done = runner.invoke(app, ["suggest", str(uncoded), "-n", "3", "--model", str(model),
                               "--codebook", "model", "--format", "csv", "-o", str(out)])
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert "selftalk" in header and "label" not in header
    assert "uncoded turns" in done.output


@pytest.mark.parametrize("which, message", [
    ("levels", "does not match the model's codebook 'self-talk'"),
    ("bundled", "the model has no codes of its own"),
])
def test_suggest_refuses_a_codebook_the_model_was_not_trained_on(which, message, self_talk,
                                                                 tmp_path, levels):
    book, _, model, uncoded = self_talk
    args = ["suggest", str(uncoded), "-o", str(tmp_path / "next.jsonl")]
    if which == "levels":
        args += ["--model", str(model), "--codebook", str(levels[0])]
    else:
        args += ["--codebook", str(book)]
    done = runner.invoke(app, args)
    assert done.exit_code == 2, done.output
    text = done.output.strip()
    assert len(text.splitlines()) == 1 and message in text and "Traceback" not in text
    if which == "levels":
        assert "levels.toml" in text
    assert not (tmp_path / "next.jsonl").exists()


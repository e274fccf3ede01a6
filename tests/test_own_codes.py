"""A research group's own codes: codebook files, training, tagging, evaluation, CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import mbt_nlp
from cli.main import app
from mbt_nlp.errors import InputError, ModelError, ResourceError
from mbt_nlp.learn.own_codes import evaluate_own_codes, load_own_codes, train_own_codes
from mbt_nlp.pipeline.codebook import codebook_from_dict, load_codebook

CODEBOOK = """\
name = "self-talk"
description = "How clients speak about themselves (a test scheme)"
applies_to = "client"
field = "selftalk"

[[codes]]
name = "harsh"
definition = "Condemns the self."
flag = true

[[codes]]
name = "hopeful"
definition = "Expects things can change."
colour = "#009E73"

[[codes]]
name = "neutral"
definition = "Neither."
"""

PHRASES = {
    "harsh": ["I'm so stupid, such an idiot, I ruin everything",
              "I'm useless, pathetic, I always mess it up"],
    "hopeful": ["maybe next week will be better, I think I can try again",
                "I'm starting to feel things could change, I'm looking forward to it"],
    "neutral": ["I took the bus to work on Tuesday and had lunch",
                "we went to the shop and bought some bread and milk"],
}


def write_corpus(folder, sessions: int = 6):
    folder.mkdir()
    for s in range(sessions):
        rows, turn = [], 0
        for code, texts in PHRASES.items():
            for text in texts:
                rows.append({"session": f"s{s}", "turn": turn, "speaker": "T",
                             "role": "clinician", "text": "How was that for you?"})
                rows.append({"session": f"s{s}", "turn": turn + 1, "speaker": "C",
                             "role": "client", "text": text, "selftalk": code,
                             "coder": f"c{s % 3}"})
                turn += 2
        (folder / f"s{s}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("own")
    (root / "codebook.toml").write_text(CODEBOOK, encoding="utf-8")
    return root, write_corpus(root / "coded")


@pytest.fixture(scope="module")
def trained(corpus):
    root, coded = corpus
    out = root / "model"
    book = load_codebook(root / "codebook.toml")
    train_own_codes(load_own_codes([coded], book), book, out)
    return out


def test_codebook_file_is_read_with_defaults(corpus):
    book = load_codebook(corpus[0] / "codebook.toml")
    assert book.labels == ("harsh", "hopeful", "neutral")
    assert book.flags == ("harsh",)
    assert book.field == "selftalk" and book.applies_to == "client"
    assert book.code("hopeful").colour == "#009E73"
    assert all(c.colour.startswith("#") for c in book.codes)


def test_json_codebook_is_the_same_scheme(tmp_path, corpus):
    book = load_codebook(corpus[0] / "codebook.toml")
    path = tmp_path / "book.json"
    path.write_text(json.dumps(book.to_dict()), encoding="utf-8")
    assert load_codebook(path) == book


@pytest.mark.parametrize("change, message", [
    ({"colours": 1}, "unknown key"),
    ({"applies_to": "therapist"}, "applies_to"),
    ({"codes": [{"name": "a", "definition": "x"}]}, "at least two"),
    ({"codes": [{"name": "a", "definition": "x"}, {"name": "a", "definition": "y"}]},
     "named twice"),
    ({"codes": [{"name": "a", "definition": "x", "colour": "red"},
                {"name": "b", "definition": "y"}]}, "colour"),
    ({"codes": [{"name": "a b", "definition": "x"}, {"name": "b", "definition": "y"}]},
     "letters, digits"),
    ({"codes": [{"name": "a", "definition": ""}, {"name": "b", "definition": "y"}]},
     "definition"),
    ({"codes": [{"name": "a", "definition": "x", "flag": "yes"},
                {"name": "b", "definition": "y"}]}, "flag"),
])
def test_bad_codebooks_are_one_error(change, message):
    data = {"name": "x", "codes": [{"name": "a", "definition": "x"},
                                   {"name": "b", "definition": "y"}], **change}
    with pytest.raises(ResourceError, match=message):
        codebook_from_dict(data, "book.toml")


def test_unreadable_codebook_files_name_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n", encoding="utf-8")
    with pytest.raises(ResourceError, match="invalid TOML") as err:
        load_codebook(bad)
    assert "bad.toml" in str(err.value)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(ResourceError, match="not UTF-8"):
        load_codebook(binary)
    with pytest.raises(ResourceError, match="no such codebook"):
        load_codebook(tmp_path / "missing.toml")


def test_codes_outside_the_codebook_name_file_and_line(tmp_path, corpus):
    book = load_codebook(corpus[0] / "codebook.toml")
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"session": "s", "role": "client", "text": "hi",
                                "selftalk": "angry"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'angry'.*not in the codebook") as err:
        load_own_codes([path], book)
    assert "a.jsonl" in str(err.value) and ":1" in str(err.value)


def test_no_coded_turns_is_an_error(tmp_path, corpus):
    book = load_codebook(corpus[0] / "codebook.toml")
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"session": "s", "role": "client", "text": "hi"}) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="no client turn has a code in field 'selftalk'"):
        load_own_codes([path], book)


def test_tagging_with_the_trained_model_writes_the_codes(trained):
    from mbt_nlp.annotation.turns import annotate_turns
    from mbt_nlp.transcript import Turn

    nlp = mbt_nlp.load(model=str(trained))
    texts = ["Honestly I'm so stupid, such an idiot, I always ruin everything",
             "I think next week could be better, I can try again",
             "We bought bread at the shop on Tuesday"]
    turns = [Turn("x", 0, "T", "clinician", "How was it?")]
    turns += [Turn("x", i + 1, "C", "client", t) for i, t in enumerate(texts)]
    records = list(annotate_turns(nlp, turns))
    client = [r for r in records if r["role"] == "client"]
    assert [r["code"] for r in client] == ["harsh", "hopeful", "neutral"]
    assert [r["code_flag"] for r in client] == [True, False, False]
    assert set(client[0]["code_proba"]) == {"harsh", "hopeful", "neutral"}
    assert client[0]["code_proba"]["harsh"] == max(client[0]["code_proba"].values())
    assert client[0]["code_evidence"], "the words that carried the code"
    assert "code" not in records[0], "clinician turns are outside this codebook's role"
    assert all("mode" in r for r in client), "the MBT mode is still there"


def test_the_model_refuses_a_broken_codebook_in_its_settings(trained):
    nlp = mbt_nlp.load(model=str(trained))
    component = nlp.get_pipe("mbt_codes")
    with pytest.raises(ModelError, match="codebook is invalid"):
        component.set_model(component.model, {"codebook": {"name": "x", "codes": []}})
    narrow = codebook_from_dict({"name": "y", "codes": [
        {"name": "harsh", "definition": "x"}, {"name": "other", "definition": "y"}]}, "y")
    with pytest.raises(ModelError, match="outside its codebook"):
        component.set_model(component.model, {"codebook": narrow.to_dict()})
    assert component.labels == ("harsh", "hopeful", "neutral"), "left as it was"


def test_evaluation_reports_each_code_and_the_flags(corpus):
    root, coded = corpus
    results = evaluate_own_codes([coded], load_codebook(root / "codebook.toml"))
    assert results["turns"] == 36 and results["writers"] == 3
    lowo = results["leave_one_writer_out"]
    assert set(lowo["per_code"]) == {"harsh", "hopeful", "neutral"}
    assert lowo["macro_f1"] > 0.8 and lowo["group_f1"] > 0.8
    assert results["group"] == ["harsh"]


def test_cli_train_tag_and_evaluate_own_codes(tmp_path, corpus):
    root, coded = corpus
    runner = CliRunner()
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", str(coded), "--codebook",
                                 str(root / "codebook.toml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    session = tmp_path / "session.txt"
    session.write_text("T: How are you?\nC: I'm so stupid, such an idiot, I ruin "
                       "everything.\n", encoding="utf-8")
    result = runner.invoke(app, ["tag", str(session), "--model", str(out), "-o", "-"])
    assert result.exit_code == 0, result.output
    client = [json.loads(line) for line in result.stdout.splitlines()
              if line.startswith("{") and '"client"' in line]
    assert client and client[0]["code"] == "harsh"
    result = runner.invoke(app, ["evaluate", "--codebook", str(root / "codebook.toml"),
                                 "--data", str(coded)])
    assert result.exit_code == 0, result.output
    assert "Own codes: self-talk" in result.stdout and "| harsh |" in result.stdout


def test_cli_bad_codebook_is_one_line(tmp_path, corpus):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(corpus[1]), "--codebook", str(bad),
                                      "-o", str(tmp_path / "m")])
    assert result.exit_code != 0
    assert "bad.toml" in result.output and "missing key" in result.output
    assert "Traceback" not in result.output


def test_tables_carry_the_own_code():
    from mbt_nlp.annotation.summary import turn_row

    row = turn_row({"session": "s", "turn": 1, "role": "client", "code": "harsh",
                    "code_proba": {"harsh": 0.9, "hopeful": 0.1}, "code_flag": True})
    assert (row["code"], row["p_code"], row["code_flag"]) == ("harsh", 0.9, True)
    assert "code" not in turn_row({"session": "s", "turn": 0, "role": "clinician"})


def test_agree_with_a_codebook_compares_coders_and_the_model(tmp_path, corpus, trained):
    root, coded = corpus
    second = tmp_path / "coder_b"
    second.mkdir()
    changed = 0
    for path in sorted(coded.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for row in rows:
            if row.get("selftalk") == "hopeful" and changed < 3:
                row["selftalk"], changed = "neutral", changed + 1
        (second / path.name).write_text("".join(json.dumps(r) + "\n" for r in rows),
                                        encoding="utf-8")
    out = tmp_path / "agree.json"
    result = CliRunner().invoke(app, ["agree", str(coded), str(second), "--codebook",
                                      str(root / "codebook.toml"), "--model", str(trained),
                                      "--bootstrap", "0", "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    text = json.dumps(report)
    assert "harsh" in text and "model" in text
    assert "psychic_equivalence" not in text, "the scheme is the codebook's, not mbt's"


def test_agree_refuses_a_model_of_another_scheme(tmp_path, corpus):
    root, coded = corpus
    result = CliRunner().invoke(app, ["agree", str(coded), "--codebook",
                                      str(root / "codebook.toml"), "--model", "bundled",
                                      "--bootstrap", "0"])
    assert result.exit_code == 2
    assert "gives the mbt labels only" in result.output and "Traceback" not in result.output

"""The `mbt` command line, end to end."""

from __future__ import annotations

import json

import pytest
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

from cli.main import app as source_app
from tests.conftest import MIBOT, REPO, needs_mibot

runner = CliRunner()


def test_cli_is_installed_as_package_module():
    assert app is source_app or app.info.name == "mbt"


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("I am unlovable", "psychic_equivalence"),
        ("It just is", "psychic_equivalence"),
        ("I took an overdose; I must have been suicidal", "teleological"),
        ("What you do and not what you say", "teleological"),
        (
            "I suppose it's all about the narrative, the narrative of my attachment, and on "
            "some level the attachment narrative is the pattern, the same pattern, the "
            "pattern that links my narrative to my attachment on a deeper level, really.",
            "pretend",
        ),
    ],
)
def test_explain_seed_phrases(text, family):
    result = runner.invoke(app, ["explain", text, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert family in data["families"]
    for marker in data["markers"]:
        assert marker["rule"] and marker["reason"] and marker["label"]
        assert text[marker["start"]:marker["end"]] == marker["text"]


def test_explain_human_output_names_rule_and_reason():
    result = runner.invoke(app, ["explain", "It just is."])
    assert result.exit_code == 0
    assert "FINALITY" in result.output and "pe.finality" in result.output


def test_tag_example_writes_one_record_per_turn(tmp_path):
    example = REPO / "mbt_nlp" / "examples" / "session.txt"
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["tag", str(example), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    source_turns = [line for line in example.read_text().splitlines() if line.strip()]
    assert len(records) == len(source_turns)
    first = records[0]
    assert first["schema"] == "mbt-nlp.turn/1"
    assert {"session", "turn", "speaker", "role", "text", "markers", "discourse", "profile",
            "source_file", "source_line"} <= set(first)
    assert [r["source_line"] for r in records] == list(range(1, len(records) + 1))
    flagged = [r for r in records if any(m["family"] != "mentalizing" for m in r["markers"])]
    assert flagged and all(r["role"] == "client" for r in flagged)


def test_tag_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_text("keep")
    example = REPO / "mbt_nlp" / "examples" / "session.txt"
    result = runner.invoke(app, ["tag", str(example), "-o", str(out)])
    assert result.exit_code == 2 and out.read_text() == "keep"


def test_tag_bad_file_is_one_line_error_and_others_go_on(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("speaker,text\nT,hi\nC,a,b\n")
    good = tmp_path / "good.txt"
    good.write_text("T: hi\nC: hello\n")
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["tag", str(bad), str(good), "-o", str(out)])
    assert result.exit_code == 1
    assert f"{bad}:3:" in result.output and "Traceback" not in result.output
    assert len(out.read_text().splitlines()) == 2


@needs_mibot
@pytest.mark.slow
def test_tag_mibot_one_record_per_utterance(tmp_path):
    files = sorted(MIBOT.glob("*.json"))
    out = tmp_path / "mibot.jsonl"
    result = runner.invoke(app, ["tag", *map(str, files), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    expected = sum(len(json.loads(f.read_text())["utterances"]) for f in files)
    assert len(records) == expected == 8555
    roles = {(r["speaker"], r["role"]) for r in records}
    assert roles == {("counsellor", "clinician"), ("client", "client")}


def test_tag_reads_standard_input_and_names_it_in_errors(tmp_path):
    out = tmp_path / "o.jsonl"
    ok = runner.invoke(app, ["tag", "-", "-o", str(out), "--rules-only"],
                       input="T: How was it?\nClient: It just is.\n")
    assert ok.exit_code == 0, ok.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["source_file"] for r in records] == ["-", "-"]
    bad = runner.invoke(app, ["tag", "-", "-o", str(tmp_path / "b.jsonl"), "--rules-only"],
                        input="no speaker here\n")
    assert bad.exit_code == 1 and "-:1:" in bad.output and "mbt-stdin" not in bad.output



def _commands():
    from typer.main import get_command

    return get_command(app).commands


def test_help_lists_the_commands_one_line_each_everyday_job_first():
    import inspect

    commands = _commands()
    assert list(commands)[:3] == ["tag", "report", "explain"]
    assert len({c.rich_help_panel for c in commands.values()}) == 3
    for name, command in commands.items():
        # `mbt --help` shows a command's first paragraph with its line breaks kept.
        summary = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert "\n" not in summary and len(summary) <= 90, name


@pytest.mark.parametrize("command", ["tag", "report", "trends", "suggest", "export"])
def test_help_names_every_format_the_readers_take(command):
    from mbt_nlp.readers import READERS, SUFFIXES

    params = {p.name: p.help for p in _commands()[command].params}
    assert all(name in params["input_format"] for name in READERS)
    if command == "tag":
        assert all(suffix in params["inputs"] for suffix in SUFFIXES)
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "--input-format" in result.output

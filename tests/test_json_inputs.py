"""JSON that Python's parser refuses (nested past its recursion limit, or an integer of
thousands of digits) is one line naming the file and line, in every command that
reads a user's JSON Lines: never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

from mbt_nlp.errors import InputError
from mbt_nlp.readers.json_text import json_lines, parse_json

REPO = Path(__file__).resolve().parents[1]
TAGGED = REPO / "tests" / "fixtures" / "exchange" / "tagged.jsonl"
WRITTEN = sorted((REPO / "annotations" / "written" / "w1").glob("*_s01.jsonl"))[0]
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = '{"text": "hi", "n": ' + "9" * 5_000 + "}"
TURN = '{"session": "s1", "turn": 0, "speaker": "T", "role": "clinician", "text": "Hello."}'
BAD = {"deep": (DEEP, "JSON nested too deeply"), "huge": (HUGE, "JSON holds a number too long")}
# Each command with a first line that takes it past its own checks to its JSON reader:
# coder labels; tagged records (trends); clinician codes (train --interventions); a
# transcript (tag).
COMMANDS = {
    "agree": (TURN, ["agree", "{bad}", "{bad}"]),
    "trends": (None, ["trends", "{bad}", "--out", "{out}"]),
    "train": (TURN, ["train", str(WRITTEN), "--interventions", "{bad}", "-o", "{out}"]),
    "tag": (TURN, ["tag", "{bad}", "-o", "{out}.jsonl"]),
}


@pytest.mark.parametrize("kind", BAD)
@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_names_file_and_line(name, kind, tmp_path):
    first, command = COMMANDS[name]
    first = first or TAGGED.read_text(encoding="utf-8").splitlines()[0]
    bad, words = BAD[kind]
    path = tmp_path / "input.jsonl"
    path.write_text(first + "\n" + bad + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, [a.format(bad=path, out=tmp_path / "out")
                                      for a in command])
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    message = " ".join(result.output.split())
    assert f"{path}:2: {words}" in message, message


def test_parse_json_names_the_line_at_fault():
    with pytest.raises(InputError) as whole:
        parse_json('{\n"a": 1,\n}', "f.json")
    assert str(whole.value).startswith("f.json:3: invalid JSON")
    with pytest.raises(InputError) as record:
        parse_json('{"a": }', "f.jsonl", 7)
    assert str(record.value) == "f.jsonl:7: invalid JSON: Expecting value (column 7)"


def test_json_lines_skips_blank_lines_and_numbers_the_rest(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"a": 1}\n\n  \n[2]\n', encoding="utf-8")
    assert list(json_lines(path)) == [(1, {"a": 1}), (4, [2])]

"""Rule and lexicon files are validated on load, with messages naming the file."""

from __future__ import annotations

import json

import pytest

from mbt_nlp.errors import ResourceError
from mbt_nlp.pipeline.rules import RuleSet, compile_pattern


def rule(**overrides):
    base = {"id": "pe.test", "label": "TEST", "family": "psychic_equivalence",
            "reason": "test", "patterns": ["it just is"]}
    base.update(overrides)
    return base


def load(tmp_path, data):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data))
    return path, lambda: RuleSet.load(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [rule(colour="red")]}, "unknown key"),
        ({"rules": [rule()], "extra": 1}, "unknown key"),
        ({"rules": [rule(family="anxious")]}, "family must be one of"),
        ({"rules": [rule(patterns=["@nosuchlexicon"])]}, "unknown lexicon"),
        ({"rules": [rule(patterns=["word?"])]}, "at least one required token"),
        ({"rules": [rule(), rule()]}, "duplicate rule id"),
        ({"rules": [rule(weight=3)]}, "weight"),
        ({"rules": []}, "non-empty"),
    ],
)
def test_invalid_rule_files_name_the_file(tmp_path, data, message):
    path, loader = load(tmp_path, data)
    with pytest.raises(ResourceError, match=message) as err:
        loader()
    assert str(path) in str(err.value)


def test_packaged_rules_load_and_cover_every_family():
    rules = RuleSet.load()
    assert {r.family for r in rules.rules} == {
        "psychic_equivalence", "teleological", "pretend", "mentalizing"}


def test_pattern_language():
    lex = {"pron": ["he", "she"]}
    assert compile_pattern("@pron just? is|was ~2", lex) == [
        {"LOWER": {"IN": ["he", "she"]}},
        {"LOWER": "just", "OP": "?"},
        {"LOWER": {"IN": ["is", "was"]}},
        {"ORTH": {"NOT_IN": [".", "!", "?", ";", "...", "…"]}, "OP": "{0,2}"},
    ]
    assert compile_pattern("^a|b", {}) == [{"LOWER": {"NOT_IN": ["a", "b"]}}]

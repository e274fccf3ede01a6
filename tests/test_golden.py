"""Golden files: the records of a fixed session, rules-only and with the bundled model.

A refactor (the speed work, a new layout) must not change what users get. When a
change is intended (new rules, a retrained model), regenerate and say so in the
commit:  MBT_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
The session covers every marker family, hedges, reported speech, interjections,
artefacts, self-repairs and a client turn split over several lines.
"""

from __future__ import annotations

import json
import os

import pytest

import mbt_nlp
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.readers import read_transcript
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"
SESSION = FIXTURES / "golden_session.txt"
# Probabilities may differ in the last digits between BLAS builds; everything else is exact.
TOLERANCE = 1e-3


def records(nlp) -> list[dict]:
    out = []
    for record in annotate_turns(nlp, read_transcript(SESSION)):
        record.pop("source_file")  # an absolute path: differs between checkouts
        out.append(json.loads(json.dumps(record)))
    return out


def approx(value):
    if isinstance(value, float):
        return pytest.approx(value, abs=TOLERANCE)
    if isinstance(value, dict):
        return {k: approx(v) for k, v in value.items()}
    if isinstance(value, list):
        return [approx(v) for v in value]
    return value


@pytest.mark.parametrize("profile", ["rules", "full"])
def test_records_match_the_golden_file(profile):
    nlp = mbt_nlp.load(rules_only=profile == "rules")
    got = records(nlp)
    golden = FIXTURES / f"golden_{profile}.jsonl"
    if os.environ.get("MBT_UPDATE_GOLDEN"):
        golden.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                                  for r in got), encoding="utf-8")
    expected = [json.loads(line) for line in golden.read_text(encoding="utf-8").splitlines()]
    assert len(got) == len(expected) == 23
    for mine, theirs in zip(got, expected, strict=True):
        assert mine == approx(theirs), f"turn {theirs['turn']} differs from {golden.name}"


def test_golden_session_covers_every_family_and_a_split_turn():
    expected = [json.loads(line) for line in
                (FIXTURES / "golden_rules.jsonl").read_text(encoding="utf-8").splitlines()]
    families = {m["family"] for r in expected for m in r["markers"]}
    assert families == {"psychic_equivalence", "teleological", "pretend", "mentalizing"}
    assert any(r["passage"][1] - r["passage"][0] >= 2 for r in expected)

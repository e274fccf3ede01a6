"""Every transcript convention of tests/fixtures/conventions is read into the right turns
with the default options: speaker (any case), role and text (whitespace aside)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mbt_nlp.readers import read_transcript

CONVENTIONS = Path(__file__).parent / "fixtures" / "conventions"
EXPECTED = json.loads((CONVENTIONS / "expected.json").read_text(encoding="utf-8"))


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_convention_is_read_into_the_right_turns(name):
    got = [(t.speaker.casefold(), t.role, _plain(t.text))
           for t in read_transcript(CONVENTIONS / name)]
    assert got == [(speaker.casefold(), role, _plain(text))
                   for speaker, role, text in EXPECTED[name]]

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mbt_nlp

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MIBOT = SHARED / "data" / "mibot" / "transcripts"
needs_mibot = pytest.mark.skipif(
    not MIBOT.is_dir(), reason="../shared/data/mibot (real transcripts) is not beside the repo"
)


@pytest.fixture(scope="session")
def nlp():
    return mbt_nlp.load(rules_only=True)


@pytest.fixture(scope="session")
def full_nlp():
    """The bundled trained pipeline, loaded once per test run (tests must not
    reconfigure it)."""
    return mbt_nlp.load()


def mibot_utterance(prefix: str, index: int) -> str:
    """A real client line from the MIBot corpus, by file prefix and utterance index."""
    (path,) = MIBOT.glob(f"{prefix}*.json")
    return json.loads(path.read_text(encoding="utf-8"))["utterances"][index]["text"]


def families(doc) -> set[str]:
    return {span.kb_id_ for span in doc.spans["mbt"]}


def labels(doc) -> set[str]:
    return {span.label_ for span in doc.spans["mbt"]}

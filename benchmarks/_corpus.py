"""The benchmark corpus: the real MIBot transcripts (../shared/data/mibot), replicated."""

from __future__ import annotations

import shutil
from pathlib import Path

from mbt_nlp.readers import read_transcript
from mbt_nlp.transcript import Turn

MIBOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "mibot" / "transcripts"


def mibot_files() -> list[Path]:
    files = sorted(MIBOT.glob("*.json"))
    if not files:
        raise SystemExit(f"no MIBot transcripts at {MIBOT}")
    return files


def turns(copies: int = 1) -> list[Turn]:
    base = [turn for f in mibot_files() for turn in read_transcript(f)]
    return base * copies


def replicate(target: Path, copies: int) -> list[Path]:
    """`copies` copies of every MIBot file under `target` (distinct names)."""
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(copies):
        for f in mibot_files():
            dest = target / f"{f.stem[:12]}_{i:03d}.json"
            shutil.copy(f, dest)
            out.append(dest)
    return out


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)

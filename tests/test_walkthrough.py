"""The README's "Coding a corpus" walkthrough runs end to end, exactly as written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- walkthrough: tests/test_walkthrough.py runs this block -->"


def walkthrough_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text.split(MARKER, 1)[1]
    found = re.match(r"\s*```bash\n(.*?)```", after, re.S)
    assert found, "the walkthrough marker must be followed by a bash block"
    return found[1]


def test_the_walkthrough_block_is_found_and_names_each_step():
    block = walkthrough_block()
    for command in ("mbt tag", "mbt export", "mbt import", "mbt agree", "mbt train",
                    "mbt evaluate", "--operating-point"):
        assert command in block


@pytest.mark.slow
def test_the_walkthrough_runs(tmp_path):
    # The README tells readers to type `mbt`: its absence is a failure, not a skip.
    assert shutil.which("mbt") is not None, "the mbt console command is not installed"
    (tmp_path / "mbt_nlp").mkdir()
    (tmp_path / "mbt_nlp" / "examples").symlink_to(ROOT / "mbt_nlp" / "examples")
    result = subprocess.run(["bash", "-e", "-c", walkthrough_block()], cwd=tmp_path,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "coding"
    agreement = json.loads((out / "agreement.json").read_text(encoding="utf-8"))
    assert "coder_a" in json.dumps(agreement) and "non_mentalizing" in json.dumps(agreement)
    metrics = json.loads((out / "levels_metrics.json").read_text(encoding="utf-8"))
    assert metrics["leave_one_writer_out"]["macro_f1"] > 0.6
    records = [json.loads(line) for line in
               (out / "session_levels.jsonl").read_text(encoding="utf-8").splitlines()]
    client = [r for r in records if r["role"] == "client"]
    assert client and all(r["code"] in {"non_mentalizing", "mentalizing", "neutral"}
                          for r in client)
    assert (out / "disputed.csv").read_text(encoding="utf-8").count("\n") > 1
    assert (out / "session_review.jsonl").exists() and (out / "session_coded.jsonl").exists()

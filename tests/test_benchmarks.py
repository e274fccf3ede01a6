"""The real-speech benchmarks run end to end and fail with one line on a wrong file."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)


def test_flag_rates_prints_every_length_bucket_and_no_text(tmp_path):
    session = tmp_path / "s.txt"
    session.write_text("T: How was it?\nC: So-\nT: Go on.\n"
                       "C: Nobody will ever want me, that's just how it is.\n", encoding="utf-8")
    result = run("benchmarks/flag_rates.py", str(session), "--clinician", "T", "--show", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2 client turns tagged")
    assert [line.split()[0] for line in lines[2:7]] == ["1-10", "11-30", "31-100", ">100", "all"]
    assert "Nobody" not in result.stdout  # ids only, never transcript text


def test_annomi_check_refuses_another_file_in_one_line(tmp_path):
    csv = tmp_path / "AnnoMI-simple.csv"
    csv.write_text("transcript_id,utterance_id,interlocutor,utterance_text\n0,0,client,Hi\n",
                   encoding="utf-8")
    result = run("benchmarks/annomi_check.py", str(csv))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {csv}: not the AnnoMI file the labels refer to (SHA-256 "
        f"{__import__('hashlib').sha256(csv.read_bytes()).hexdigest()[:12]}..., expected "
        "b178db3b0b98...)"]


def test_annomi_check_refuses_a_bad_label_file_by_line(tmp_path):
    labels = tmp_path / "labels.tsv"
    labels.write_text("id\tlabel\tsecondary\nannomi_0:11\tnone\t\nannomi_0:23\tmaybe\t\n",
                      encoding="utf-8")
    result = run("benchmarks/annomi_check.py", str(tmp_path / "AnnoMI-simple.csv"),
                 "--labels", str(labels))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {labels}:3: expected an id and one of psychic_equivalence, teleological, "
        "pretend, mentalizing, none"]


def test_annomi_check_held_out_names_an_annomi_informed_rule_the_model_lacks(tmp_path):
    import json
    import shutil

    model = tmp_path / "model"
    shutil.copytree(REPO / "models" / "mbt_en", model)
    rules_file = model / "mbt_markers" / "rules.json"
    rules = json.loads(rules_file.read_text(encoding="utf-8"))
    rules["rules"] = [r for r in rules["rules"] if r["id"] != "pe.kind_verdict"]
    rules_file.write_text(json.dumps(rules), encoding="utf-8")
    result = run("benchmarks/annomi_check.py", str(tmp_path / "AnnoMI-simple.csv"),
                 "--model", str(model), "--held-out")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: AnnoMI-informed marker rules not in the model: pe.kind_verdict"]


def test_annomi_check_refuses_a_bad_sweep_in_one_line(tmp_path):
    result = run("benchmarks/annomi_check.py", str(tmp_path / "AnnoMI-simple.csv"),
                 "--sweep", "0.1,often")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: --sweep wants thresholds such as 0.15,0.1 (got '0.1,often')"]


def test_annomi_sweep_line_names_the_worst_bucket_and_counts_modes():
    sys.path.insert(0, str(REPO / "benchmarks"))
    from annomi_check import Scored, sweep_line

    rows = ([("1-10", False, False, 0.0)] * 9 + [("1-10", True, False, 0.3)]
            + [("31-100", True, False, 0.4)] + [("31-100", False, False, 0.0)] * 3
            + [("31-100", True, True, 0.9), ("11-30", False, True, 0.01)])
    line = sweep_line(0.15, Scored(rows=rows))
    assert line.split() == ["0.15", "14.3%", "(2/14)", "25.0%", "(1/4)", "31-100",
                            "1", "of", "2"]


def test_annomi_table_gives_the_auroc_an_interval_over_sessions():
    sys.path.insert(0, str(REPO / "benchmarks"))
    from annomi_check import Scored, table

    rows = ([("1-10", False, False, p) for p in np.linspace(0.0, 0.5, 30)]
            + [("31-100", True, True, 0.9), ("31-100", False, True, 0.2),
               ("11-30", False, True, 0.4)])
    sessions = [f"o{i}" for i in range(30)] + ["m1", "m1", "m2"]
    figures: dict = {}
    lines = table(Scored(rows=rows, sessions=sessions), figures)
    low, high = figures["auroc_interval"]
    assert low < figures["auroc"] < high
    assert lines[-1].endswith(f"(95% interval {low:.2f}-{high:.2f}, 32 sessions resampled)")
    figures = {}
    assert "interval" not in table(Scored(rows=rows), figures)[-1]  # no sessions, no interval
    assert "auroc_interval" not in figures


def test_heldout_check_prints_counts_and_no_text():
    import pandas as pd

    result = run("benchmarks/heldout_check.py")
    assert result.returncode == 0, result.stderr
    sets = sorted((REPO / "annotations" / "heldout").glob("*.tsv"))
    assert len(sets) >= 3
    for path in sets:
        table = pd.read_csv(path, sep="\t", keep_default_na=False)
        assert f"\n{path.stem}: " in result.stdout
        assert not any(text[:30] in result.stdout for text in table.text)
    assert "59 of 60 turns" in result.stdout  # relief_acts: h21 left out
    # Every agreed mode turn of a set is counted in its "all" row.
    blocks = result.stdout.split("\n\n")
    relief = next(b for b in blocks if b.startswith("relief_acts:"))
    assert "of 29" in relief.splitlines()[-1]


def test_heldout_check_names_a_missing_set():
    result = run("benchmarks/heldout_check.py", "--set", "no_such_set")
    assert result.returncode == 2
    assert "no held-out set no_such_set" in result.stderr.splitlines()[-1]

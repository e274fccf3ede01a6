"""Batch tagging: per-file outputs, failures reported, resume, kill safety, Dask."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

import mbt_nlp
from mbt_nlp.batch.run import PipelineSpec, TaskOptions, run_batch
from tests.conftest import MIBOT, REPO, needs_mibot

EXAMPLE = REPO / "mbt_nlp" / "examples" / "session.txt"
runner = CliRunner()


def corpus(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    shutil.copy(EXAMPLE, src / "session.txt")
    (src / "sub" / "group.csv").write_text(
        "session,turn,speaker,text\ng1,0,T,How is everyone?\ng1,1,Mia,Nobody cares.\n"
        "g1,2,Sam,Maybe they do.\n", encoding="utf-8")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (src / "empty.txt").write_bytes(b"")
    (src / "broken.csv").write_text("speaker,text\nT,hello\nC,one,two\n", encoding="utf-8")
    return src


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_directory_with_bad_files(tmp_path):
    src, out = corpus(tmp_path), tmp_path / "out"
    result = runner.invoke(app, ["tag", str(src), "--out-dir", str(out), "--format", "jsonl",
                                 "--format", "csv", "--quiet"])
    assert result.exit_code == 1, result.output
    errors = read_jsonl(out / "errors.jsonl")
    assert sorted(e["file"].rsplit("/", 1)[-1] for e in errors) == [
        "binary.txt", "broken.csv", "empty.txt"]
    assert next(e for e in errors if e["file"].endswith("broken.csv"))["line"] == 3
    assert len(read_jsonl(out / "session.jsonl")) == 24
    assert len(read_jsonl(out / "sub" / "group.jsonl")) == 3
    table = pd.read_csv(out / "session.csv")
    assert len(table) == 24 and {"mode", "p_pretend", "markers_teleological"} <= set(table)
    sessions = pd.read_csv(out / "_all_sessions.csv")
    assert set(sessions["speaker"]) >= {"Client", "Therapist", "Mia", "Sam"}
    markers = pd.read_csv(out / "_all_markers.csv")
    assert {"words", "rule", "family", "status"} <= set(markers.columns) and len(markers) > 0


def test_rerun_skips_finished_files_and_force_redoes(tmp_path):
    src, out = corpus(tmp_path), tmp_path / "out"
    args = ["tag", str(src), "--out-dir", str(out), "--quiet"]
    runner.invoke(app, args)
    stamp = (out / "session.jsonl").stat().st_mtime_ns
    again = runner.invoke(app, args)
    assert "2 already done" in again.output
    assert (out / "session.jsonl").stat().st_mtime_ns == stamp
    runner.invoke(app, [*args, "--force"])
    assert (out / "session.jsonl").stat().st_mtime_ns != stamp


def test_refuses_directory_of_another_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["tag", str(EXAMPLE), "--out-dir", str(out), "--quiet"])
    assert result.exit_code == 2 and "--force" in result.output
    other = runner.invoke(app, ["tag", str(EXAMPLE), "--out-dir", str(tmp_path / "o2")])
    assert other.exit_code == 0
    changed = runner.invoke(app, ["tag", str(EXAMPLE), "--out-dir", str(tmp_path / "o2"),
                                  "--format", "csv"])
    assert changed.exit_code == 2


def test_usage_errors_exit_2(tmp_path):
    assert runner.invoke(app, ["tag", str(EXAMPLE)]).exit_code == 2
    assert runner.invoke(app, ["tag", str(EXAMPLE), "--out-dir", str(tmp_path / "o"),
                               "--format", "xlsx"]).exit_code == 2


def test_stdin_and_parquet_and_docbin(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["tag", "-", "--out-dir", str(out), "--format", "parquet",
                                 "--format", "spacy", "--quiet"],
                           input="T: How was it?\nClient: It just is. He hates me.\n")
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "stdin.parquet")
    assert list(table["role"]) == ["clinician", "client"]
    from spacy.tokens import DocBin

    nlp = mbt_nlp.load(rules_only=True)
    docs = list(DocBin().from_disk(out / "stdin.spacy").get_docs(nlp.vocab))
    assert docs[1].user_data["mbt_turn"]["speaker"] == "Client"
    assert {s.kb_id_ for s in docs[1].spans["mbt"]} == {"psychic_equivalence"}


def test_tag_dataframe_keeps_index_and_rows():
    df = pd.DataFrame({"who": ["T", "C", "C"],
                       "words": ["How was it?", "He hates me. It just is.", "Fine."]},
                      index=[7, 8, 9])
    out = mbt_nlp.tag_dataframe(df, text="words", speaker="who", session=None)
    assert list(out.index) == [7, 8, 9]
    assert list(out["role"]) == ["clinician", "client", "client"]
    assert out.loc[8, "mode"] == "psychic_equivalence"
    assert pd.isna(out.loc[7, "mode"])


@needs_mibot
@pytest.mark.slow
def test_killed_run_then_rerun_gives_complete_outputs(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    files = sorted(MIBOT.glob("*.json"))[:40]
    for f in files:
        shutil.copy(f, src / f.name)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mbt_nlp.cli.main", "tag", str(src), "--out-dir", str(out),
           "--quiet", "--rules-only"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out.glob("*.jsonl"))) < 5:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(list(out.glob("*.jsonl"))) < len(files), "the run finished before the kill"
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert not list(out.rglob("*.tmp"))
    for f in files:
        expected = len(json.loads(f.read_text())["utterances"])
        assert len(read_jsonl(out / f"{f.stem}.jsonl")) == expected


@pytest.mark.slow
def test_dask_gives_the_same_records_as_local(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    src = corpus(tmp_path)
    for bad in ("binary.txt", "empty.txt", "broken.csv"):
        (src / bad).unlink()
    spec = PipelineSpec(rules_only=True)
    local = TaskOptions(str(tmp_path / "local"), ("jsonl",), spec=spec)
    run_batch([str(src)], local, jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = TaskOptions(str(tmp_path / "dask"), ("jsonl",), spec=spec)
        result = run_batch([str(src)], remote, scheduler=cluster.scheduler_address)
    assert result.exit_code == 0 and result.tagged == 2
    for name in ("session.jsonl", "sub/group.jsonl"):
        assert read_jsonl(tmp_path / "dask" / name) == read_jsonl(tmp_path / "local" / name)


@pytest.mark.slow
def test_jobs_two_gives_the_same_records(tmp_path):
    src = corpus(tmp_path)
    spec = PipelineSpec(rules_only=True)
    one = TaskOptions(str(tmp_path / "one"), ("jsonl",), spec=spec)
    two = TaskOptions(str(tmp_path / "two"), ("jsonl",), spec=spec)
    r1, r2 = run_batch([str(src)], one, jobs=1), run_batch([str(src)], two, jobs=2)
    assert len(r1.errors) == len(r2.errors) == 3
    assert read_jsonl(tmp_path / "one" / "session.jsonl") == read_jsonl(
        tmp_path / "two" / "session.jsonl")


def test_the_main_process_of_a_run_with_workers_never_loads_the_pipeline(tmp_path):
    # Workers tag; the run only schedules. spaCy and pandas in it cost about a second
    # of start-up that the workers wait for (--jobs 2 was 0.8 of the machine's ceiling).
    src = corpus(tmp_path)
    code = ("import atexit, sys; from mbt_nlp.cli.main import app; "
            "atexit.register(lambda: print('LOADED', sorted(m for m in ('spacy', 'pandas', "
            "'sklearn') if m in sys.modules))); app()")
    done = subprocess.run(
        [sys.executable, "-c", code, "tag", str(src), "--out-dir", str(tmp_path / "out"),
         "--format", "jsonl", "--format", "csv", "--quiet", "--rules-only", "--jobs", "2"],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr  # the corpus has three bad files
    assert "LOADED []" in done.stdout, done.stdout
    assert len(read_jsonl(tmp_path / "out" / "session.jsonl")) == 24
    assert len(pd.read_csv(tmp_path / "out" / "_all_markers.csv")) > 0


def test_html_batch_writes_a_page_per_session_and_an_index(tmp_path):
    src = corpus(tmp_path)
    (src / "sub" / "two.csv").write_text(
        "session,speaker,text\na,T,Hi\na,C,It just is.\nb,T,Hello\nb,C,Maybe I was scared.\n",
        encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["tag", str(src), "--out-dir", str(out), "--format", "html",
                                 "--rules-only", "--quiet"])
    assert result.exit_code == 1  # the three bad files
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert pages == ["index.html", "session.html", "sub/group.html", "sub/two-a.html",
                     "sub/two-b.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    for page in pages[1:]:
        assert f'href="./{page}"' in index
    assert "Hello" in (out / "sub" / "two-b.html").read_text(encoding="utf-8")


def test_html_batch_index_says_how_often_the_run_flagged(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.csv").write_text(
        "session,speaker,text\na,T,How was it?\na,C,It just is. He hates me.\n"
        "b,T,And then?\nb,C,Maybe he was tired after the shift.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["tag", str(src), "--out-dir", str(out), "--format", "html",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "of 2 client turns; by length: 1-10 words" in index


def test_csv_cells_that_look_like_formulas_are_neutralised(tmp_path):
    import pandas as pd

    from mbt_nlp.writers.formulas import FORMULA_STARTS
    from mbt_nlp.writers.tables import write_table

    payloads = ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"x\")", "- well"]
    rows = [{"text": p, "score": -0.5} for p in payloads]
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    write_table(rows, safe, "csv")
    write_table(rows, raw, "csv", raw_cells=True)
    cells = pd.read_csv(safe, keep_default_na=False)["text"].tolist()
    assert not any(c.startswith(FORMULA_STARTS) for c in cells)
    assert cells == ["'" + p for p in payloads]  # nothing else changed
    assert pd.read_csv(safe)["score"].tolist() == [-0.5] * len(payloads)  # numbers stay numbers
    assert pd.read_csv(raw, keep_default_na=False)["text"].tolist() == payloads


def test_symlinks_outside_the_input_folder_are_skipped_unless_asked(tmp_path, caplog):
    from mbt_nlp.batch.run import discover

    outside = tmp_path / "private" / "other.txt"
    outside.parent.mkdir()
    outside.write_text("C: Not for this batch.\n", encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "mine.txt").write_text("C: Mine.\n", encoding="utf-8")
    (folder / "inside.txt").symlink_to(folder / "mine.txt")
    (folder / "leak.txt").symlink_to(outside)
    with caplog.at_level("WARNING", logger="mbt_nlp"):
        names = {task.name for task in discover([str(folder)])}
    assert names == {"mine", "inside"}
    assert "leak.txt" in caplog.text and "outside" in caplog.text
    assert "Not for this batch" not in caplog.text  # the warning never shows content
    followed = {task.name for task in discover([str(folder)], follow_symlinks=True)}
    assert followed == {"mine", "inside", "leak"}


def test_index_links_cannot_become_script_urls(tmp_path):
    from mbt_nlp.writers.report import relative_href

    for name in ("javascript:alert(12)-con.html", "data:text/html,x.html", "a b/c?.html"):
        href = relative_href(name)
        assert href.startswith("./") and ":" not in href and " " not in href
    assert relative_href("sub/page.html") == "./sub/page.html"


@pytest.mark.slow
def test_batch_index_links_are_relative_and_encoded(tmp_path):
    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "javascript:alert(12).txt").write_text(
        "T: Hello.\nC: He hates me, it just is.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["tag", str(folder), "--out-dir", str(out),
                                      "--format", "html", "--rules-only", "--quiet"])
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="javascript:' not in index and 'href="./javascript%3Aalert' in index


def test_a_file_with_zero_turns_is_reported_and_leaves_no_outputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n",
                                      encoding="utf-8")
    (folder / "ok.txt").write_text("T: Hello.\nC: It just is.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["tag", str(folder), "--out-dir", str(out), "--format", "csv", "--rules-only",
            "--quiet"]
    for _ in range(2):  # a re-run reads the combined tables again: no traceback either time
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
        assert [e["file"] for e in errors] == [str(folder / "empty.vtt")]
        assert "no turns" in errors[0]["reason"]
        assert not list(out.glob("empty*"))
        assert len(pd.read_csv(out / "_all_sessions.csv")) >= 1


def test_single_output_mode_turns_any_broken_file_into_one_line(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("T: Hello.\nC: It just is.\n", encoding="utf-8")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip archive")
    surrogate = tmp_path / "odd.jsonl"
    surrogate.write_text('{"speaker": "C", "text": "caf\\udc80 it just is"}\n', encoding="utf-8")
    out = tmp_path / "all.jsonl"
    result = CliRunner().invoke(app, ["tag", str(good), str(broken), str(surrogate),
                                      "--rules-only", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "broken.docx" in result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # Every turn of the readable files is written; a lone surrogate (no character) -> U+FFFD.
    assert [r["source_file"].rsplit("/", 1)[-1] for r in records] == [
        "good.txt", "good.txt", "odd.jsonl"]
    assert records[2]["text"] == "caf\ufffd it just is"

"""Batch runs that never stall, never collide, never leak: time limits, one run per
directory, workers that die with the run, memory flat in the number of files, and
one-line errors for pathological JSON and an unreachable Dask scheduler."""

from __future__ import annotations

import html
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pandas as pd
import pytest
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

from mbt_nlp.batch.combine import join_tables, write_index
from mbt_nlp.batch.outdir import host_name, locked
from mbt_nlp.batch.run import PipelineSpec, TaskOptions, run_batch
from mbt_nlp.batch.tag_file import pipeline_for
from tests.conftest import REPO

EXAMPLE = REPO / "mbt_nlp" / "examples" / "session.txt"
STALLING_MBT = REPO / "tests" / "fixtures" / "stalling_mbt.py"  # "slow" files stall
TRANSCRIPT = "T: How was the week?\nC: He hates me, it just is.\n"
DEAD_PID = 2**30  # above any pid Linux or macOS hands out
# In-process runs: the fast tests start no worker processes.
NO_WORKERS = ["--file-timeout", "0", "--rules-only", "--quiet"]
runner = CliRunner()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def stalling_run(args: list[str], stall: float = 120, **popen) -> subprocess.Popen:
    env = {**os.environ, "MBT_TEST_STALL": str(stall)}
    return subprocess.Popen([sys.executable, str(STALLING_MBT), *args], env=env, **popen)


# -- one run per output directory ----------------------------------------------------------------

def test_a_run_stops_at_once_when_another_holds_the_directory(tmp_path):
    out = tmp_path / "out"
    with locked(out):  # as a run of this process would
        result = runner.invoke(app, ["tag", str(EXAMPLE), "--out-dir", str(out), *NO_WORKERS])
        assert result.exit_code == 2
        assert result.output.splitlines() == [
            f"error: another mbt run (pid {os.getpid()}) is writing to {out}; wait or use "
            "another --out-dir"]
        assert [p.name for p in out.iterdir()] == [".mbt-lock"]  # nothing written
    assert not (out / ".mbt-lock").exists()
    again = runner.invoke(app, ["tag", str(EXAMPLE), "--out-dir", str(out), *NO_WORKERS])
    assert again.exit_code == 0, again.output
    assert len(read_jsonl(out / "session.jsonl")) == 24
    assert not (out / ".mbt-lock").exists()


def test_a_killed_runs_leftovers_are_taken_over_and_a_live_runs_files_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # What `kill -9` of a run leaves: its lock file (no process holds it any more) and its
    # half-written temporary files. Beside them, the temporary folder of a live run.
    (out / ".mbt-lock").write_text(json.dumps({"pid": DEAD_PID, "host": host_name()}))
    dead = out / f".mbt-tmp-{host_name()}-{DEAD_PID}-0a1b2c3d" / "0"
    live = out / f".mbt-tmp-{host_name()}-{os.getpid()}-0a1b2c3d" / "0"
    for folder in (dead, live):
        folder.mkdir(parents=True)
        (folder / "session.jsonl").write_text("half a record", encoding="utf-8")
    result = runner.invoke(app, ["tag", str(EXAMPLE), "--out-dir", str(out), *NO_WORKERS])
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(out / "session.jsonl")) == 24
    assert not dead.parent.exists()
    assert (live / "session.jsonl").read_text(encoding="utf-8") == "half a record"
    assert not (out / ".mbt-lock").exists()


@pytest.mark.slow
def test_a_second_run_into_the_same_directory_stops_at_once(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in ("a.txt", "slow.txt"):
        (src / name).write_text(TRANSCRIPT, encoding="utf-8")
    first = stalling_run(["tag", str(src), "--out-dir", str(out), *NO_WORKERS], stall=15)
    try:
        lock = out / ".mbt-lock"
        assert wait_for(lambda: lock.is_file() and str(first.pid) in lock.read_text(), 60)
        second = subprocess.run([sys.executable, "-m", "mbt_nlp.cli.main", "tag", str(src),
                                 "--out-dir", str(out), "--rules-only"],
                                capture_output=True, text=True, timeout=60)
        assert first.poll() is None, "the first run ended before the second started"
        assert second.returncode == 2
        assert second.stderr.splitlines() == [
            f"error: another mbt run (pid {first.pid}) is writing to {out}; wait or use "
            "another --out-dir"]
        assert first.wait(timeout=120) == 0
    finally:
        first.kill()
        first.wait()
    for name in ("a", "slow"):
        assert len(read_jsonl(out / f"{name}.jsonl")) == 2
    assert not (out / ".mbt-lock").exists() and not list(out.glob(".mbt-tmp-*"))


# -- time limit per file ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_over_the_time_limit_is_reported_and_the_batch_goes_on(tmp_path, jobs):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in ("a.txt", "slow.txt", "z.txt"):
        (src / name).write_text(TRANSCRIPT, encoding="utf-8")
    run = stalling_run(["tag", str(src), "--out-dir", str(out), "--file-timeout", "3",
                        "--jobs", str(jobs), "--rules-only", "--quiet"],
                       stderr=subprocess.PIPE, text=True)
    try:
        # The slow file has written its JSONL (to the run's staging folder) and stalls.
        assert wait_for(lambda: list(out.glob(".mbt-tmp-*/*/slow.jsonl")), 60)
        _, stderr = run.communicate(timeout=60)  # far less than the 120 s stall
    finally:
        run.kill()
        run.wait()
    assert run.returncode == 1, stderr
    assert read_jsonl(out / "errors.jsonl") == [
        {"file": str(src / "slow.txt"), "line": None, "record": None, "error": "Timeout",
         "reason": "took longer than 3 s"}]
    assert f"error: {src / 'slow.txt'}: took longer than 3 s" in stderr
    assert "Traceback" not in stderr
    # No part of the slow file's outputs, no temporary files, no lock left behind.
    assert sorted(p.name for p in out.iterdir()) == [
        ".mbt-run.json", "_all_markers.csv", "_all_sessions.csv", "a.jsonl", "a.markers.csv",
        "a.sessions.csv", "errors.jsonl", "z.jsonl", "z.markers.csv", "z.sessions.csv"]
    assert set(pd.read_csv(out / "_all_sessions.csv")["output"]) == {"a", "z"}


@pytest.mark.slow
def test_on_dask_a_file_over_the_time_limit_is_reported_and_the_batch_goes_on(tmp_path,
                                                                              monkeypatch):
    distributed = pytest.importorskip("distributed")
    import mbt_nlp.batch.tag_file as tag_file

    write_table = tag_file.write_table

    def stalling(rows, path, *args, **kwargs):
        if Path(path).name.startswith("slow.markers"):
            time.sleep(4)
        return write_table(rows, path, *args, **kwargs)

    monkeypatch.setattr(tag_file, "write_table", stalling)  # Dask threads in this process see it
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.txt", "slow.txt", "z.txt"):
        (src / name).write_text(TRANSCRIPT, encoding="utf-8")
    options = TaskOptions(str(tmp_path / "out"), ("jsonl",), spec=PipelineSpec(rules_only=True))
    pipeline_for(options.spec)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        result = run_batch([str(src)], options, scheduler=cluster.scheduler_address,
                           file_timeout=1.5)
        time.sleep(4)  # the stalled task ends on the worker; its outputs never land
    assert (result.tagged, result.failed) == (2, 1)
    assert [(e["file"], e["reason"]) for e in result.iter_errors()] == [
        (str(src / "slow.txt"), "took longer than 1.5 s")]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.jsonl")) == [
        "a.jsonl", "errors.jsonl", "z.jsonl"]


# -- workers die with the run ---------------------------------------------------------------

def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, IndexError, ValueError):
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent has not looked


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_when_the_run_is_killed_with_sigkill(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(4):
        (src / f"slow{i}.txt").write_text(TRANSCRIPT, encoding="utf-8")
    run = stalling_run(["tag", str(src), "--out-dir", str(out), "--jobs", "2", "--rules-only",
                        "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started: set[int] = set()
    try:
        # Both workers are inside a file (JSONL written, stalled before the tables).
        assert wait_for(lambda: len(list(out.glob(".mbt-tmp-*/*/slow*.jsonl"))) == 2, 90)
        started = descendants(run.pid)
        assert len(started) >= 2
        os.kill(run.pid, signal.SIGKILL)  # no cleanup runs in the killed process
        run.wait()
        assert wait_for(lambda: not any(running(pid) for pid in started), 10), [
            Path(f"/proc/{pid}/cmdline").read_bytes() for pid in started if running(pid)]
    finally:
        run.kill()
        run.wait()
        for pid in started:  # only if the test failed: leave no process behind
            if running(pid):
                with suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


# -- memory flat in the number of files ------------------------------------------------------------

# In a process of its own: threads that other tests leave behind (a Dask cluster's task
# ending late) allocate too, and tracemalloc counts every thread.
PEAK_MEMORY = """
import sys, tracemalloc
from pathlib import Path
from mbt_nlp.batch.run import PipelineSpec, TaskOptions, run_batch
from mbt_nlp.batch.tag_file import pipeline_for

tmp, transcript = Path(sys.argv[1]), sys.argv[2]
spec = PipelineSpec(rules_only=True)
pipeline_for(spec)  # built before measuring
for count in map(int, sys.argv[3:]):
    src = tmp / f"in{count}"
    src.mkdir()
    for i in range(count):
        (src / f"s{i:04d}.txt").write_text(transcript, encoding="utf-8")
    options = TaskOptions(str(tmp / f"out{count}"), ("jsonl",), spec=spec)
    tracemalloc.start()
    run_batch([str(src)], options)
    print(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
"""


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_files(tmp_path):
    done = subprocess.run([sys.executable, "-c", PEAK_MEMORY, str(tmp_path), TRANSCRIPT,
                           "110", "330"], capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    small, large = map(int, done.stdout.split())  # both above a batch of combined tables
    # Per-file outcomes and tables once stayed in memory: 45 kB more per file.
    assert (large - small) / 220 < 8_000, (small, large)


def test_combined_tables_unite_the_columns_and_types_of_all_parts(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text('"session","turns"\n"s1",2\n', encoding="utf-8")
    b.write_text('"session","turns","share"\n"s2",3,0.5\n"=s3",4,\n', encoding="utf-8")
    target = tmp_path / "all.csv"
    join_tables(lambda: [("a", a), ("-b", b)], target, "csv")
    # Columns of all parts, a missing cell empty; text that a spreadsheet would run as a
    # formula neutralised (the output name too); numbers stay numbers.
    assert target.read_text(encoding="utf-8").splitlines() == [
        '"output","session","turns","share"', '"a","s1",2,', '"\'-b","s2",3,0.5',
        '"\'-b","\'=s3",4,']


def test_combined_csv_keeps_every_cell_as_its_own_file_wrote_it(tmp_path):
    # Once re-read with pandas: a session "007" came out as the number 7.
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    tricky = '"she said ""no"", then\nleft"'  # a comma, quotes and a line break in one cell
    a.write_text(f'"session","turn","text"\n"007",1,{tricky}\n"007",2,"-1"\n',
                 encoding="utf-8")
    b.write_text('"text","session","p"\n"x",12,0.30000000000000004', encoding="utf-8")
    target = tmp_path / "all.csv"
    join_tables(lambda: [("a", a), ("b", b)], target, "csv")
    assert target.read_text(encoding="utf-8") == (
        '"output","session","turn","text","p"\n'
        f'"a","007",1,{tricky},\n'
        '"a","007",2,"\'-1",\n'  # a part written without neutralising gets it here
        '"b",12,,"x",0.30000000000000004\n')
    rows = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert rows["session"].tolist() == ["007", "007", "12"]
    assert rows["text"][0] == 'she said "no", then\nleft'
    join_tables(lambda: [("a", a)], target, "csv", raw_cells=True)
    assert target.read_text(encoding="utf-8").splitlines()[-1] == '"a","007",2,"-1"'

    pa, pb = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pd.DataFrame({"session": ["s1"], "turns": [2], "note": [None]}).to_parquet(pa)
    pd.DataFrame({"session": ["s2"], "turns": [2.5], "note": ["x"]}).to_parquet(pb)
    target = tmp_path / "all.parquet"
    join_tables(lambda: [("a", pa), ("b", pb)], target, "parquet")
    table = pd.read_parquet(target)
    assert list(table.columns) == ["output", "session", "turns", "note"]
    assert table["turns"].tolist() == [2.0, 2.5]
    assert table["note"].isna().tolist() == [True, False] and table["note"][1] == "x"


def test_index_lists_every_listed_session_and_model(tmp_path):
    entry = {"client_turns": 1, "client_words": 4, "flagged": {}, "share_mentalizing": None}
    one, two = tmp_path / "one.html.json", tmp_path / "two.html.json"
    one.write_text(json.dumps([{**entry, "session": "s1", "href": "./one.html",
                                "model": "m 1"}]), encoding="utf-8")
    two.write_text(json.dumps([{**entry, "session": "s2", "href": "./two-a.html", "model": "m 1"},
                               {**entry, "session": "s3", "href": "./two-b.html",
                                "model": "rules 2"}]), encoding="utf-8")
    target = tmp_path / "index.html"
    write_index(lambda: [one, two], target)
    page = target.read_text(encoding="utf-8")
    assert "3 sessions" in page and "model m 1, rules 2" in page
    for name in ("one", "two-a", "two-b"):
        assert f'href="./{name}.html"' in page


def test_index_adds_up_every_listed_sessions_flag_counts(tmp_path):
    entry = {"client_turns": 40, "client_words": 5000, "flagged": {}, "share_mentalizing": None}

    def counts(flagged: int) -> dict:
        return {"judged": {">100": 20}, "flagged": {">100": flagged}}

    one, two = tmp_path / "one.html.json", tmp_path / "two.html.json"
    one.write_text(json.dumps([{**entry, "session": "s1", "href": "./one.html",
                                "flag_rates": counts(3)}]), encoding="utf-8")
    # s3: a listing written before listings carried counts (a run resumed after an upgrade)
    two.write_text(json.dumps([{**entry, "session": "s2", "href": "./two-a.html",
                                "flag_rates": counts(4)},
                               {**entry, "session": "s3", "href": "./two-b.html"}]),
                   encoding="utf-8")
    target = tmp_path / "index.html"
    write_index(lambda: [one, two], target)
    page = html.unescape(target.read_text(encoding="utf-8"))
    assert "Flagged 7 of 40 client turns; by length: >100 words 17.5% (7/40)" in page
    assert ("; 1 session listed without counts (tagged by an earlier version) is not "
            "counted.") in page
    assert "Note:</strong> A mode was flagged on 18% of 40 turns of >100 words" in page


# -- pathological inputs and addresses -------------------------------------------------------

def test_json_nested_100000_levels_deep_is_one_input_error(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    good = tmp_path / "good.txt"
    good.write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "deep.json").write_text(deep, encoding="utf-8")
    (tmp_path / "deep.jsonl").write_text('{"speaker": "C", "text": "It just is."}\n' + deep
                                         + "\n", encoding="utf-8")
    inputs = [str(good), str(tmp_path / "deep.json"), str(tmp_path / "deep.jsonl")]
    single = runner.invoke(app, ["tag", *inputs, "--rules-only", "-o", str(tmp_path / "o.jsonl")])
    assert single.exit_code == 1
    assert "Traceback" not in single.output and "RecursionError" not in single.output
    errors = [line for line in single.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {tmp_path / 'deep.json'}: JSON nested too deeply")
    assert errors[1].startswith(f"error: {tmp_path / 'deep.jsonl'}:2: JSON nested too deeply")
    assert len(read_jsonl(tmp_path / "o.jsonl")) == 2  # the good file, whole

    out = tmp_path / "out"
    batch = runner.invoke(app, ["tag", *inputs, "--out-dir", str(out), *NO_WORKERS])
    assert batch.exit_code == 1 and "Traceback" not in batch.output
    reported = sorted(read_jsonl(out / "errors.jsonl"), key=lambda e: e["file"])
    assert [(e["file"], e["line"], e["error"]) for e in reported] == [
        (inputs[1], None, "InputError"), (inputs[2], 2, "InputError")]
    assert all(e["reason"].startswith("JSON nested too deeply") for e in reported)
    assert len(read_jsonl(out / "good.jsonl")) == 2


def test_an_unreachable_dask_scheduler_is_one_line_within_seconds(tmp_path):
    pytest.importorskip("distributed")
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    out = tmp_path / "out"
    start = time.monotonic()
    result = runner.invoke(app, ["tag", str(EXAMPLE), "--out-dir", str(out), "--scheduler",
                                 address, "--rules-only"])
    assert time.monotonic() - start < 10
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith(f"error: no Dask scheduler answered at {address}: check that "
                               "the scheduler is running")
    assert not out.exists()  # stopped before touching the directory


def test_batch_result_keeps_counts_not_outcomes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (src / "b.txt").write_bytes(b"")
    seen = []
    options = TaskOptions(str(tmp_path / "out"), ("jsonl",), spec=PipelineSpec(rules_only=True))
    result = run_batch([str(src)], options, on_done=seen.append)
    assert (result.tagged, result.turns, result.skipped, result.failed) == (1, 2, 0, 1)
    assert sorted(o["file"] for o in seen) == [str(src / "a.txt"), str(src / "b.txt")]
    assert [e["file"] for e in result.iter_errors()] == [str(src / "b.txt")]
    assert result.exit_code == 1

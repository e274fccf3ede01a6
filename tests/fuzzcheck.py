"""Run generated files (fuzzgen.py) through mbt's entry points and check the fuzz properties.

The ways in are the user's:

- `read_transcript`, then tagging with the rules-only pipeline (`annotate_turns`),
  timed per file ("direct");
- `run_batch`, the code of `mbt tag --out-dir`: a bad file is one line in
  errors.jsonl, a good one one JSONL output ("batch");
- the `mbt tag -o` and `mbt tag --out-dir` commands themselves, in a subprocess,
  for a subset ("cli").

For every file: no traceback (only one-line `MbtError`s), no file over the time
limit, and the turns of a valid file each exactly once, in order, intact
(speaker, role, text with whitespace collapsed). Shared by tests/test_fuzz.py
(small budget) and benchmarks/fuzz.py (large).
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fuzzgen import ANY, CLINICIANS, ERROR, FORMATS, MAYBE, VALID, FuzzFile, Turn, normalise

from mbt_nlp.errors import MbtError
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.transcript import RoleMap

PER_FILE_SECONDS = 5.0
ONE_LINE_ERRORS = frozenset({"MbtError", "InputError", "ResourceError", "ModelError"})
OK, FAILED, TRACEBACK, TIMEOUT = "ok", "error", "traceback", "timeout"


def path_of(folder: Path, file: FuzzFile) -> Path:
    """Where a generated file is written: one folder per read-options group, then format."""
    return folder / file.group / file.fmt / file.name


def write_corpus(files: Iterable[FuzzFile], folder: Path) -> list[FuzzFile]:
    written = []
    for file in files:
        path = path_of(folder, file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file.data)
        written.append(file)
    return written


def read_options(group: str) -> ReadOptions:
    """The options a group of files is read with (`mbt tag` with or without --clinician)."""
    if group == "named":
        return ReadOptions(roles=RoleMap.from_options(clinician=",".join(CLINICIANS)))
    return ReadOptions()


def cli_flags(group: str) -> list[str]:
    return ["--clinician", ",".join(CLINICIANS)] if group == "named" else []


@dataclass
class Outcome:
    status: str  # OK, FAILED (a one-line error), TRACEBACK or TIMEOUT
    seconds: float
    turns: tuple[Turn, ...] = ()
    message: str = ""  # the one-line error, or the traceback's end


def record_turns(records: Iterable[dict]) -> tuple[Turn, ...]:
    return tuple(Turn(r["speaker"], r["role"], normalise(r["text"])) for r in records)


_NLP: dict[str, object] = {}


def rules_only_nlp():
    if "nlp" not in _NLP:
        import mbt_nlp

        _NLP["nlp"] = mbt_nlp.load(rules_only=True)
    return _NLP["nlp"]


def tag_file(path: str, group: str) -> Outcome:
    """Read and tag one file as `mbt tag` does, timing both."""
    from mbt_nlp.annotation.turns import annotate_turns

    nlp = rules_only_nlp()
    start = time.perf_counter()
    try:
        transcript = read_transcript(path, read_options(group))
        records = list(annotate_turns(nlp, transcript.turns))
    except MbtError as err:
        return Outcome(FAILED, time.perf_counter() - start, message=str(err))
    except BaseException as err:  # the property under test: never this
        if isinstance(err, KeyboardInterrupt):
            raise
        lines = traceback.format_exception(err)
        return Outcome(TRACEBACK, time.perf_counter() - start,
                       message="".join(lines[-4:]).strip()[-600:])
    return Outcome(OK, time.perf_counter() - start, record_turns(records))


def tag_files(jobs: list[tuple[str, str]], workers: int = 0, hard_limit: float = 60.0,
              on_done: Callable[[int], None] | None = None) -> list[Outcome]:
    """`tag_file` for each (path, group): here (workers=0) or in worker processes that are
    killed after `hard_limit` seconds on one file (so a hang is reported, not waited for)."""
    if workers == 0:
        outcomes = []
        for n, (path, group) in enumerate(jobs):
            outcomes.append(tag_file(path, group))
            if on_done:
                on_done(n)
        return outcomes
    from concurrent.futures import TimeoutError as FutureTimeout

    from pebble import ProcessExpired, ProcessPool

    outcomes: list[Outcome | None] = [None] * len(jobs)
    with ProcessPool(max_workers=workers, initializer=rules_only_nlp) as pool:
        futures = [pool.schedule(tag_file, (path, group), timeout=hard_limit)
                   for path, group in jobs]
        for n, future in enumerate(futures):
            try:
                outcomes[n] = future.result()
            except FutureTimeout:
                outcomes[n] = Outcome(TIMEOUT, hard_limit, message="killed")
            except ProcessExpired as err:
                outcomes[n] = Outcome(TRACEBACK, 0.0, message=f"worker died ({err.exitcode})")
            if on_done:
                on_done(n)
    return [o for o in outcomes if o is not None]


# -- the properties --------------------------------------------------------------------------

def compare_turns(expected: Sequence[Turn], got: Sequence[Turn]) -> tuple[int, str]:
    """(expected turns found, in order, exactly; '' or what differs first)."""
    matcher = difflib.SequenceMatcher(None, list(expected), list(got), autojunk=False)
    found = sum(block.size for block in matcher.get_matching_blocks())
    if found == len(expected) == len(got):
        return found, ""
    for tag, i1, _i2, j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            want = expected[i1] if i1 < len(expected) else None
            have = got[j1] if j1 < len(got) else None
            return found, (f"{len(expected)} turns expected, {len(got)} read; first difference "
                           f"at turn {i1}: expected {_short(want)}, read {_short(have)}")
    return found, "turn counts differ"


def _short(turn: Turn | None) -> str:
    if turn is None:
        return "nothing"
    text = turn.text if len(turn.text) <= 70 else f"{turn.text[:40]}…{turn.text[-20:]}"
    return f"({turn.speaker!r}, {turn.role}, {len(turn.text)} chars {text!r})"


@dataclass
class Verdict:
    """What one way in did with one file, against what the file must do."""

    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail)
    expected: int = 0  # turns that had to be read
    found: int = 0


def judge(file: FuzzFile, outcome: Outcome, limit: float = PER_FILE_SECONDS) -> Verdict:
    verdict = Verdict()
    problem = verdict.problems.append
    if outcome.status == TRACEBACK:
        problem(("traceback", outcome.message))
    elif outcome.status == TIMEOUT or outcome.seconds > limit:
        problem(("timeout", f"{outcome.seconds:.1f} s (limit {limit:g} s)"))
    if outcome.status == FAILED and ("\n" in outcome.message or not outcome.message):
        problem(("message", f"not one line: {outcome.message[:200]!r}"))
    if outcome.status not in (OK, FAILED):
        return verdict
    if file.expect == VALID or (file.expect == MAYBE and outcome.status == OK):
        verdict.expected = len(file.turns)
        if outcome.status != OK:
            problem(("refused", f"valid file refused: {outcome.message}"))
        else:
            verdict.found, difference = compare_turns(file.turns, outcome.turns)
            if difference:
                problem(("turns", difference))
    elif file.expect == ERROR and outcome.status == OK:
        problem(("accepted", f"should be refused, read {len(outcome.turns)} turn(s)"))
    return verdict


# -- run_batch (mbt tag --out-dir) -------------------------------------------------------------

def run_batch_groups(folder: Path, out: Path, files: Sequence[FuzzFile], *, jobs: int = 1,
                     file_timeout: float = 0) -> dict[str, Outcome]:
    """Every group of `folder` through run_batch, as `mbt tag DIR --out-dir OUT --rules-only`
    would; the outcome of each file, read back from errors.jsonl and the outputs."""
    from mbt_nlp.batch.run import PipelineSpec, TaskOptions, run_batch

    outcomes: dict[str, Outcome] = {}
    for group in sorted({f.group for f in files}):
        options = TaskOptions(str(out / group), ("jsonl",), read_options(group),
                              spec=PipelineSpec(rules_only=True))
        result = run_batch([str(folder / group)], options, jobs=jobs, file_timeout=file_timeout,
                           force=True)
        for error in result.iter_errors():
            kind = error.get("error")
            if kind == "Timeout":
                status = TIMEOUT
            elif kind in ONE_LINE_ERRORS and not str(error.get("reason", "")).startswith(
                    "unexpected"):
                status = FAILED
            else:
                status = TRACEBACK
            outcomes[error["file"]] = Outcome(status, 0.0, message=f"{kind}: {error['reason']}")
    for file in files:
        path = str(path_of(folder, file))
        if path in outcomes:
            continue
        output = out / file.group / file.fmt / Path(file.name).with_suffix(".jsonl")
        if not output.is_file():
            outcomes[path] = Outcome(TRACEBACK, 0.0, message="neither an output nor an error")
            continue
        with output.open(encoding="utf-8") as handle:
            outcomes[path] = Outcome(OK, 0.0, record_turns(json.loads(line) for line in handle))
    return outcomes


# -- the commands ------------------------------------------------------------------------------

def spread_subset(files: Sequence[FuzzFile], n: int) -> list[FuzzFile]:
    """About `n` files for the commands: first one of every format and kind of file (so a
    rare kind is never left out), then others evenly spread."""
    chosen: dict[int, FuzzFile] = {}
    seen = set()
    for file in files:
        kind = (file.fmt, file.expect, file.how.split()[0])
        if kind not in seen:
            seen.add(kind)
            chosen[file.index] = file
    step = max(1, len(files) // max(1, n - len(chosen)))
    for file in files[::step]:
        if len(chosen) >= n:
            break
        chosen.setdefault(file.index, file)
    return sorted(chosen.values(), key=lambda f: f.index)


def run_cli(folder: Path, out: Path, files: Sequence[FuzzFile],
            outcomes: dict[str, Outcome]) -> list[tuple[FuzzFile | None, str, str]]:
    """`mbt tag FILES -o OUT` and `mbt tag FILES --out-dir OUT` per group, in a subprocess.

    `outcomes` are the files' direct outcomes, which the commands must agree with.
    Returns problems as (file or None, kind, detail)."""
    problems: list[tuple[FuzzFile | None, str, str]] = []
    env = {**os.environ, "COLUMNS": "200"}
    for group in sorted({f.group for f in files}):
        members = [f for f in files if f.group == group]
        paths = [str(path_of(folder, f)) for f in members]
        failing = {p for p in paths if outcomes[p].status != OK}
        base = [sys.executable, "-m", "mbt_nlp.cli.main", "tag", *paths, "--rules-only",
                *cli_flags(group)]
        jsonl = out / f"{group}.jsonl"
        for mode, extra in (("-o", ["-o", str(jsonl), "--force"]),
                            ("--out-dir", ["--out-dir", str(out / f"{group}-dir"), "--quiet",
                                           "--file-timeout", str(PER_FILE_SECONDS * 4)])):
            done = subprocess.run([*base, *extra], capture_output=True, text=True, env=env,
                                  timeout=600)
            where = f"mbt tag {mode} ({group})"
            if "Traceback" in done.stderr or done.returncode not in (0, 1):
                tail = done.stderr.strip().splitlines()[-1:] or [""]
                problems.append((None, "traceback", f"{where}: exit {done.returncode}, "
                                 f"{tail[0][:300]}"))
                continue
            errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
            if len(errors) != len(failing) or (done.returncode == 1) != bool(failing):
                problems.append((None, "cli", f"{where}: {len(errors)} error line(s) and exit "
                                 f"{done.returncode} for {len(failing)} unreadable file(s)"))
        if jsonl.is_file():
            by_file: dict[str, list[dict]] = {}
            with jsonl.open(encoding="utf-8") as handle:
                for line in handle:
                    record = json.loads(line)
                    by_file.setdefault(record["source_file"], []).append(record)
            for file, path in zip(members, paths, strict=True):
                got = record_turns(by_file.get(path, []))
                if outcomes[path].status == OK and got != outcomes[path].turns:
                    problems.append((file, "turns", "mbt tag -o: " +
                                     compare_turns(outcomes[path].turns, got)[1]))
                elif outcomes[path].status != OK and got:
                    problems.append((file, "turns", "mbt tag -o wrote turns of a file that "
                                     "cannot be read"))
    return problems


# -- the tally ---------------------------------------------------------------------------------

@dataclass
class FormatTally:
    files: int = 0
    valid: int = 0  # generated with known turns (VALID, MAYBE)
    broken: int = 0
    read: int = 0  # files read without error (batch)
    tracebacks: int = 0
    timeouts: int = 0
    other: int = 0  # other violations: turns, refused, accepted, message, disagreement
    expected: int = 0
    found: int = 0
    slowest: float = 0.0
    slowest_file: str = ""


@dataclass
class Tally:
    formats: dict[str, FormatTally] = field(
        default_factory=lambda: {fmt: FormatTally() for fmt in FORMATS})
    violations: list[tuple[FuzzFile | None, str, str]] = field(default_factory=list)

    def add(self, file: FuzzFile, direct: Outcome, batch: Outcome | None = None,
            limit: float = PER_FILE_SECONDS) -> None:
        """Count one file: its direct outcome and, when run, its run_batch outcome."""
        row = self.formats[file.fmt]
        row.files += 1
        if file.expect in (VALID, MAYBE):
            row.valid += 1
        else:
            row.broken += 1
        if direct.seconds > row.slowest:
            row.slowest, row.slowest_file = direct.seconds, file.name
        kinds = []
        for way, outcome in (("direct", direct), ("batch", batch)):
            if outcome is None:
                continue
            verdict = judge(file, outcome, limit)
            for kind, detail in verdict.problems:
                kinds.append(kind)
                self.violations.append((file, kind, f"{way}: {detail}"))
            if way == "batch" or batch is None:  # the figures are those of the user's path
                row.expected += verdict.expected
                row.found += verdict.found
                row.read += outcome.status == OK
        if batch is not None and (direct.status == OK) != (batch.status == OK):
            kinds.append("disagree")
            self.violations.append((file, "disagree", f"direct {direct.status}, batch "
                                    f"{batch.status}: {batch.message or direct.message}"))
        elif batch is not None and direct.status == OK and batch.turns != direct.turns:
            kinds.append("disagree")
            self.violations.append((file, "disagree", "run_batch output differs from the "
                                    "turns read: " + compare_turns(direct.turns, batch.turns)[1]))
        row.tracebacks += "traceback" in kinds
        row.timeouts += "timeout" in kinds
        row.other += any(k not in ("traceback", "timeout") for k in kinds)

    def add_cli(self, problems: list[tuple[FuzzFile | None, str, str]]) -> None:
        for file, kind, detail in problems:
            self.violations.append((file, kind, detail))
            if file is not None:
                row = self.formats[file.fmt]
                row.tracebacks += kind == "traceback"
                row.other += kind != "traceback"

    def table(self) -> str:
        head = ("format", "files", "valid", "broken", "read", "tracebacks", "timeouts",
                "other", "turns expected", "turns found", "slowest s")
        rows = [head]
        total = FormatTally()
        for fmt, row in self.formats.items():
            if not row.files:
                continue
            rows.append((fmt, row.files, row.valid, row.broken, row.read, row.tracebacks,
                         row.timeouts, row.other, row.expected, row.found, f"{row.slowest:.2f}"))
            for name in ("files", "valid", "broken", "read", "tracebacks", "timeouts", "other",
                         "expected", "found"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
            total.slowest = max(total.slowest, row.slowest)
        rows.append(("all", total.files, total.valid, total.broken, total.read,
                     total.tracebacks, total.timeouts, total.other, total.expected, total.found,
                     f"{total.slowest:.2f}"))
        lines = ["| " + " | ".join(map(str, head)) + " |",
                 "|" + "|".join("---" if i == 0 else "--:" for i in range(len(head))) + "|"]
        lines += ["| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row)
                  + " |" for row in rows[1:]]
        return "\n".join(lines)

    @property
    def ok(self) -> bool:
        return not self.violations

    def report(self, limit: int = 40) -> str:
        lines = []
        for file, kind, detail in self.violations[:limit]:
            name = f"{file.name} [{file.how}; expect {file.expect}]" if file else "-"
            lines.append(f"{kind:10} {name}: {detail}")
        if len(self.violations) > limit:
            lines.append(f"... and {len(self.violations) - limit} more")
        return "\n".join(lines)


__all__ = ["ANY", "ERROR", "MAYBE", "PER_FILE_SECONDS", "VALID", "Outcome", "Tally",
           "judge", "path_of", "run_batch_groups", "run_cli", "spread_subset", "tag_file",
           "tag_files", "write_corpus"]

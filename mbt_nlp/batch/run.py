"""Many transcript files -> one output per file, in parallel, resumable, honest.

Each input file is one task: a bad file fails alone and is reported in
`DIR/errors.jsonl`, and so is a file that takes longer than the time limit;
the others go on. A task writes into the run's own staging folder and the
main process moves its outputs into place once all are written (outdir.py),
so an output that exists is complete; a re-run skips inputs whose outputs all
exist and are newer than the input (`force` redoes them). One run at a time
writes into a directory. Tasks run here, in local worker processes, or on a
Dask cluster (execute.py); each worker process builds the pipeline once and
reuses it. Only counts stay in memory: outcomes are handed on as files
finish, and the combined tables and index are built from the files on disk.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mbt_nlp.annotation.flag_rates import FlagRates
from mbt_nlp.batch.combine import Part, join_tables
from mbt_nlp.batch.combine import write_index as write_index_page
from mbt_nlp.batch.execute import Failure, check_scheduler, run_tasks
from mbt_nlp.batch.outdir import LOCK_FILE, TMP_PREFIX, Staging, locked, remove_stale
from mbt_nlp.batch.tasks import OUTPUT_FORMATS, PipelineSpec, Task, TaskOptions, output_paths
from mbt_nlp.batch.usage import UsageError
from mbt_nlp.readers import SUFFIXES, detect_format
from mbt_nlp.readers.stdin import STDIN, saved_stdin

LOG = logging.getLogger("mbt_nlp")
__all__ = ["OUTPUT_FORMATS", "BatchResult", "PipelineSpec", "Task", "TaskOptions", "UsageError",
           "discover", "run_batch"]
RUN_FILE = ".mbt-run.json"
ERRORS_FILE = "errors.jsonl"


def discover(inputs: Sequence[str], glob: str | None = None,
             input_format: str | None = None, *, follow_symlinks: bool = False) -> list[Task]:
    """Files, directories (recursive; `glob` filters, default: known suffixes) and '-'.

    A symlink inside a directory that points outside it is skipped with a warning
    (naming the link, never its content) unless `follow_symlinks`: tagging a folder
    must not read files the user did not put there.
    """
    found: list[tuple[Path, Path]] = []  # (file, name relative to its input)
    for item in inputs:
        if item == STDIN:
            continue
        path = Path(item)
        if path.is_dir():
            root = path.resolve()
            for file in sorted(path.rglob(glob or "*")):
                if file.is_file() and not file.name.startswith(".") and (
                    glob or input_format or file.suffix.lower() in SUFFIXES
                ):
                    if (file.is_symlink() and not follow_symlinks
                            and not file.resolve().is_relative_to(root)):
                        LOG.warning("skipped %s: a symlink to a file outside %s "
                                    "(--follow-symlinks to read it)", file, path)
                        continue
                    found.append((file, file.relative_to(path)))
        else:
            found.append((path, Path(path.name)))
    names: dict[str, int] = {}
    for _, rel in found:
        key = str(rel.with_suffix(""))
        names[key] = names.get(key, 0) + 1
    tasks = []
    for file, rel in found:
        stem = str(rel.with_suffix(""))
        # a.txt and a.csv side by side keep their suffix in the name, so neither overwrites.
        name = stem if names[stem] == 1 else f"{stem}_{rel.suffix.lstrip('.')}"
        source = str(file)
        tasks.append(Task(source, name, source))
    if STDIN in inputs:
        tasks.append(Task(STDIN, "stdin", STDIN))
    return tasks


def is_complete(task: Task, options: TaskOptions) -> bool:
    if task.source == STDIN:
        return False
    paths = output_paths(task.name, options).values()
    try:
        source_time = os.path.getmtime(task.source)
        return all(p.is_file() and p.stat().st_mtime >= source_time for p in paths)
    except OSError:
        return False


# The two entry points of the processes that tag (module-level, so they pickle by name).
# They import the pipeline's side there: this process only schedules, and spaCy and
# the classifiers cost it about a second of start-up that two workers wait for.

def tag(task: Task, options: TaskOptions) -> dict[str, Any]:
    """Tag one file and write its outputs (tag_file.py); never raises for bad input."""
    from mbt_nlp.batch.tag_file import tag_file

    return tag_file(task, options)


def build_pipeline(spec: PipelineSpec) -> None:
    """Build a worker's pipeline before its first file (not counted in that file's time)."""
    from mbt_nlp.batch.tag_file import pipeline_for

    pipeline_for(spec)


@dataclass
class BatchResult:
    """What a run did, in counts: each file's outcome goes to `on_done` as it finishes
    and its error to DIR/errors.jsonl, so memory does not grow with the number of files."""

    errors_file: Path
    tagged: int = 0  # files
    turns: int = 0
    skipped: int = 0  # already done
    failed: int = 0
    flags: FlagRates = field(default_factory=FlagRates)  # of the files tagged in this run

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def iter_errors(self) -> Iterator[dict[str, Any]]:
        """This run's errors (file, line, record, error, reason), read back from disk."""
        if not self.errors_file.is_file():
            return
        with self.errors_file.open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.iter_errors())


def failed(task: Task, error: str, reason: str) -> dict[str, Any]:
    """The outcome of a task that has no outputs."""
    return {"file": task.label, "name": task.name, "turns": 0,
            "error": {"file": task.label, "line": None, "record": None, "error": error,
                      "reason": reason}}


def prepare_out_dir(out_dir: Path, options: TaskOptions, force: bool) -> None:
    """Refuse a non-empty directory of another run (other files or other settings)."""
    run_file = out_dir / RUN_FILE
    fingerprint = options.fingerprint()
    contents = [p for p in out_dir.iterdir()
                if p.name != LOCK_FILE and not p.name.startswith(TMP_PREFIX)]
    if contents and not force:
        previous = None
        if run_file.is_file():
            try:
                previous = json.loads(run_file.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                previous = None
        if previous != fingerprint:
            raise UsageError(
                "output directory is not empty and was not written by a run with these "
                "settings; use --force to write into it anyway", out_dir)
    run_file.write_text(json.dumps(fingerprint, indent=1), encoding="utf-8")


def run_batch(
    inputs: Sequence[str],
    options: TaskOptions,
    *,
    glob: str | None = None,
    force: bool = False,
    jobs: int = 1,
    scheduler: str | None = None,
    file_timeout: float = 0,
    stdin_text: Callable[[], bytes] | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    follow_symlinks: bool = False,
) -> BatchResult:
    """Tag every input into `options.out_dir`; see the module docstring.

    A file still being tagged after `file_timeout` seconds (0: no limit) is stopped and
    reported. Raises `UsageError` before any work when the run cannot start as asked
    (`OutDirBusy` when another run is writing to the directory).
    """
    out_dir = Path(options.out_dir)
    tasks = discover(inputs, glob, options.input_format, follow_symlinks=follow_symlinks)
    if not tasks:
        raise UsageError("no input files found" + (f" matching {glob!r}" if glob else ""),
                         ", ".join(inputs))
    for task in tasks:
        if task.source != STDIN:
            detect_format(task.source, options.input_format)  # usage error before any work
    if scheduler is not None:
        check_scheduler(scheduler)  # within seconds, before touching the directory
    with locked(out_dir):
        prepare_out_dir(out_dir, options, force)
        remove_stale(out_dir)
        staging = Staging(out_dir)
        try:
            return _run(tasks, options, staging, force=force, jobs=jobs, scheduler=scheduler,
                        file_timeout=file_timeout, stdin_text=stdin_text, on_done=on_done,
                        on_start=on_start)
        finally:
            staging.close()


def _run(tasks: list[Task], options: TaskOptions, staging: Staging, *, force: bool, jobs: int,
         scheduler: str | None, file_timeout: float, stdin_text: Callable[[], bytes] | None,
         on_done: Callable[[dict[str, Any]], None] | None,
         on_start: Callable[[int, int], None] | None) -> BatchResult:
    result = BatchResult(staging.out_dir / ERRORS_FILE)
    todo = []
    for index, task in enumerate(tasks):
        if not force and is_complete(task, options):
            result.skipped += 1
        else:
            task.stage = str(staging.folder(str(index)))
            todo.append(task)
    summary = staging.folder("summary")
    summary.mkdir()
    needs_stdin = any(task.source == STDIN for task in todo)
    with (saved_stdin(stdin_text) if needs_stdin else contextlib.nullcontext()) as stdin_path, \
            (summary / ERRORS_FILE).open("w", encoding="utf-8") as errors:
        for task in todo:
            if task.source == STDIN:
                task.source = str(stdin_path)
        if on_start:
            on_start(len(todo), result.skipped)
        outcomes = run_tasks(todo, functools.partial(tag, options=options), jobs=jobs,
                             timeout=file_timeout, scheduler=scheduler,
                             warm_up=functools.partial(build_pipeline, options.spec))
        for task, outcome in outcomes:
            if isinstance(outcome, Failure):
                outcome = failed(task, outcome.error, outcome.reason)
            stage = Path(str(task.stage))
            if not outcome["error"] and not stage.is_dir():
                outcome = failed(task, "OutputsMissing", "its outputs were written where this "
                                 "machine cannot see them: with --scheduler, --out-dir must be "
                                 "on a file system the Dask workers share")
            if outcome["error"]:
                staging.discard(stage)  # whatever it wrote before failing
                errors.write(json.dumps(outcome["error"], ensure_ascii=False) + "\n")
                errors.flush()
                result.failed += 1
            else:
                staging.commit(stage, last=completion_markers(task, options))
                result.tagged += 1
                result.turns += outcome["turns"]
                result.flags.merge(outcome.get("flags"))
            if on_done:
                on_done(outcome)
    combine_tables(tasks, options, summary)
    if "html" in options.formats:
        write_index(tasks, options, summary)
    staging.commit(summary)
    return result


def completion_markers(task: Task, options: TaskOptions) -> list[Path]:
    """The outputs moved into place last, in this order: their presence marks the set
    complete (relative to the output directory)."""
    paths = output_paths(task.name, options, Path())
    return [*([paths["html"]] if "html" in paths else []), paths["markers"], paths["sessions"]]


def write_index(tasks: Sequence[Task], options: TaskOptions, folder: Path) -> None:
    """`folder`/index.html: every session page of every complete input."""
    def listings() -> Iterator[Path]:
        for task in tasks:
            listing = output_paths(task.name, options)["html"]
            if listing.is_file():
                yield listing

    write_index_page(listings, folder / "index.html")


def combine_tables(tasks: Sequence[Task], options: TaskOptions, folder: Path) -> None:
    """`folder`/_all_sessions.* and _all_markers.*: every complete input's tables, joined
    (read from disk one file at a time)."""
    fmt = options.table_format
    for table in ("sessions", "markers"):
        join_tables(functools.partial(_tables, tasks, options, table),
                    folder / f"_all_{table}.{fmt}", fmt, raw_cells=options.raw_cells)


def _tables(tasks: Sequence[Task], options: TaskOptions, table: str) -> Iterator[Part]:
    for task in tasks:
        path = output_paths(task.name, options)[table]
        if path.is_file():
            yield task.name, path

"""Many transcript files -> one output per file, in parallel, resumable, honest.

Each input file is one task: a bad file fails alone and is reported in
`DIR/errors.jsonl`; the others go on. Outputs are written atomically, so an
output that exists is complete; a re-run skips inputs whose outputs all
exist and are newer than the input (`force` redoes them). Tasks run in local
processes with joblib, or on a Dask cluster through joblib's dask backend;
each worker process builds the pipeline once and reuses it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language

from mbt_nlp.annotation.summary import marker_rows, session_rows, turn_row
from mbt_nlp.annotation.turns import annotate_pairs
from mbt_nlp.errors import MbtError
from mbt_nlp.readers import SUFFIXES, ReadOptions, detect_format, read_transcript
from mbt_nlp.readers.stdin import STDIN, saved_stdin, stdin_format
from mbt_nlp.writers import JsonlWriter, atomic_output
from mbt_nlp.writers.tables import write_docbin, write_table

LOG = logging.getLogger("mbt_nlp")
OUTPUT_FORMATS = ("jsonl", "csv", "parquet", "spacy", "html")
RUN_FILE = ".mbt-run.json"
ERRORS_FILE = "errors.jsonl"


class UsageError(MbtError):
    """The run cannot start as asked (exit code 2)."""


@dataclass(frozen=True)
class PipelineSpec:
    """What pipeline to build: small and picklable, so workers can build their own."""

    base: str | None = None
    model: str | None = None
    rules_only: bool = False
    prior: tuple[tuple[str, float], ...] | None = None
    threshold: float | None = None

    def build(self) -> Language:
        from mbt_nlp import load

        nlp = load(self.base, self.model, self.rules_only)
        if nlp.has_pipe("mbt_classifier") and (self.prior or self.threshold is not None):
            nlp.get_pipe("mbt_classifier").configure(
                dict(self.prior) if self.prior else None, self.threshold)
        return nlp


_PIPELINES: dict[PipelineSpec, Language] = {}


def pipeline_for(spec: PipelineSpec) -> Language:
    """One pipeline per spec per process (joblib and Dask workers reuse it across tasks)."""
    if spec not in _PIPELINES:
        _PIPELINES[spec] = spec.build()
    return _PIPELINES[spec]


@dataclass(frozen=True)
class TaskOptions:
    out_dir: str
    formats: tuple[str, ...]
    read_options: ReadOptions = field(default_factory=ReadOptions)
    input_format: str | None = None
    spec: PipelineSpec = field(default_factory=PipelineSpec)
    label_clinician: bool = False
    n_process: int = 1
    batch_size: int = 256
    raw_cells: bool = False  # CSV cells written as they are, formulas included

    @property
    def table_format(self) -> str:
        return "parquet" if "parquet" in self.formats else "csv"

    def fingerprint(self) -> dict[str, Any]:
        """What makes two runs' outputs interchangeable (for resume)."""
        data = asdict(self)
        data.pop("out_dir")
        data.pop("n_process")
        data.pop("batch_size")
        data["read_options"]["roles"] = {
            k: sorted(v) if v else None for k, v in data["read_options"]["roles"].items()}
        return json.loads(json.dumps(data, default=str))


@dataclass
class Task:
    source: str  # a path
    name: str  # output stem, relative to the output directory
    label: str  # how to name the input in messages ('-' for stdin)


def output_paths(task_name: str, options: TaskOptions) -> dict[str, Path]:
    out = Path(options.out_dir)
    # html: one page per session beside `<name>.html.json`, the list of those pages
    # (written last, so it marks the pages complete) from which DIR/index.html is built.
    paths = {fmt: out / (f"{task_name}.html.json" if fmt == "html" else f"{task_name}.{fmt}")
             for fmt in options.formats}
    paths["sessions"] = out / f"{task_name}.sessions.{options.table_format}"
    paths["markers"] = out / f"{task_name}.markers.{options.table_format}"
    return paths


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
        tasks.append(Task(str(file), name, str(file)))
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


def process(task: Task, options: TaskOptions) -> dict[str, Any]:
    """Tag one file and write its outputs; never raises for bad input (returns the error)."""
    try:
        fmt = stdin_format(options.input_format) if task.label == STDIN else options.input_format
        transcript = read_transcript(task.source, options.read_options, fmt)
        for turn in transcript:
            turn.source = task.label
        nlp = pipeline_for(options.spec)
        pairs = list(annotate_pairs(nlp, transcript.turns, n_process=options.n_process,
                                    batch_size=options.batch_size,
                                    label_clinician=options.label_clinician))
        write_outputs(task.name, pairs, options, nlp)
        return {"file": task.label, "name": task.name, "turns": len(pairs), "error": None}
    except MbtError as err:
        error = err.to_dict()
        error["file"] = task.label
        return {"file": task.label, "name": task.name, "turns": 0, "error": error}
    except Exception as err:  # one bad file must not stop a corpus run; say what, not the text
        return {"file": task.label, "name": task.name, "turns": 0,
                "error": {"file": task.label, "line": None, "record": None,
                          "error": type(err).__name__,
                          "reason": f"unexpected {type(err).__name__} while tagging"}}


def write_outputs(name: str, pairs: list[tuple[dict[str, Any], Any]],
                  options: TaskOptions, nlp: Language) -> None:
    paths = output_paths(name, options)
    records = [record for record, _ in pairs]
    for fmt in options.formats:
        if fmt == "jsonl":
            with atomic_output(paths[fmt]) as handle:
                writer = JsonlWriter(handle)
                for record in records:
                    writer.write(record)
        elif fmt in ("csv", "parquet"):
            write_table([turn_row(r) for r in records], paths[fmt], fmt,
                        raw_cells=options.raw_cells)
        elif fmt == "spacy":
            docs = []
            for record, doc in pairs:
                doc.user_data["mbt_turn"] = {k: record[k] for k in (
                    "session", "turn", "speaker", "role", "source_file", "source_line")}
                docs.append(doc)
            write_docbin(docs, paths[fmt])
        elif fmt == "html":
            write_session_pages(name, records, paths[fmt], nlp)
    # Tables last: their presence marks the whole set as complete.
    write_table(marker_rows(records), paths["markers"], options.table_format,
                columns=["session", "turn", "speaker", "role", "source_file", "source_line",
                         "start", "end", "words", "label", "family", "rule", "status",
                         "cancel_reason"], raw_cells=options.raw_cells)
    write_table(session_rows(records), paths["sessions"], options.table_format,
                raw_cells=options.raw_cells)


@dataclass
class BatchResult:
    tagged: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def prepare_out_dir(out_dir: Path, options: TaskOptions, force: bool) -> None:
    """Refuse a non-empty directory of another run (other files or other settings)."""
    run_file = out_dir / RUN_FILE
    fingerprint = options.fingerprint()
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
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
    out_dir.mkdir(parents=True, exist_ok=True)
    # Temporary files of a killed run: never complete, so they go.
    for stale in out_dir.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)
    run_file.write_text(json.dumps(fingerprint, indent=1), encoding="utf-8")


def run_batch(
    inputs: Sequence[str],
    options: TaskOptions,
    *,
    glob: str | None = None,
    force: bool = False,
    jobs: int = 1,
    scheduler: str | None = None,
    stdin_text: Callable[[], bytes] | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    follow_symlinks: bool = False,
) -> BatchResult:
    """Tag every input into `options.out_dir`; see the module docstring."""
    out_dir = Path(options.out_dir)
    tasks = discover(inputs, glob, options.input_format, follow_symlinks=follow_symlinks)
    if not tasks:
        raise UsageError("no input files found" + (f" matching {glob!r}" if glob else ""),
                         ", ".join(inputs))
    for task in tasks:
        if task.source != STDIN:
            detect_format(task.source, options.input_format)  # usage error before any work
    prepare_out_dir(out_dir, options, force)
    result = BatchResult()
    todo = []
    for task in tasks:
        if not force and is_complete(task, options):
            result.skipped.append(task.label)
        else:
            todo.append(task)
    needs_stdin = any(task.source == STDIN for task in todo)
    with saved_stdin(stdin_text) if needs_stdin else contextlib.nullcontext() as stdin_path:
        for task in todo:
            if task.source == STDIN:
                task.source = str(stdin_path)
        if on_start:
            on_start(len(todo), len(result.skipped))
        for outcome in _execute(todo, options, jobs, scheduler):
            (result.errors.append(outcome["error"]) if outcome["error"]
             else result.tagged.append(outcome))
            if on_done:
                on_done(outcome)
    with atomic_output(out_dir / ERRORS_FILE) as handle:
        for error in sorted(result.errors, key=lambda e: str(e["file"])):
            handle.write(json.dumps(error, ensure_ascii=False) + "\n")
    combine_tables(tasks, options)
    if "html" in options.formats:
        write_index(tasks, options)
    return result


def _execute(tasks: list[Task], options: TaskOptions, jobs: int,
             scheduler: str | None) -> Iterator[dict[str, Any]]:
    if not tasks:
        return
    if scheduler is None and jobs == 1:
        for task in tasks:
            yield process(task, options)
        return
    from joblib import Parallel, delayed, parallel_config

    calls = (delayed(process)(task, options) for task in tasks)
    if scheduler is not None:
        from dask.distributed import Client

        with Client(scheduler) as client, parallel_config(backend="dask"):
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            yield from Parallel(n_jobs=n_workers, return_as="generator_unordered")(calls)
        return
    with parallel_config(backend="loky"):
        yield from Parallel(n_jobs=jobs, return_as="generator_unordered")(calls)


def write_session_pages(name: str, records: list[dict[str, Any]], listing: Path,
                        nlp: Language) -> None:
    """One report page per session of one input, and the listing of those pages."""
    from mbt_nlp.annotation.explain import rule_reasons
    from mbt_nlp.writers.report import (
        model_identity,
        page_names,
        relative_href,
        render_report,
        session_entry,
    )

    by_session: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_session.setdefault(record["session"], []).append(record)
    reasons = rule_reasons(nlp)
    model_name, model_version = model_identity(nlp)
    folder = listing.parent
    entries = []
    stem = Path(name).name
    pages = [f"{stem}.html"] if len(by_session) == 1 else page_names(by_session, stem)
    for page, session_records in zip(pages, by_session.values(), strict=True):
        with atomic_output(folder / page) as handle:
            handle.write(render_report(session_records, reasons=reasons, model_name=model_name,
                                       model_version=model_version))
        entry = session_entry(session_records, relative_href(Path(name).parent / page))
        entries.append({**entry, "model": f"{model_name} {model_version}".strip()})
    with atomic_output(listing) as handle:
        json.dump(entries, handle, ensure_ascii=False)


def write_index(tasks: Iterable[Task], options: TaskOptions) -> None:
    """DIR/index.html: every session page of every complete input."""
    from mbt_nlp.writers.report import render_index

    entries = []
    for task in tasks:
        listing = output_paths(task.name, options)["html"]
        if listing.is_file():
            entries.extend(json.loads(listing.read_text(encoding="utf-8")))
    models = sorted({e.pop("model") for e in entries})
    with atomic_output(Path(options.out_dir) / "index.html") as handle:
        handle.write(render_index(entries, title="Session reports", model=", ".join(models)))


def combine_tables(tasks: Iterable[Task], options: TaskOptions) -> None:
    """DIR/_all_sessions.* and DIR/_all_markers.*: every complete input's tables, joined."""
    import pandas as pd

    fmt = options.table_format
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    for table in ("sessions", "markers"):
        frames = []
        for task in tasks:
            path = output_paths(task.name, options)[table]
            if path.is_file():
                frame = read(path)
                frame.insert(0, "output", task.name)
                frames.append(frame)
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        write_table(rows.to_dict("records"), Path(options.out_dir) / f"_all_{table}.{fmt}", fmt,
                    raw_cells=options.raw_cells)

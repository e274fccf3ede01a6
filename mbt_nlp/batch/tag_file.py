"""One input file's work, where files are tagged (a worker process, a Dask worker, or
the main process with one job): read it, annotate it, write its outputs.

The pipeline's modules (spaCy, the classifiers) are imported here and nowhere in the
run's main process (run.py), which only schedules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language

from mbt_nlp.annotation.flag_rates import FlagRates
from mbt_nlp.annotation.summary import MARKER_COLUMNS, marker_rows, session_rows, turn_row
from mbt_nlp.annotation.turns import annotate_pairs
from mbt_nlp.batch.tasks import PipelineSpec, Task, TaskOptions, output_paths
from mbt_nlp.errors import MbtError
from mbt_nlp.readers import read_transcript
from mbt_nlp.readers.stdin import STDIN, stdin_format
from mbt_nlp.writers import JsonlWriter, atomic_output
from mbt_nlp.writers.tables import write_docbin, write_table

_PIPELINES: dict[PipelineSpec, Language] = {}


def pipeline_for(spec: PipelineSpec) -> Language:
    """One pipeline per spec per process (local and Dask workers reuse it across tasks)."""
    if spec not in _PIPELINES:
        _PIPELINES[spec] = spec.build()
    return _PIPELINES[spec]


def tag_file(task: Task, options: TaskOptions) -> dict[str, Any]:
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
        write_outputs(task.name, pairs, options, nlp, transcript.notices, root=task.stage)
        # notices: how the file was read (e.g. who was taken as the clinician), for the user;
        # flags: counts only, so that the run can say how often it flagged, by length.
        return {"file": task.label, "name": task.name, "turns": len(pairs), "error": None,
                "notices": transcript.notices,
                "flags": FlagRates().add(record for record, _ in pairs).to_dict()}
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
                  options: TaskOptions, nlp: Language, notices: Sequence[str] = (),
                  root: str | Path | None = None) -> None:
    paths = output_paths(name, options, root)
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
            write_session_pages(name, records, paths[fmt], nlp, notices)
    # Tables last: their presence marks the whole set as complete.
    write_table(marker_rows(records), paths["markers"], options.table_format,
                columns=list(MARKER_COLUMNS), raw_cells=options.raw_cells)
    write_table(session_rows(records), paths["sessions"], options.table_format,
                raw_cells=options.raw_cells)


def write_session_pages(name: str, records: list[dict[str, Any]], listing: Path,
                        nlp: Language, notices: Sequence[str] = ()) -> None:
    """One report page per session of one input, and the listing of those pages."""
    from mbt_nlp.annotation.explain import rule_reasons
    from mbt_nlp.readers.roles import session_notices
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
            handle.write(render_report(
                session_records, reasons=reasons, model_name=model_name,
                model_version=model_version,
                notices=session_notices(notices, session_records[0]["session"])))
        entry = session_entry(session_records, relative_href(Path(name).parent / page))
        entries.append({**entry, "model": f"{model_name} {model_version}".strip()})
    with atomic_output(listing) as handle:
        json.dump(entries, handle, ensure_ascii=False)

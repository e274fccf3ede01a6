"""`mbt agree`: how far coders agree on the turns' labels, and how far the model agrees
with them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from mbt_nlp.cli.common import (
    BaseOption,
    PriorOption,
    SessionFieldOption,
    SpeakerFieldOption,
    TextFieldOption,
    ThresholdOption,
    TurnFieldOption,
    err_console,
    fail,
    load_nlp,
)
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mbt_nlp.errors import MbtError

DISAGREEMENT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}
COLUMNS = {"observed_agreement": "observed", "cohen_kappa": "Cohen's κ",
           "fleiss_kappa": "Fleiss' κ", "krippendorff_alpha": "Krippendorff's α",
           "gwet_ac1": "Gwet's AC1"}


def agree(
    coders: Annotated[list[Path], typer.Argument(
        help="One label file per coder: annotation JSONL (or a folder of them), or CSV/TSV "
             "with session, turn and label columns (or one 'session:turn' id column). "
             "A turn a coder skipped has no row or an empty label.")],
    model: Annotated[str | None, typer.Option(
        "--model", metavar="DIR|bundled", help="Add the model as one more coder: 'bundled' "
        "or a pipeline directory from `mbt train`. Each session is tagged whole, in context; "
        "the words come from the coders' JSONL files or --transcripts.")] = None,
    adjudicated: Annotated[Path | None, typer.Option(
        help="Adjudicated labels (same formats; may cover only the disputed turns, like "
             "annotations/*/raw/adjudication.tsv). The model is compared with these, and "
             "elsewhere with the human majority.")] = None,
    transcripts: Annotated[list[Path] | None, typer.Option(
        help="Transcripts holding the turns' words (any format `mbt tag` reads; a folder: "
             "annotation JSONL), when the coders' files have labels only. Repeatable.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Write every figure (per comparison, per label, intervals, confusion "
                       "matrices) as JSON here.")] = None,
    disagreements_out: Annotated[Path | None, typer.Option(
        "--disagreements", help="Write the turns the coders labelled differently, for "
        "adjudication (.csv, .jsonl or .parquet): session, turn, speaker, each coder's "
        "label, the words, and empty label/reason columns to fill in.")] = None,
    bootstrap: Annotated[int, typer.Option(
        help="Bootstrap resamples of the sessions for the 95% intervals (0: none).", min=0)
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap (the result is "
                                           "reproducible).")] = 0,
    session_field: SessionFieldOption = "session",
    turn_field: TurnFieldOption = "turn",
    label_field: Annotated[str, typer.Option(help="Field holding the coder's label.")] = "label",
    id_field: Annotated[str | None, typer.Option(
        help="One field holding 'session:turn' instead of session and turn fields (default: "
             "'id' when a file has neither).")] = None,
    speaker_field: SpeakerFieldOption = "speaker",
    text_field: TextFieldOption = "text",
    labels: Annotated[str | None, typer.Option(
        help="Comma list of the labels of your coding scheme (default: the mbt labels "
             "psychic_equivalence, teleological, pretend, mentalizing, none).")] = None,
    codebook: Annotated[Path | None, typer.Option(
        help="Your own codebook file (as for mbt train --codebook): its codes are the "
             "labels and its field the label field (unless --label-field is given); "
             "--model then compares the codes a model trained on it gives.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite the --json and --disagreements "
                                             "files.")] = False,
    base: BaseOption = None,
    prior: PriorOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Measure agreement between coders, and between the model and the coders.

    Turns are matched by session and turn. For all coders together and, with --model,
    for the model against each coder and against the adjudicated (else majority) label,
    it reports: observed agreement; Cohen's κ (two coders); Fleiss' κ (turns every
    coder coded); Krippendorff's α (nominal; any coders, skipped turns allowed); Gwet's
    AC1 (stays meaningful when a label is rare, where κ and α drop). Each overall and
    per label (that label against the rest), with a 95% interval from resampling whole
    sessions (turns of one session are not independent), and the confusion matrix.

    Example (the project's spoken sessions, two blind coders):

      mbt agree annotations/spoken/raw/labeller_a.tsv annotations/spoken/raw/labeller_b.tsv
        --adjudicated annotations/spoken/raw/adjudication.tsv --transcripts annotations/spoken
        --model bundled --disagreements disputed.csv --json agreement.json

    Exit codes: 0 done, 2 a file cannot be read or compared (one line names it).
    """
    from mbt_nlp.pipeline.resources import LABELS
    from mbt_nlp.readers.options import ReadOptions
    from mbt_nlp.research.coder_agreement import (
        add_model,
        disagreement_columns,
        disagreements,
        load_study,
        study_report,
    )
    from mbt_nlp.research.coder_files import CoderFields

    if len(coders) < 2 and model is None:
        raise fail("give two or more coders' files (or one and --model)", code=2)
    for out in (json_out, disagreements_out):
        if out is not None and out.exists() and not force:
            raise fail(f"{out}: exists; use --force to overwrite", code=2)
    if disagreements_out is not None and \
            disagreements_out.suffix.lower() not in DISAGREEMENT_FORMATS:
        raise fail(f"{disagreements_out}: --disagreements writes "
                   f"{', '.join(DISAGREEMENT_FORMATS)}", code=2)
    if codebook is not None and labels:
        raise fail("give --labels or --codebook, not both", code=2)
    if codebook is not None:
        from mbt_nlp.pipeline.codebook import load_codebook

        try:
            book = load_codebook(codebook)
        except MbtError as err:
            raise fail(err, code=2) from None
        labels = ",".join(book.labels)
        if label_field == "label":
            label_field = book.field
    categories = tuple(x.strip() for x in labels.split(",") if x.strip()) if labels else LABELS
    if len(set(categories)) < 2 or len(set(categories)) != len(categories):
        raise fail("--labels: give two or more different labels", code=2)
    fields = CoderFields(session_field, turn_field, label_field, speaker_field, text_field,
                         id_field)
    try:
        study = load_study(coders, fields, categories, adjudicated=adjudicated,
                           transcripts=transcripts or (),
                           transcript_options=ReadOptions(session_field, turn_field,
                                                          speaker_field, text_field))
        if model is not None:
            nlp = load_nlp(base, None if model == "bundled" else Path(model), False, prior,
                           threshold)
            sessions = len({session for session, _ in study.units})
            err_console.print(f"tagging the turns of {sessions} session(s) with the model ...")
            add_model(study, nlp)
        report = study_report(study, resamples=bootstrap, seed=seed)
        disputed = disagreements(study)
        columns = disagreement_columns(study)
    except MbtError as err:
        raise fail(err, code=2) from None
    show(report)
    try:
        if json_out is not None:
            json_out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        if disagreements_out is not None:
            write_disagreements(disputed, disagreements_out, columns)
            err_console.print(f"{len(disputed)} disagreement(s) -> {disagreements_out}")
    except OSError as err:
        raise fail(f"{err.filename}: cannot write: {err.strerror}") from None


def write_disagreements(records: list[dict[str, Any]], path: Path, columns: list[str]) -> None:
    from mbt_nlp.writers.jsonl import JsonlWriter, atomic_output
    from mbt_nlp.writers.tables import write_table

    fmt = DISAGREEMENT_FORMATS[path.suffix.lower()]
    if fmt == "jsonl":
        with atomic_output(path) as handle:
            writer = JsonlWriter(handle)
            for record in records:
                writer.write(record)
    else:
        write_table(records, path, fmt, columns=columns)


def show(report: dict[str, Any]) -> None:
    """The report as rich tables: every comparison side by side, then the labels and the
    confusion matrix of the main ones."""
    console = Console(highlight=False)
    comparisons = report["comparisons"]
    boot = report["bootstrap"]
    interval = (f"\\[low, high]: 95% interval, bootstrap over {report['sessions']} sessions "
                f"({boot['resamples']} resamples, seed {boot['seed']})"
                if boot["resamples"] else "no intervals (--bootstrap 0)")
    table = Table(title=f"Agreement on {report['units']} coded turns", caption=interval)
    table.add_column("")
    for entry in comparisons:
        table.add_column(escape(entry["name"]), justify="right")
    table.add_row("turns compared", *(str(e["pairable"]) for e in comparisons))
    for key, header in COLUMNS.items():
        table.add_row(header, *(_estimate(e[key]) for e in comparisons))
    console.print(table)
    if "reference" in report:
        ref = report["reference"]
        console.print(f"reference label: {ref['adjudicated']} adjudicated, {ref['majority']} "
                      f"by majority, {ref['none']} without one")
    for entry in _main_comparisons(comparisons):
        console.print(_label_table(entry))
    for entry in comparisons:
        if "confusion" in entry and (not entry["model"] or entry["name"].endswith("reference")):
            console.print(_confusion_table(entry["confusion"]))


def _main_comparisons(comparisons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The human coders together, and the model against the reference (else the coder)."""
    humans = [e for e in comparisons if not e["model"]][:1]
    model = [e for e in comparisons if e["model"]]
    return humans + model[-1:]


def _label_table(entry: dict[str, Any]) -> Table:
    coders = entry["coders"]
    table = Table(title=f"Per label, against the rest: {escape(entry['name'])}",
                  caption=f"used: how many turns {escape(' / '.join(coders))} gave the label")
    table.add_column("label", no_wrap=True)
    kappa = "cohen_kappa" if len(coders) == 2 else "fleiss_kappa"
    keys = (kappa, "krippendorff_alpha", "gwet_ac1")
    for key in keys:
        table.add_column(COLUMNS[key], justify="right", no_wrap=True)
    for label, row in entry["per_label"].items():
        used = " / ".join(str(row["codes"][c]) for c in coders)
        table.add_row(f"{escape(label)}\n[dim]used {used}[/]",
                      *(_estimate(row[key]) for key in keys))
    return table


def _confusion_table(confusion: dict[str, Any]) -> Table:
    labels = confusion["labels"]
    table = Table(title=f"Confusion: rows {escape(confusion['rows'])}, columns "
                        f"{escape(confusion['columns'])}")
    table.add_column("", no_wrap=True)
    for number in range(1, len(labels) + 1):
        table.add_column(str(number), justify="right")
    for number, (label, row) in enumerate(zip(labels, confusion["matrix"], strict=True), 1):
        table.add_row(f"{number} {escape(label)}", *map(str, row))
    return table


def _estimate(value: dict[str, Any]) -> str:
    if value["value"] is None:
        return "–"
    text = f"{value['value']:.3f}"
    if value["low"] is not None:
        text += f"\n[{value['low']:.3f}, {value['high']:.3f}]"
    return text

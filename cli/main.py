"""`mbt`: a thin Typer layer over mbt_nlp's library functions.

Errors the user can fix are printed as one line (file:line: reason) and end
with exit code 1; tracebacks never show local variables, because they would
hold transcript text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from mbt_nlp.cli.agree import agree
from mbt_nlp.cli.common import (
    KNOWN_SUFFIXES,
    BaseOption,
    ClientOption,
    ClinicianOption,
    InputFormatOption,
    MaxTurnOption,
    ModelOption,
    OperatingPointOption,
    PriorOption,
    RecordsKeyOption,
    RulesOnlyOption,
    SessionFieldOption,
    SpeakerFieldOption,
    TextFieldOption,
    ThresholdOption,
    TurnFieldOption,
    err_console,
    fail,
    load_nlp,
    note,
    read_options,
)
from mbt_nlp.cli.exchange import export, import_
from mbt_nlp.cli.report import report
from mbt_nlp.cli.suggest import suggest
from mbt_nlp.cli.trends import trends
from rich.console import Console
from rich.markup import escape

from mbt_nlp import __version__
from mbt_nlp.annotation.flag_rates import FlagRates
from mbt_nlp.errors import MbtError
from mbt_nlp.readers.options import DEFAULT_MAX_TURN_CHARS

app = typer.Typer(
    name="mbt",
    help="Mark non-mentalizing modes (MBT) in psychotherapy transcripts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mbt-nlp {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True,
                           help="Print the version and exit.")
    ] = False,
) -> None:
    """Mark non-mentalizing modes (MBT) in psychotherapy transcripts.

    Flags are candidates for discussion in supervision or research, never a diagnosis.
    """


def explain(
    text: Annotated[str, typer.Argument(help="The words to explain, e.g. \"It just is.\"")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    base: BaseOption = None,
    model: ModelOption = None,
    rules_only: RulesOnlyOption = False,
    prior: PriorOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Show each marker in TEXT: its words, label, mode family, the rule and why.

    Example: mbt explain "I know he hates me, it just is."
    """
    from mbt_nlp.annotation.explain import explain as explain_text

    try:
        result = explain_text(text, load_nlp(base, model, rules_only, prior, threshold))
    except MbtError as err:
        raise fail(err) from None
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    if not result["markers"]:
        console.print("No markers found.")
    for m in result["markers"]:
        console.print(
            f"[bold]{escape(m['text'])}[/]  {m['label']} -> {m['family']}  [dim]({m['rule']})[/]"
        )
        console.print(f"    {escape(m['reason'])}")
    for c in result["cancelled"]:
        console.print(
            f"set aside: [italic]{escape(c['text'])}[/] {c['label']} ({c['rule']}): "
            f"{c['reason']}"
        )
    families = ", ".join(f"{k} {v}" for k, v in sorted(result["families"].items()))
    console.print(f"families: {families or 'none'}", highlight=False)
    if "proba" in result:
        probs = ", ".join(f"{k} {v:.2f}" for k, v in result["proba"].items())
        console.print(f"mode: [bold]{result['mode']}[/]  ({probs})")
        if result.get("flagged_by") == "marker":
            console.print("    flagged on its marker: the modes stay under the threshold, but "
                          "the words state a fixed verdict (the marker floor)")
        if result.get("mode_evidence"):
            weighed = " · ".join(escape(w) for w in result["mode_evidence"])
            console.print(f"    words that weighed most: {weighed}")
        for seg in result["segments"]:
            words = escape(text[seg["start"]:seg["end"]])
            console.print(f"  segment {seg['mode']} {seg['probability']:.2f}: {words}")


def progress_callbacks(quiet: bool):
    """A rich progress bar on stderr (only on a terminal and without --quiet)."""
    if quiet or not sys.stderr.isatty():
        return None, None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    progress = Progress("[progress.description]{task.description}", BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                        transient=False)
    state: dict[str, int] = {}

    def on_start(todo: int, skipped: int) -> None:
        progress.start()
        label = f"tagging ({skipped} already done)" if skipped else "tagging"
        state["task"] = progress.add_task(label, total=todo)

    def on_done(outcome) -> None:
        progress.advance(state["task"])

    return progress, on_start, on_done


def tag(
    inputs: Annotated[list[str], typer.Argument(
        help="Transcript files, directories (searched recursively) or '-' for standard "
             f"input. Formats: {KNOWN_SUFFIXES}.")],
    output: Annotated[str | None, typer.Option(
        "-o", "--output", help="One JSONL file for all records ('-' for stdout).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out-dir", help="Write one output per input file here (resumable).")] = None,
    formats: Annotated[list[str] | None, typer.Option(
        "--format", help="With --out-dir: jsonl (default), csv, parquet, spacy, html (a "
                         "report page per session and index.html); repeatable. Session and "
                         "marker tables are always written too.")] = None,
    glob: Annotated[str | None, typer.Option(
        help="Which files to take from directories, e.g. '*.vtt' (default: known suffixes).")
    ] = None,
    input_format: InputFormatOption = None,
    session_field: SessionFieldOption = "session",
    turn_field: TurnFieldOption = "turn",
    speaker_field: SpeakerFieldOption = "speaker",
    text_field: TextFieldOption = "text",
    records_key: RecordsKeyOption = None,
    clinician: ClinicianOption = None,
    client: ClientOption = None,
    max_turn_chars: MaxTurnOption = DEFAULT_MAX_TURN_CHARS,
    label_clinician: Annotated[
        bool, typer.Option(help="Give clinician turns a mode label too.")
    ] = False,
    jobs: Annotated[int, typer.Option(help="Files tagged in parallel (local processes).",
                                      min=1)] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (e.g. tcp://10.0.0.5:8786): run the files there.")] = None,
    file_timeout: Annotated[float, typer.Option(
        help="With --out-dir: a file still being tagged after this many seconds is stopped "
             "and reported in DIR/errors.jsonl, and the others go on (0: no limit).",
        min=0)] = 300.0,
    n_process: Annotated[int, typer.Option(help="spaCy processes within one file (for a "
                                           "single huge file).", min=1)] = 1,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite outputs; redo finished files.")] = False,
    follow_symlinks: Annotated[bool, typer.Option(
        help="Read files that symlinks inside an input folder point to outside it "
             "(skipped with a warning by default).")] = False,
    raw_cells: Annotated[bool, typer.Option(
        "--raw-csv-cells", help="Write CSV cells as they are. By default a text cell that a "
        "spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a "
        "leading apostrophe.")] = False,
    base: BaseOption = None,
    model: ModelOption = None,
    rules_only: RulesOnlyOption = False,
    prior: PriorOption = None,
    threshold: ThresholdOption = None,
    operating_point: OperatingPointOption = None,
) -> None:
    """Tag transcripts: one record per input turn, with its evidence.

    Each record holds the turn's markers, mode, probabilities, discourse and profile,
    traceable to source file and line. The run ends by saying how often a mode was
    flagged, by turn length, with a note when that is far above ordinary sessions.

    Examples:
      mbt tag session.txt -o session.jsonl
      mbt tag corpus/ --out-dir tagged/ --format csv --jobs 2
    Exit codes: 0 all tagged, 1 some inputs failed (see DIR/errors.jsonl), 2 usage error.
    """
    if (output is None) == (out_dir is None):
        raise fail("give either -o/--output (one file) or --out-dir (one output per input)",
                   code=2)
    options = read_options(session_field, turn_field, speaker_field, text_field, records_key,
                           clinician, client, max_turn_chars)
    if output is not None:
        if formats:
            raise fail("--format goes with --out-dir; -o always writes JSONL", code=2)
        from mbt_nlp.batch.run import discover

        files = [task.source for task in discover(inputs, glob, input_format,
                                                  follow_symlinks=follow_symlinks)]
        if not files:
            raise fail("no input files found", code=2)
        _tag_to_file(files, output, options, input_format, force, n_process, label_clinician,
                     base, model, rules_only, prior, threshold, operating_point)
        return
    if operating_point is not None:
        check_operating_point(model, rules_only, operating_point)
    _tag_to_dir(inputs, out_dir, formats or ["jsonl"], glob, options, input_format, force, jobs,
                scheduler, n_process, label_clinician, quiet, base, model, rules_only, prior,
                threshold, raw_cells, follow_symlinks, file_timeout, operating_point)


def check_operating_point(model: Path | None, rules_only: bool, name: str) -> None:
    """Refuse an unknown operating point before any worker starts (one line, exit 2)."""
    from mbt_nlp.pipeline.build import bundled_model_dir

    folder = model or bundled_model_dir()
    if rules_only or folder is None:
        raise fail("--operating-point needs a classifier (not --rules-only)", code=2)
    try:
        settings = json.loads((Path(folder) / "mbt_classifier" / "settings.json").read_text(
            encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise fail(f"{folder}: no classifier settings to take an operating point from",
                   code=2) from None
    points = settings.get("operating_points") or {}
    if name not in points:
        known = ", ".join(points) or "none (run mbt evaluate --save-operating-points)"
        raise fail(f"unknown operating point {name!r}; this model has: {known}", code=2)


def _tag_to_file(inputs, output, options, input_format, force, n_process, label_clinician,
                 base, model, rules_only, prior, threshold, operating_point=None) -> None:
    from mbt_nlp.batch.stream import tag_to_jsonl

    if output != "-" and Path(output).exists() and not force:
        raise fail(f"{output}: exists; use --force to overwrite", code=2)
    try:
        nlp = load_nlp(base, model, rules_only, prior, threshold, operating_point)
        summary = tag_to_jsonl(
            inputs, output, nlp, options, input_format, n_process=n_process,
            label_clinician=label_clinician, stdin=sys.stdin.buffer.read,
            on_error=lambda e: err_console.print(f"[bold red]error:[/] {escape(str(e))}",
                                                 soft_wrap=True),
            on_notice=note,
        )
    except MbtError as err:
        raise fail(err) from None
    err_console.print(
        f"{summary.turns} turns from {summary.files} file(s) -> {output}"
        + (f"; {len(summary.errors)} file(s) failed" if summary.errors else ""),
        highlight=False,
    )
    say_flag_rates(summary.flags)
    if summary.errors:
        raise typer.Exit(code=1)


def _tag_to_dir(inputs, out_dir, formats, glob, options, input_format, force, jobs, scheduler,
                n_process, label_clinician, quiet, base, model, rules_only, prior,
                threshold, raw_cells=False, follow_symlinks=False,
                file_timeout=300.0, operating_point=None) -> None:
    from mbt_nlp.batch.run import OUTPUT_FORMATS, PipelineSpec, TaskOptions, UsageError, run_batch
    from mbt_nlp.pipeline.priors import parse_prior

    unknown = [f for f in formats if f not in OUTPUT_FORMATS]
    if unknown:
        raise fail(f"unknown --format {', '.join(unknown)} (choose from "
                   f"{', '.join(OUTPUT_FORMATS)})", code=2)
    try:
        parsed = tuple(sorted(parse_prior(prior).items())) if prior else None
    except ValueError as err:
        raise fail(f"--prior: {err}", code=2) from None
    spec = PipelineSpec(base, str(model.resolve()) if model else None, rules_only, parsed,
                        threshold, operating_point)
    task_options = TaskOptions(str(out_dir), tuple(dict.fromkeys(formats)), options,
                               input_format, spec, label_clinician, n_process,
                               raw_cells=raw_cells)
    progress, on_start, advance = progress_callbacks(quiet)

    def on_done(outcome) -> None:
        # Said as each file finishes: the run keeps no list of outcomes (memory).
        for notice in outcome.get("notices") or ():
            note(outcome["file"], notice)
        if advance is not None:
            advance(outcome)

    try:
        result = run_batch(inputs, task_options, glob=glob, force=force, jobs=jobs,
                           scheduler=scheduler, file_timeout=file_timeout,
                           stdin_text=sys.stdin.buffer.read, on_start=on_start, on_done=on_done,
                           follow_symlinks=follow_symlinks)
    except UsageError as err:
        raise fail(err, code=2) from None
    except MbtError as err:
        raise fail(err) from None
    finally:
        if progress is not None:
            progress.stop()
    for error in result.iter_errors():
        where = error["file"] + (f":{error['line']}" if error.get("line") else "")
        message = escape(f"{where}: {error['reason']}")  # a name or field may read "[/x]"
        err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    err_console.print(
        f"{result.tagged} file(s) tagged ({result.turns} turns), {result.skipped} already "
        f"done, {result.failed} failed -> {out_dir}", highlight=False)
    say_flag_rates(result.flags, "the files tagged in this run" if result.skipped else None)
    raise typer.Exit(code=result.exit_code)


def say_flag_rates(flags: FlagRates, of: str | None = None) -> None:
    """How often the run flagged a mode, by turn length (`of`: which files, when not all),
    and a note when that is far above what ordinary sessions show
    (annotation/flag_rates.py); nothing for rules-only runs."""
    if not flags.total_judged:
        return
    err_console.print(flags.summary() + (f" ({of})" if of else ""), highlight=False,
                      soft_wrap=True)
    if warning := flags.warning():
        err_console.print(f"[yellow]note:[/] {escape(warning)}", soft_wrap=True, highlight=False)


AnnotationsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Annotation JSONL files or folders (default: annotations/written, "
                   "real, spoken, rev16 and contrast of this checkout)."),
]


def default_annotations() -> list[Path]:
    """The corpus parts: written (balanced), real (MIBot), spoken and rev16 (realistic),
    contrast (balanced: modes and their look-alikes, one turn per client)."""
    root = Path(__file__).resolve().parents[1] / "annotations"
    return [root / name for name in ("written", "real", "spoken", "rev16", "contrast")]


def default_intervention_paths() -> list[Path]:
    """Where clinician turns are coded: the written and spoken parts and the sessions
    written for the intervention codes."""
    root = Path(__file__).resolve().parents[1] / "annotations"
    return [p for p in (root / "written", root / "spoken", root / "clinician" / "sessions")
            if p.exists()]


def held_out_intervention_paths() -> list[Path]:
    """Coded turns kept out of training, to check the intervention classifier on real
    speech: the rev16 interview hosts (annotations/clinician/hosts)."""
    hosts = Path(__file__).resolve().parents[1] / "annotations" / "clinician" / "hosts"
    return [hosts] if hosts.exists() else []


def train(
    annotations: AnnotationsArg = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Pipeline directory to write "
                      "(a new folder; then: mbt tag --model DIR).")] = Path("mbt_model"),
    seed: Annotated[int, typer.Option(help="Random seed (the result is reproducible).")] = 0,
    prior: Annotated[str | None, typer.Option(help="Real-world prior, e.g. "
                     "'psychic_equivalence=0.02,teleological=0.01,pretend=0.01'.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Flag a mode when P(any mode) "
                         "reaches this.", min=0, max=1)] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing pipeline.")] = False,
    combine_windows: Annotated[bool, typer.Option(
        help="Also learn to combine each long turn's window scores with the turn's own "
             "(slower; see models/EVALUATION.md for when it helps).")] = False,
    into_package: Annotated[bool, typer.Option(
        "--into-package", help="Allow writing inside the installed mbt_nlp package (only "
        "to rebuild the bundled model in a development checkout).")] = False,
    interventions: Annotated[list[Path] | None, typer.Option(
        help="Annotation files/folders whose clinician turns carry an `intervention` code "
             "(default: annotations/written, spoken and clinician/sessions); the "
             "intervention classifier is trained on them too. Repeat for several.")] = None,
    codebook: Annotated[Path | None, typer.Option(
        help="Learn your own codes instead: a codebook file (TOML or JSON: codes with "
             "definitions and flags, the role they code, the field holding them; see "
             "README 'Your own codes'). The codes are added to the bundled pipeline (or "
             "--base-model) and `mbt tag --model DIR` then writes them as `code`.")] = None,
    base_model: Annotated[Path | None, typer.Option(
        help="With --codebook: add the codes to this trained pipeline instead of the "
             "bundled one.")] = None,
) -> None:
    """Train the classifiers on annotated transcripts, or learn your own codes.

    Trains the mode classifier (and, where clinician turns are coded, the intervention
    classifier) and writes the full pipeline; with --codebook, learns a research
    group's own codes instead.

    Example: mbt train annotations/ -o my_model  (then: mbt tag --model my_model ...)
    Own codes: mbt train coded/ --codebook rf_levels.toml -o rf_model
    Rebuild the bundled model (development checkout):
      mbt train -o models/mbt_en --force --into-package
    """
    from mbt_nlp.learn.training import train_pipeline, training_warnings
    from mbt_nlp.pipeline.build import bundled_model_dir
    from mbt_nlp.pipeline.priors import parse_prior

    bundled = bundled_model_dir()
    package_dirs = [Path(__file__).resolve().parents[1] / "mbt_nlp"]
    if bundled is not None:
        package_dirs.append(bundled.parent.resolve())
    inside = [d for d in package_dirs if output.resolve().is_relative_to(d)]
    if inside and not into_package:
        raise fail(f"{output}: inside the installed package ({inside[0]}); write the model "
                   "elsewhere, or add --into-package to rebuild the bundled one", code=2)
    if output.exists() and any(output.iterdir()) and not force:
        raise fail(f"{output}: exists; use --force to overwrite", code=2)
    try:  # before training, not after a minute of it
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise fail(f"{output}: cannot make its folder ({err.strerror or err})", code=2) from None
    if codebook is not None:
        _train_own_codes(annotations, codebook, output, base_model, seed)
        return
    try:
        parsed = parse_prior(prior) if prior else None
    except ValueError as err:
        raise fail(f"--prior: {err}", code=2) from None
    paths = annotations or [p for p in default_annotations() if p.exists()]
    if not paths:
        raise fail("no annotations given and no annotations/ folder beside the package: "
                   "name your annotation files or folders", code=2)
    try:
        for warning in training_warnings(paths):
            err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
        nlp = train_pipeline(paths, output, seed=seed, prior=parsed, threshold=threshold,
                             combine_windows=combine_windows,
                             intervention_paths=interventions or default_intervention_paths())
    except MbtError as err:
        raise fail(err) from None
    trained = nlp.get_pipe("mbt_classifier").settings["trained_on"]
    err_console.print(f"trained on {trained['turns']} client turns ({trained['passages']} "
                      f"passages) from {trained['sessions']} sessions -> {output}",
                      highlight=False)
    if nlp.has_pipe("mbt_intervention"):
        coded = nlp.get_pipe("mbt_intervention").settings["trained_on"]
        err_console.print(f"intervention classifier: {coded['turns']} coded clinician turns "
                          f"from {coded['sessions']} sessions", highlight=False)
    else:
        err_console.print("no coded clinician turns found: no intervention classifier "
                          "(see --interventions)", highlight=False)


def _train_own_codes(annotations: list[Path] | None, codebook_file: Path, output: Path,
                     base_model: Path | None, seed: int) -> None:
    from mbt_nlp.learn.own_codes import load_own_codes, own_code_warnings, train_own_codes
    from mbt_nlp.pipeline.codebook import load_codebook

    if not annotations:
        raise fail("--codebook: name the annotation files or folders that carry your codes",
                   code=2)
    try:
        codebook = load_codebook(codebook_file)
        turns = load_own_codes(annotations, codebook)
        for warning in own_code_warnings(turns, codebook):
            err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
        nlp = train_own_codes(turns, codebook, output, model=base_model, seed=seed)
    except MbtError as err:
        raise fail(err) from None
    trained = nlp.get_pipe("mbt_codes").settings["trained_on"]
    err_console.print(f"codebook {escape(codebook.name)}: trained on {trained['turns']} coded "
                      f"{codebook.applies_to} turns from {trained['sessions']} sessions -> "
                      f"{escape(str(output))}", highlight=False)


def evaluate(
    written: Annotated[list[Path] | None, typer.Option(
        help="Written annotation files/folders (default: annotations/written).")] = None,
    real: Annotated[list[Path] | None, typer.Option(
        help="Real-speech annotation files/folders (default: annotations/real).")] = None,
    spoken: Annotated[list[Path] | None, typer.Option(
        help="Spoken sessions labelled at a realistic prevalence (default: "
             "annotations/spoken).")] = None,
    rev16: Annotated[list[Path] | None, typer.Option(
        help="Labelled sample of real verbatim speech (default: annotations/rev16).")] = None,
    contrast: Annotated[list[Path] | None, typer.Option(
        help="Contrast sets, scored as the written part is (default: "
             "annotations/contrast).")] = None,
    model: Annotated[Path | None, typer.Option(
        "--model", help="Score this trained pipeline on the annotation files as it is "
        "(no cross-validation, nothing trained): for files it was not trained on.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    quick: Annotated[bool, typer.Option(help="Skip the ablation of feature views.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write all figures "
                        "as JSON here (e.g. models/metrics.json).")] = None,
    save_operating_points: Annotated[Path | None, typer.Option(
        help="Write the named operating points (screening, review, balanced; chosen "
             "leave-one-writer-out on the realistic parts) into this trained pipeline, "
             "which must be trained on the same files, for `mbt tag --operating-point`."
    )] = None,
    curves: Annotated[Path | None, typer.Option(
        help="Also draw the precision-recall and calibration figures of each realistic "
             "part as SVG files in this folder (e.g. spoken_leave_one_writer_out_pr.svg).")
    ] = None,
    codebook: Annotated[Path | None, typer.Option(
        help="Evaluate your own codes instead (a codebook file, as for mbt train "
             "--codebook) on the files given with --data.")] = None,
    data: Annotated[list[Path] | None, typer.Option(
        help="With --codebook: annotation files/folders carrying your codes.")] = None,
) -> None:
    """Cross-validate the classifier by session and leave-one-writer-out.

    Per-label precision/recall/F1, macro-F1, kappa, confusion matrix and calibration
    on the written corpus and the contrast sets; false alarms and recall by turn
    length, AUROC and calibration on the parts labelled at a realistic prevalence
    (real chats, spoken sessions, rev16 speech).

    Takes several minutes: every part is trained on together, as `mbt train` does.
    """
    from mbt_nlp import load
    from mbt_nlp.learn.corpus import load_corpus
    from mbt_nlp.learn.evaluation import evaluate as run_evaluation
    from mbt_nlp.learn.evaluation import format_report
    from mbt_nlp.learn.interventions import (
        evaluate_interventions,
        format_interventions,
        load_clinician_turns,
    )

    if codebook is not None:
        _evaluate_own_codes(codebook, data, seed, json_out)
        return
    defaults = {path.name: path for path in default_annotations()}
    given = {"real": real, "spoken": spoken, "rev16": rev16}
    if model is not None:
        if contrast:  # never ignored in silence: score_model has one balanced part
            raise fail("--contrast with --model: give the contrast files with --written to "
                       "score them at their own label mix", code=2)
        _score_model(model, written, given, json_out)
        return
    try:
        nlp = load(rules_only=True)
        chosen = {name: paths or ([defaults[name]] if defaults[name].exists() else [])
                  for name, paths in {**given, "contrast": contrast}.items()}
        realistic = {name: load_corpus(nlp, chosen[name], windows=True)
                     for name in given if chosen[name]}
        balanced = {"contrast": load_corpus(nlp, chosen["contrast"], windows=True)
                    } if chosen["contrast"] else None
        results = run_evaluation(load_corpus(nlp, written or [defaults["written"]],
                                             windows=True),
                                 realistic, seed=seed, full=not quick, balanced=balanced)
        clinician_turns = load_clinician_turns(default_intervention_paths())
        hosts = held_out_intervention_paths()
        if len(set(clinician_turns.codes)) >= 2:
            results["interventions"] = evaluate_interventions(
                clinician_turns, seed=seed,
                held_out=load_clinician_turns(hosts) if hosts else None)
    except (MbtError, ValueError) as err:
        raise fail(err) from None
    typer.echo(format_report(results))
    if "interventions" in results:
        typer.echo(format_interventions(results["interventions"]))
    if json_out:
        json_out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if curves is not None:
        from mbt_nlp.writers.curve_figures import write_curve_figures

        try:
            figures = write_curve_figures(results, curves)
        except OSError as err:
            raise fail(f"{err.filename}: cannot write: {err.strerror}") from None
        err_console.print(f"{len(figures)} figure(s) -> {escape(str(curves))}")
    if save_operating_points is not None:
        from mbt_nlp.learn.operating_points import save_points

        points = results.get("operating_points_leave_one_writer_out")
        if points is None:
            raise fail("no realistic part to choose operating points on (--real, --spoken, "
                       "--rev16)", code=2)
        try:
            where = save_points(save_operating_points, points,
                                "mbt evaluate, leave-one-writer-out, realistic parts pooled")
        except MbtError as err:
            raise fail(err) from None
        err_console.print(f"operating points written to {escape(str(where))}")


def _evaluate_own_codes(codebook_file: Path, data: list[Path] | None, seed: int,
                        json_out: Path | None) -> None:
    from mbt_nlp.learn.own_codes import evaluate_own_codes, format_own_codes
    from mbt_nlp.pipeline.codebook import load_codebook

    if not data:
        raise fail("--codebook: give the coded annotation files with --data", code=2)
    try:
        codebook = load_codebook(codebook_file)
        results = evaluate_own_codes(data, codebook, seed=seed)
    except (MbtError, ValueError) as err:
        raise fail(err) from None
    typer.echo(format_own_codes(results, codebook))
    if json_out:
        json_out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def _score_model(model: Path, written: list[Path] | None,
                 given: dict[str, list[Path] | None], json_out: Path | None) -> None:
    from mbt_nlp import load
    from mbt_nlp.learn.evaluation import format_scores, score_model

    realistic = {name: paths for name, paths in given.items() if paths}
    if not written and not realistic:
        raise fail("--model scores the files you name: give --written, --real, --spoken "
                   "or --rev16 with files the model was not trained on", code=2)
    try:
        results = score_model(load(model=str(model)), written, realistic)
    except (MbtError, ValueError) as err:
        raise fail(err) from None
    typer.echo(format_scores(results))
    if json_out:
        json_out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


# Listed in `mbt --help` in this order, under these headings: the everyday job first.
_TAGGING, _MODELS, _RESEARCH = "Tag and read", "Train and evaluate", "Research"
app.command(name="tag", rich_help_panel=_TAGGING)(tag)
app.command(name="report", rich_help_panel=_TAGGING)(report)
app.command(name="explain", rich_help_panel=_TAGGING)(explain)
app.command(name="train", rich_help_panel=_MODELS)(train)
app.command(name="evaluate", rich_help_panel=_MODELS)(evaluate)
app.command(name="agree", rich_help_panel=_RESEARCH)(agree)
app.command(name="suggest", rich_help_panel=_RESEARCH)(suggest)
app.command(name="export", rich_help_panel=_RESEARCH)(export)
app.command(name="import", rich_help_panel=_RESEARCH)(import_)
app.command(name="trends", rich_help_panel=_RESEARCH)(trends)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

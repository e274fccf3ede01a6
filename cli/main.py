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
from rich.console import Console
from rich.markup import escape

from mbt_nlp import __version__
from mbt_nlp.errors import MbtError

app = typer.Typer(
    name="mbt",
    help="Mark non-mentalizing modes (MBT) in psychotherapy transcripts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
err_console = Console(stderr=True, highlight=False)


def fail(err: MbtError | str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {err}", markup=True, soft_wrap=True)
    return typer.Exit(code=code)


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


ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="Pipeline directory from `mbt train` (default: the bundled "
                 "model)."),
]
RulesOnlyOption = Annotated[
    bool, typer.Option("--rules-only", help="Markers only, no classifier.")
]
PriorOption = Annotated[
    str | None,
    typer.Option("--prior", help="Real-world prior for the probabilities, e.g. "
                 "'psychic_equivalence=0.02,teleological=0.01,pretend=0.01' (the rest shared "
                 "in proportion to the default).")
]
ThresholdOption = Annotated[
    float | None,
    typer.Option("--threshold", help="Flag a mode when P(any mode) reaches this.", min=0, max=1),
]


def load_nlp(base, model, rules_only, prior=None, threshold=None):
    """The pipeline the user asked for, with their prior/threshold applied."""
    from mbt_nlp import load
    from mbt_nlp.priors import parse_prior

    try:
        parsed = parse_prior(prior) if prior else None
    except ValueError as err:
        raise fail(f"--prior: {err}", code=2) from None
    nlp = load(base, str(model) if model else None, rules_only)
    if nlp.has_pipe("mbt_classifier") and (parsed or threshold is not None):
        nlp.get_pipe("mbt_classifier").configure(parsed, threshold)
    return nlp


BaseOption = Annotated[
    str | None,
    typer.Option("--base", help="spaCy pipeline to build on (e.g. en_core_web_sm); "
                 "default: blank English, no download."),
]


@app.command()
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
    from mbt_nlp.explain import explain as explain_text

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
        for seg in result["segments"]:
            words = escape(text[seg["start"]:seg["end"]])
            console.print(f"  segment {seg['mode']} {seg['probability']:.2f}: {words}")


@app.command()
def tag(
    inputs: Annotated[list[Path], typer.Argument(help="Transcript files (.txt .csv .tsv "
                                                 ".jsonl .json .vtt .srt .docx).")],
    output: Annotated[
        str, typer.Option("-o", "--output", help="Output JSONL file ('-' for stdout).")
    ] = "-",
    input_format: Annotated[
        str | None, typer.Option("--input-format", help="Input format when the suffix "
                                 "does not tell: txt, csv, tsv, jsonl, json, vtt, srt, docx.")
    ] = None,
    session_field: Annotated[str, typer.Option(help="Field holding the session id.")] = "session",
    turn_field: Annotated[str, typer.Option(help="Field holding the turn number.")] = "turn",
    speaker_field: Annotated[str, typer.Option(help="Field holding the speaker.")] = "speaker",
    text_field: Annotated[str, typer.Option(help="Field holding the words.")] = "text",
    records_key: Annotated[
        str | None, typer.Option(help="JSON key of the list of utterances "
                                 "(default: the first list of objects found).")
    ] = None,
    clinician: Annotated[
        str | None, typer.Option(help="Comma list of clinician speaker labels, e.g. 'T,Th'; "
                                 "all other speakers are clients. Default: usual labels "
                                 "(T, Therapist, Counsellor, Dr ...).")
    ] = None,
    client: Annotated[
        str | None, typer.Option(help="Comma list of client labels; with it, any other "
                                 "non-clinician speaker is an error (catches typos).")
    ] = None,
    max_turn_chars: Annotated[
        int, typer.Option(help="Longest turn accepted, in characters.", min=1)
    ] = 1_000_000,
    label_clinician: Annotated[
        bool, typer.Option(help="Give clinician turns a mode label too.")
    ] = False,
    n_process: Annotated[int, typer.Option(help="spaCy worker processes.", min=1)] = 1,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
    base: BaseOption = None,
    model: ModelOption = None,
    rules_only: RulesOnlyOption = False,
    prior: PriorOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Tag transcripts: one JSON record per input turn (markers, discourse, profile,
    source file and line).

    Example: mbt tag session.txt -o session.jsonl
    """
    from mbt_nlp.readers import ReadOptions
    from mbt_nlp.tagging import tag_to_jsonl
    from mbt_nlp.transcript import RoleMap

    if output != "-" and Path(output).exists() and not force:
        raise fail(f"{output}: exists; use --force to overwrite", code=2)
    options = ReadOptions(
        session_field=session_field, turn_field=turn_field, speaker_field=speaker_field,
        text_field=text_field, records_key=records_key,
        roles=RoleMap.from_options(clinician, client), max_turn_chars=max_turn_chars,
    )
    try:
        nlp = load_nlp(base, model, rules_only, prior, threshold)
        summary = tag_to_jsonl(
            inputs, output, nlp, options, input_format, n_process=n_process,
            label_clinician=label_clinician,
            on_error=lambda e: err_console.print(f"[bold red]error:[/] {e}", soft_wrap=True),
        )
    except MbtError as err:
        raise fail(err) from None
    err_console.print(
        f"{summary.turns} turns from {summary.files} file(s) -> {output}"
        + (f"; {len(summary.errors)} file(s) failed" if summary.errors else ""),
        highlight=False,
    )
    if summary.errors:
        raise typer.Exit(code=1)


AnnotationsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Annotation JSONL files or folders (default: annotations/written and "
                   "annotations/real of this checkout)."),
]


def default_annotations() -> list[Path]:
    root = Path(__file__).resolve().parents[1] / "annotations"
    return [root / "written", root / "real"]


@app.command()
def train(
    annotations: AnnotationsArg = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Pipeline directory to write.")]
    = Path("models/mbt_en"),
    seed: Annotated[int, typer.Option(help="Random seed (the result is reproducible).")] = 0,
    prior: Annotated[str | None, typer.Option(help="Real-world prior, e.g. "
                     "'psychic_equivalence=0.02,teleological=0.01,pretend=0.01'.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Flag a mode when P(any mode) "
                         "reaches this.", min=0, max=1)] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing pipeline.")] = False,
) -> None:
    """Train the mode classifier on annotated transcripts and write the full pipeline.

    Example: mbt train annotations/ -o my_model  (then: mbt tag --model my_model ...)
    """
    from mbt_nlp.model import train_pipeline
    from mbt_nlp.priors import parse_prior

    if output.exists() and any(output.iterdir()) and not force:
        raise fail(f"{output}: exists; use --force to overwrite", code=2)
    try:
        parsed = parse_prior(prior) if prior else None
    except ValueError as err:
        raise fail(f"--prior: {err}", code=2) from None
    try:
        nlp = train_pipeline(annotations or default_annotations(), output, seed=seed,
                             prior=parsed, threshold=threshold)
    except MbtError as err:
        raise fail(err) from None
    trained = nlp.get_pipe("mbt_classifier").settings["trained_on"]
    err_console.print(f"trained on {trained['turns']} client turns from {trained['sessions']} "
                      f"sessions -> {output}", highlight=False)


@app.command()
def evaluate(
    written: Annotated[list[Path] | None, typer.Option(
        help="Written annotation files/folders (default: annotations/written).")] = None,
    real: Annotated[list[Path] | None, typer.Option(
        help="Real-speech annotation files/folders (default: annotations/real).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    quick: Annotated[bool, typer.Option(help="Skip the ablation and learning curve.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write all figures "
                        "as JSON here (e.g. models/metrics.json).")] = None,
) -> None:
    """Cross-validate the classifier and print per-label precision/recall/F1, macro-F1,
    kappa, confusion matrix and calibration error; real-speech false alarms and recall.
    """
    from mbt_nlp import load
    from mbt_nlp.evaluation import evaluate as run_evaluation
    from mbt_nlp.evaluation import format_report
    from mbt_nlp.model import training_data

    defaults = default_annotations()
    try:
        nlp = load(rules_only=True)
        Xw, w = training_data(nlp, written or [defaults[0]])
        Xr, r = training_data(nlp, real or [defaults[1]])
        results = run_evaluation(Xw, w, Xr, r, seed=seed, full=not quick)
    except MbtError as err:
        raise fail(err) from None
    typer.echo(format_report(results))
    if json_out:
        json_out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

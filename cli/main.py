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
) -> None:
    """Show each marker in TEXT: its words, label, mode family, the rule and why.

    Example: mbt explain "I know he hates me, it just is."
    """
    from mbt_nlp import load
    from mbt_nlp.explain import explain as explain_text

    try:
        result = explain_text(text, load(base))
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
) -> None:
    """Tag transcripts: one JSON record per input turn (markers, discourse, profile,
    source file and line).

    Example: mbt tag session.txt -o session.jsonl
    """
    from mbt_nlp import load
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
        nlp = load(base)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

"""`mbt export` / `mbt import`: turns to and from the annotation tools researchers use."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from mbt_nlp.cli.common import (
    BaseOption,
    ClientOption,
    ClinicianOption,
    InputFormatOption,
    MaxTurnOption,
    ModelOption,
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
    read_options,
)
from rich.markup import escape

from mbt_nlp.errors import MbtError
from mbt_nlp.readers.options import DEFAULT_MAX_TURN_CHARS
from mbt_nlp.research.exchange import FORMATS, MBT, Scheme, load_scheme

Tool = Enum("Tool", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
FORMATS_HELP = "; ".join(f"{name}: {what}" for name, what in FORMATS.items())


class Role(str, Enum):
    client = "client"
    clinician = "clinician"
    all = "all"


def usage_error(err: Exception) -> typer.Exit:
    # One line, exit code 2; escaped so that "[start, end, label]" is not read as markup.
    return fail(escape(str(err)), code=2)


def scheme_for(codebook: Path | None) -> Scheme:
    """The mbt labels, or the codes of the --codebook file (a bad file is one line)."""
    try:
        return MBT if codebook is None else load_scheme(codebook)
    except MbtError as err:
        raise usage_error(err) from None


def export(
    tool: Annotated[Tool, typer.Argument(help=f"Tool format. {FORMATS_HELP}.")],
    inputs: Annotated[list[str], typer.Argument(
        help="Annotation files (the annotations/ schema), tagged JSONL from `mbt tag`, or "
             "transcripts (tagged first); folders give their *.jsonl files.")],
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="File to write (a folder for brat and xmi); the codebook "
        "files go beside it.")],
    flagged: Annotated[bool, typer.Option(
        help="Only turns with a mode (the model's, or an annotation file's label); with "
             "--codebook, with a flag code (the model's code_flag, or the file's code)."
    )] = False,
    sample: Annotated[int | None, typer.Option(
        help="At most N turns, drawn at random (with --seed), kept in order.", min=1)] = None,
    seed: Annotated[int, typer.Option(help="Random seed of --sample.")] = 0,
    sessions: Annotated[str | None, typer.Option(
        help="Only these sessions, comma-separated.")] = None,
    role: Annotated[Role | None, typer.Option(
        help="Whose turns (default: client, or the codebook's role).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite the output.")] = False,
    codebook: Annotated[Path | None, typer.Option(
        "--codebook", help="Your own codebook file (as for mbt train --codebook): its codes, "
        "not the mbt labels, label the turns of its role, e.g. --codebook codebook.toml.")
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
    base: BaseOption = None,
    model: ModelOption = None,
    rules_only: RulesOnlyOption = False,
    prior: PriorOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Export turns for an annotation tool, with their codes or the model's suggestions.

    The codebook (labels, definitions, colours) goes with them where the tool allows.
    With --codebook, your own codebook's codes replace the mbt labels: the model's
    suggestion is its `code` (from `mbt tag --model` of a model trained on that codebook).

    Examples:
      mbt export labelstudio annotations/spoken -o spoken.json --sample 200 --seed 1
      mbt export brat session.txt -o brat/ --flagged
      mbt export doccano coded/ --codebook codebook.toml -o coded.jsonl
    """
    from mbt_nlp.research.exchange import Selection, export_turns, load_turns, select

    options = read_options(session_field, turn_field, speaker_field, text_field, records_key,
                           clinician, client, max_turn_chars)
    scheme = scheme_for(codebook)
    whose = role.value if role is not None else scheme.role or Role.client.value
    try:
        chosen = Selection(whose, frozenset(s.strip() for s in sessions.split(",")
                                            if s.strip()) if sessions else None,
                           flagged, sample, seed)
        turns = load_turns(inputs, lambda: load_nlp(base, model, rules_only, prior, threshold),
                           options, input_format, scheme)
        selected = select(turns, chosen)
        export_turns(tool.value, selected, output, force=force)
    except (MbtError, ValueError) as err:
        raise usage_error(err) from None
    err_console.print(f"{len(selected)} of {len(turns)} turns "
                      f"({len({t.session for t in selected})} session(s)) -> {output}")


def import_(
    tool: Annotated[Tool, typer.Argument(help=f"Tool format. {FORMATS_HELP}.")],
    files: Annotated[list[Path], typer.Argument(
        help="The tool's files (for brat and xmi also their folder; for Prodigy give the "
             "exported file too, so that unanswered turns come back).")],
    output: Annotated[str, typer.Option(
        "-o", "--output", help="JSONL file in the annotations/ schema ('-' for stdout).")],
    force: Annotated[bool, typer.Option(help="Overwrite the output.")] = False,
    codebook: Annotated[Path | None, typer.Option(
        "--codebook", help="The codebook file the export was made with: a code outside it "
        "is refused, and each code goes into its field, ready for mbt train --codebook and "
        "mbt agree --codebook, e.g. --codebook codebook.toml.")] = None,
) -> None:
    """Read codes back from an annotation tool into the annotations/ schema.

    One record per exported turn, with label, secondary, coded and marker spans (with
    --codebook: the code in the codebook's field, and coded).

    Examples:
      mbt import labelstudio project-export.json -o coded.jsonl
      mbt import labelstudio project-export.json --codebook codebook.toml -o coded.jsonl
    """
    from mbt_nlp.research.exchange import import_annotations
    from mbt_nlp.writers.jsonl import JsonlWriter, atomic_output

    if output != "-" and Path(output).exists() and not force:
        raise fail(f"{escape(output)}: exists; use --force to overwrite", code=2)
    scheme = scheme_for(codebook)
    try:
        records = import_annotations(tool.value, files, scheme)
    except (MbtError, ValueError) as err:
        raise usage_error(err) from None
    with atomic_output(output) as handle:
        writer = JsonlWriter(handle)
        for record in records:
            writer.write(record)
    coded = sum(bool(r.get("coded")) for r in records)
    err_console.print(f"{len(records)} turns ({coded} coded) -> {output}")

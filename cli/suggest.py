"""`mbt suggest`: which uncoded turns to code next, with the reason for each pick."""

from __future__ import annotations

from enum import Enum
from functools import cache
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
    RecordsKeyOption,
    SessionFieldOption,
    SpeakerFieldOption,
    TextFieldOption,
    TurnFieldOption,
    err_console,
    fail,
    load_nlp,
    read_options,
)
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mbt_nlp.errors import InputError, MbtError
from mbt_nlp.readers.options import DEFAULT_MAX_TURN_CHARS
from mbt_nlp.research.suggest import OUTPUT_FORMATS

Format = Enum("Format", {name: name for name in OUTPUT_FORMATS}, type=str)  # type: ignore[misc]
FORMATS_HELP = "; ".join(f"{name}: {what}" for name, what in OUTPUT_FORMATS.items())


def suggest(
    inputs: Annotated[list[str], typer.Argument(
        help="What to choose from: annotation files (client turns with `coded: false` or "
             "label null are the candidates), transcripts in any format `mbt tag` reads, or "
             "tagged JSONL (every client turn is a candidate); folders give their *.jsonl "
             "files.")],
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="File to write (a folder for brat and xmi).")],
    n: Annotated[int, typer.Option(
        "-n", "--number", help="How many picks: client passages, usually one turn each "
        "(consecutive lines of one speaker are judged, and exported, together).", min=1)
    ] = 50,
    fmt: Annotated[Format, typer.Option(
        "--format", help=f"Output format. {FORMATS_HELP}.")] = Format.jsonl,  # type: ignore
    per_session: Annotated[int, typer.Option(
        help="At most this many picks from one session.", min=1)] = 3,
    seed: Annotated[int, typer.Option(
        help="Breaks ties between equal scores (the picks are reproducible).")] = 0,
    force: Annotated[bool, typer.Option(help="Overwrite the output.")] = False,
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
    codebook: Annotated[str | None, typer.Option(
        "--codebook", help="Rank by your own codes instead of the modes: the codebook file "
        "the --model was trained on (`mbt train --codebook`), or 'model' for the model's "
        "own, e.g. --model levels_model --codebook codebook.toml.")] = None,
) -> None:
    """Choose the next turns to code, so that each coded turn teaches the model most.

    Every uncoded client turn is tagged in its session and scored on three signals,
    each from the model's probabilities at its training mix of labels:
    uncertainty (a small gap between the two likeliest labels), disagreement
    between the marker rules and the classifier, and the chance of a rare mode
    (the mode least present in the training labels counts most). Each signal is
    ranked among the candidates and the ranks are combined (weights 0.4, 0.2,
    0.4). The picks are then spread: at most --per-session from one session, and
    a turn worded like an earlier pick scores less. Each pick's reason is printed
    and travels with it (the `suggest` field: rank, score, reason).

    The turns go out blind: no model mode, no markers, so the new codes can test
    the model. Code them, bring them back (`mbt import`, or fill in `label` in the
    JSONL), and train again (`mbt train`) with them.

    With --codebook, the candidates are the turns of the codebook's role with no
    code in its field, each judged on its own: uncertainty over the model's
    code_proba, and the chance of a flag code (the flag least present in the
    model's training codes counts most; every code if the codebook has no flags).
    The disagreement signal compares marker rules with the modes, so it does not
    apply (weight 0). A codebook whose codes are not the model's is refused.

    Examples:
      mbt suggest new_sessions/ -n 50 --format labelstudio -o next.json
      mbt suggest annotations/rev16 -n 30 --per-session 2 -o next.jsonl --model my_model
      mbt suggest coded/ --model levels_model --codebook codebook.toml -o next.jsonl

    benchmarks/suggest_curve.py shows the learning curve against random picks.
    Exit codes: 0 written, 2 bad input or usage (one line names the file).
    """
    from mbt_nlp.annotation.turns import own_codebook
    from mbt_nlp.research.exchange import MBT, load_scheme, scheme_of
    from mbt_nlp.research.suggest import csv_columns, csv_rows, picked_turns, write_suggestions
    from mbt_nlp.research.suggest import suggest as choose
    from mbt_nlp.writers.tables import write_table

    options = read_options(session_field, turn_field, speaker_field, text_field, records_key,
                           clinician, client, max_turn_chars)
    if output.is_file() and not force:  # said before the model is loaded and the turns tagged
        raise fail(f"{output}: exists; use --force to overwrite", code=2)

    @cache
    def pipeline():
        return load_nlp(base, model, False)

    try:
        scheme = MBT if codebook in (None, "model") else load_scheme(codebook)
        if codebook == "model":  # the codebook the model was trained on
            book = own_codebook(pipeline())
            if book is None:
                raise InputError("--codebook model: the model has no codes of its own "
                                 "(train one with `mbt train --codebook`)")
            scheme = scheme_of(book, "the model's codebook")
        found, picks = choose(pipeline, inputs, n, per_session=per_session, seed=seed,
                              options=options, input_format=input_format, scheme=scheme)
        turns = picked_turns(found, picks)
        if fmt.value == "csv":
            if output.is_dir():
                raise InputError("is a folder; csv writes one file", output)
            columns = csv_columns(scheme)
            write_table(csv_rows(turns, columns), output, "csv", columns=columns)
        else:
            write_suggestions(fmt.value, turns, output, force=force)
    except (MbtError, ValueError) as err:
        raise fail(err, code=2) from None
    show(found, picks)
    sessions = len({found[p.index].session for p in picks})
    unit = "passages" if scheme.codebook is None else "turns"
    err_console.print(f"{len(picks)} of {len(found)} uncoded {unit} ({len(turns)} turns, "
                      f"{sessions} session(s)) -> {output}")


def show(found, picks) -> None:
    """The picks with their reasons (never the words: they stay in the output file)."""
    table = Table(title="Code next")
    for name, justify in (("rank", "right"), ("session", "left"), ("turn", "left"),
                          ("score", "right"), ("why", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for pick in picks:
        lines = found[pick.index].lines
        turns = str(lines[0].turn) if len(lines) == 1 else f"{lines[0].turn}-{lines[-1].turn}"
        table.add_row(str(pick.rank), escape(found[pick.index].session), turns,
                      f"{pick.score:.3f}", escape(pick.reason))
    Console(highlight=False).print(table)

"""What the `mbt` commands share: option types, one-line errors, pipeline loading."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from mbt_nlp.errors import MbtError
from mbt_nlp.readers import READERS, SUFFIXES

# Written from the readers themselves, so that a new reader is never missing from help.
KNOWN_SUFFIXES = " ".join(SUFFIXES)

err_console = Console(stderr=True, highlight=False)


def fail(err: MbtError | str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(str(err))}", markup=True, soft_wrap=True)
    return typer.Exit(code=code)


def note(file: str, notice: str) -> None:
    """One line on stderr saying how a file was read (e.g. who was taken as the clinician)."""
    err_console.print(f"[yellow]note:[/] {escape(file)}: {escape(notice)}", soft_wrap=True)


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


OperatingPointOption = Annotated[
    str | None,
    typer.Option("--operating-point", help="A named decision rule of the model: screening "
                 "(find most modes while false alarms stay under 5% at every turn length), "
                 "review (precision first) or balanced (best F1); see models/EVALUATION.md. "
                 "--threshold overrides it."),
]


def load_nlp(base, model, rules_only, prior=None, threshold=None, operating_point=None):
    """The pipeline the user asked for, with their prior, operating point or threshold."""
    from mbt_nlp import load
    from mbt_nlp.pipeline.priors import parse_prior

    try:
        parsed = parse_prior(prior) if prior else None
    except ValueError as err:
        raise fail(f"--prior: {err}", code=2) from None
    nlp = load(base, str(model) if model else None, rules_only)
    if operating_point is not None and not nlp.has_pipe("mbt_classifier"):
        raise fail("--operating-point needs a classifier (not --rules-only)", code=2)
    if nlp.has_pipe("mbt_classifier") and (parsed or threshold is not None
                                            or operating_point is not None):
        try:
            nlp.get_pipe("mbt_classifier").configure(parsed, threshold, operating_point)
        except MbtError as err:
            raise fail(err, code=2) from None
    return nlp


BaseOption = Annotated[
    str | None,
    typer.Option("--base", help="spaCy pipeline to build on (e.g. en_core_web_sm); "
                 "default: blank English, no download."),
]


InputFormatOption = Annotated[
    str | None, typer.Option("--input-format", help="Input format when the suffix does not "
                             f"tell: {', '.join(READERS)}.")
]
SessionFieldOption = Annotated[str, typer.Option(help="Field holding the session id.")]
TurnFieldOption = Annotated[str, typer.Option(help="Field holding the turn number.")]
SpeakerFieldOption = Annotated[str, typer.Option(help="Field holding the speaker.")]
TextFieldOption = Annotated[str, typer.Option(help="Field holding the words.")]
RecordsKeyOption = Annotated[
    str | None, typer.Option(help="JSON key of the list of utterances (default: the first "
                             "list named utterances, turns, segments or messages, else the "
                             "first list of objects found).")
]
ClinicianOption = Annotated[
    str | None, typer.Option(help="Comma list of clinician speaker labels, e.g. 'T,Th'; all "
                             "other speakers are clients. Default: usual labels (T, "
                             "Therapist, Counsellor, Dr ...).")
]
ClientOption = Annotated[
    str | None, typer.Option(help="Comma list of client labels; with it, any other "
                             "non-clinician speaker is an error (catches typos).")
]
MaxTurnOption = Annotated[int, typer.Option(
    help="Longest turn accepted, in characters (the default is tagged in about two seconds; "
         "a longer turn is reported, not tagged).", min=1)]


def read_options(session_field: str, turn_field: str, speaker_field: str, text_field: str,
                 records_key: str | None, clinician: str | None, client: str | None,
                 max_turn_chars: int):
    from mbt_nlp.readers import ReadOptions
    from mbt_nlp.transcript import RoleMap

    return ReadOptions(
        session_field=session_field, turn_field=turn_field, speaker_field=speaker_field,
        text_field=text_field, records_key=records_key,
        roles=RoleMap.from_options(clinician, client), max_turn_chars=max_turn_chars,
    )

"""`mbt report`: the supervisor's report, one self-contained HTML page per session."""

from __future__ import annotations

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

from mbt_nlp.errors import MbtError
from mbt_nlp.readers.options import DEFAULT_MAX_TURN_CHARS


def report(
    transcript: Annotated[Path, typer.Argument(
        help="One transcript file (.txt .csv .tsv .jsonl .json .vtt .srt .docx .eaf .cha "
             ".parquet .xlsx; Otter, Rev, Descript, Whisper exports).",
        exists=True, dir_okay=False, readable=True)],
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="HTML file to write. A file with several sessions gets one "
        "page per session beside it (<stem>-<session>.html) and an index here.",
        dir_okay=False)],
    force: Annotated[bool, typer.Option(help="Overwrite existing pages.")] = False,
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
    operating_point: OperatingPointOption = None,
) -> None:
    """Write the supervisor's report: one HTML page per session.

    The page holds a summary, a timeline of the modes, the moments to review with
    their evidence and the clinician's next turn, and the whole transcript with every
    marker explained.

    The page is one HTML file that works offline (no external requests) and prints.
    Flags are candidates for discussion, never a diagnosis.

    Example: mbt report session.txt -o session.html
    """
    from mbt_nlp.writers.report import OutputExistsError, write_report

    if output.exists() and not force:
        raise fail(f"{output}: exists; use --force to overwrite", code=2)
    options = read_options(session_field, turn_field, speaker_field, text_field, records_key,
                           clinician, client, max_turn_chars)
    try:
        nlp = load_nlp(base, model, rules_only, prior, threshold, operating_point)
        pages = write_report(transcript, output, nlp, options, input_format, force=force,
                             on_notice=lambda notice: note(str(transcript), notice))
    except OutputExistsError as err:
        raise fail(err, code=2) from None
    except MbtError as err:
        raise fail(err) from None
    err_console.print(f"{len(pages)} page(s) -> {output}", highlight=False)

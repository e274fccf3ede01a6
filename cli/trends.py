"""`mbt trends`: the modes across sessions, per case: a table and a page of small charts."""

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
    PriorOption,
    RecordsKeyOption,
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

TREND_FORMATS = ("csv", "parquet", "html")


def trends(
    inputs: Annotated[list[Path], typer.Argument(
        help="Tagged JSONL files (`mbt tag` output), transcripts (tagged here first) or "
             "folders of either; an `mbt tag --out-dir` folder gives its JSONL files.")],
    out: Annotated[Path, typer.Option(
        "--out", help="Folder to write trends.csv/.parquet (one row per session), "
                      "trends_by_case.* (one row per case and mode) and trends.html.",
        file_okay=False)],
    case_field: Annotated[str | None, typer.Option(
        help="Field naming the case in each record (or its 'meta'; in transcripts: a column "
             "or a header line), e.g. client_id. Default: each INPUT is one case.")] = None,
    case_pattern: Annotated[str | None, typer.Option(
        help="Regular expression searched in the session id, with a group named case and "
             "optionally n (the session number, used for the order), e.g. "
             r"'(?P<case>[^_]+)_s(?P<n>\d+)' for clientA_s3.")] = None,
    order_field: Annotated[str | None, typer.Option(
        help="Field holding the session's date (2024-03-14, 14 March 2024) or number. "
             "Default: the pattern's n, else session ids in natural order (s2 before "
             "s10).")] = None,
    formats: Annotated[list[str] | None, typer.Option(
        "--format", help="Comma list or repeated: csv, parquet, html (default: csv,html).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite earlier trends files in --out.")
                     ] = False,
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
    prior: PriorOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Follow cases across sessions: mode rates per session and their change.

    Per session: the rate of each mode per 100 client turns with a 95% interval, the
    share of mentalizing turns and the mean profile; per case, a fitted change per
    session. Writes a table and a page with a chart per case.

    Cases: --case-field or --case-pattern (default: each INPUT is one case).
    Order: --order-field, a date or a number (default: session ids, s2 before s10).
    Intervals: Wilson's, because a session has few client turns and a mode few flags.

    Examples:
      mbt trends tagged/ --out trends/ --case-pattern '(?P<case>[^_]+)_s(?P<n>\\d+)'
      mbt trends corpus.jsonl --out trends/ --case-field client_id --order-field date
    An `mbt tag --out-dir DIR --format html` folder as INPUT gets a link in DIR/index.html.
    Exit codes: 0 done, 2 bad input or usage (one line names the file and line).
    """
    from mbt_nlp.research.trends import Grouping, collect
    from mbt_nlp.writers.tables import write_table
    from mbt_nlp.writers.trends_page import PAGE_NAME, link_from_index, write_trends_page

    chosen = [f.strip() for value in (formats or ["csv,html"]) for f in value.split(",")
              if f.strip()]
    unknown = [f for f in chosen if f not in TREND_FORMATS]
    if unknown or not chosen:
        raise fail(f"unknown --format {', '.join(unknown) or '(none)'} (choose from "
                   f"{', '.join(TREND_FORMATS)})", code=2)
    chosen = list(dict.fromkeys(chosen))
    try:
        grouping = Grouping(case_field, case_pattern, order_field)
    except ValueError as err:
        raise fail(str(err), code=2) from None
    tables = [f"{stem}.{fmt}" for fmt in chosen if fmt != "html"
              for stem in ("trends", "trends_by_case")]
    targets = [out / name for name in tables] + ([out / PAGE_NAME] if "html" in chosen else [])
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise fail(f"{existing[0]}: exists; use --force to overwrite", code=2)
    options = read_options(session_field, turn_field, speaker_field, text_field, records_key,
                           clinician, client, max_turn_chars)
    try:
        result = collect([str(p) for p in inputs], grouping,
                         nlp=lambda: load_nlp(base, model, False, prior, threshold),
                         read_options=options, input_format=input_format, on_notice=note)
    except MbtError as err:
        raise fail(err, code=2) from None
    try:
        for fmt in chosen:
            if fmt != "html":
                write_table(result.rows(), out / f"trends.{fmt}", fmt)
                write_table(result.case_rows(), out / f"trends_by_case.{fmt}", fmt)
        if "html" in chosen:
            write_trends_page(result, out / PAGE_NAME, tables=tables)
            for folder in dict.fromkeys(p for p in inputs if p.is_dir()):
                index = folder / "index.html"
                if index.is_file() and link_from_index(index, out / PAGE_NAME):
                    err_console.print(f"linked from {index}", highlight=False)
    except OSError as err:
        raise fail(f"{err.filename or out}: cannot write: {err.strerror}", code=2) from None
    sessions = sum(len(case.sessions) for case in result.cases)
    err_console.print(f"{sessions} session(s) in {len(result.cases)} case(s) -> {out}",
                      highlight=False)

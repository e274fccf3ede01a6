"""Across sessions: how often each mode is flagged, session by session, case by case.

Input: tagged JSONL (`mbt tag` output), transcripts (tagged here first with the
pipeline given) or folders of either. Sessions are grouped into cases (a client,
a treatment) and put in order (by a date or a session number, or by name in
natural order: "s2" before "s10"). Per session: client turns, how many of them
carry each label, the rate per 100 client turns with a 95% Wilson interval, the
share of mentalizing turns and the mean dimension profile; per case: a
least-squares line of each rate across the sessions.

Why Wilson: a session has tens of client turns and a mode is flagged in a few of
them, often none. The textbook (Wald) interval p ± 1.96·√(p(1−p)/n) is then far
too narrow, has zero width at a count of 0 and can go below 0; Wilson's score
interval stays inside [0, 1] and keeps close to its stated 95% coverage at small
counts (Brown, Cai & DasGupta 2001, Statistical Science 16:101-133).

One pass over the records of each file: only a tally per session is kept, so the
work and memory grow with the input's turns and sessions, nothing more.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from spacy.language import Language

from mbt_nlp.annotation.summary import PROFILE_COLUMNS
from mbt_nlp.annotation.turns import SCHEMA, annotate_turns
from mbt_nlp.errors import InputError, MbtError
from mbt_nlp.pipeline.resources import LABELS, MODES
from mbt_nlp.readers import SUFFIXES, ReadOptions, read_transcript
from mbt_nlp.readers.json_text import parse_json
from mbt_nlp.transcript import CLIENT, natural_key

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval
MIN_SESSIONS_FOR_SLOPE = 3  # a line through two points has no interval
MEASURES = (*MODES, "mentalizing")  # what the per-case lines are fitted to
# `mbt tag --out-dir` writes this file (batch/run.py RUN_FILE): such a folder is read
# for its JSONL records only, never as transcripts (its tables would re-tag as turns).
TAG_RUN_FILE = ".mbt-run.json"

# The per-session table, column by column (shown on the trends page and in the README).
COLUMNS: dict[str, str] = {
    "case": "The case (client, treatment) the session belongs to.",
    "position": "The session's place in its case, from 1, in the order used.",
    "session": "Session id, as in the tagged records.",
    "source_file": "The input file the session was read from.",
    "order_value": "What the sessions were ordered by (a date as YYYY-MM-DD, or a session "
                   "number); empty when they were ordered by name.",
    "client_turns": "Client turns in the session: the denominator of every rate.",
    **{f"n_{label}": f"Client turns the model labels {label}." for label in LABELS},
    **{f"rate100_{mode}{end}": f"{what} {mode} client turns per 100 client turns."
       for mode in MODES
       for end, what in (("", "Rate of"), ("_low", "Lower end of the 95% Wilson interval of"),
                         ("_high", "Upper end of the 95% Wilson interval of"))},
    "share_mentalizing": "Share of client turns labelled mentalizing (0 to 1).",
    "share_mentalizing_low": "95% Wilson interval of the share, lower end.",
    "share_mentalizing_high": "95% Wilson interval of the share, upper end.",
    **{f"profile_{dim}": f"Mean {dim.replace('_', '–')} dimension of the client turns "
                         "(−1 to +1)." for dim in PROFILE_COLUMNS},
}
CASE_COLUMNS: dict[str, str] = {
    "case": "The case.",
    "measure": "The mode (mentalizing: the share of client turns, as a percentage).",
    "sessions": "Sessions in the case.",
    "first": "Rate per 100 client turns in the first session.",
    "last": "Rate per 100 client turns in the last session.",
    "slope_per_session": "Change of the rate per session: slope of the least-squares line "
                         "through the sessions' rates (each session counts once); empty "
                         f"below {MIN_SESSIONS_FOR_SLOPE} sessions.",
    "slope_low": "95% interval of the slope (t distribution), lower end.",
    "slope_high": "95% interval of the slope, upper end.",
}


# -- statistics --------------------------------------------------------------------------------

def wilson_interval(count: int, total: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion count/total (see the module docstring)."""
    if total <= 0 or not 0 <= count <= total:
        raise ValueError(f"need 0 <= count <= total and total > 0; got {count}/{total}")
    p = count / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    # Clamped: at count 0 (or total) the end is 0 (or 1) up to rounding.
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Slope:
    """A least-squares line of one measure across a case's sessions."""

    measure: str
    sessions: int
    first: float
    last: float
    per_session: float | None = None  # None below MIN_SESSIONS_FOR_SLOPE sessions
    low: float | None = None
    high: float | None = None


def fit_slope(measure: str, values: Sequence[float]) -> Slope:
    """The slope of `values` against the session position (1, 2, ...) with its 95% interval."""
    base = Slope(measure, len(values), values[0], values[-1])
    if len(values) < MIN_SESSIONS_FOR_SLOPE:
        return base
    if max(values) == min(values):  # a flat line; OLS would divide 0 by 0 for the interval
        return Slope(measure, len(values), values[0], values[-1], 0.0, 0.0, 0.0)
    import numpy as np
    from statsmodels.regression.linear_model import OLS

    x = np.arange(1, len(values) + 1, dtype=float)
    fit = OLS(np.asarray(values, dtype=float), np.column_stack([np.ones_like(x), x])).fit()
    low, high = fit.conf_int(alpha=0.05)[1]
    return Slope(measure, len(values), values[0], values[-1], float(fit.params[1]),
                 float(low), float(high))


def describe_slope(slope: Slope) -> str:
    """One neutral sentence: first and last session, and the fitted change if there is one."""
    unit = "% of client turns" if slope.measure == "mentalizing" else " per 100 client turns"
    text = (f"{slope.measure.replace('_', ' ')}: {slope.first:.1f}{unit} in the first session, "
            f"{slope.last:.1f} in the last")
    if slope.per_session is None:
        return (f"{text}; {slope.sessions} session{'s' if slope.sessions != 1 else ''}, too "
                f"few for a fitted change (needs {MIN_SESSIONS_FOR_SLOPE}).")
    assert slope.low is not None and slope.high is not None
    if slope.low > 0 or slope.high < 0:
        side = "above 0" if slope.low > 0 else "below 0"
        reading = f"the interval lies {side}"
    else:
        reading = "the interval includes 0 (no change)"
    return (f"{text}; fitted change {_signed(slope.per_session)} per session (95% interval "
            f"{_signed(slope.low)} to {_signed(slope.high)}, {slope.sessions} sessions): "
            f"{reading}.")


def _signed(value: float) -> str:
    """+1.25, -0.40, 0.00 (never "-0.00")."""
    text = f"{value:+.2f}"
    return "0.00" if float(text) == 0 else text


# -- ordering values ---------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_TEXT_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")


class OrderError(ValueError):
    """A value that is neither a number nor a date this module reads."""


def parse_order(value: object) -> float | datetime:
    """A session number (float) or a date/time from an ordering field.

    Dates: ISO 8601 (2024-03-14, 2024-03-14T10:00), "14 March 2024", "March 14, 2024",
    and 14/03/2024 or 03/14/2024 when one part is above 12 (else which is the day is
    unknown, and the value is refused rather than guessed)."""
    if isinstance(value, bool):
        raise OrderError("true/false is neither a number nor a date")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise OrderError("not a finite number")
        return float(value)
    if not isinstance(value, str):
        raise OrderError("not a single value (a list or an object)")
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    numeric = _NUMERIC_DATE.fullmatch(text)
    if numeric:
        first, second, year = (int(g) for g in numeric.groups())
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first:
            month, day = first, second
        else:
            raise OrderError("a date whose day and month cannot be told apart (write it as "
                             "YYYY-MM-DD, e.g. 2024-03-14)")
        try:
            return datetime(year, month, day)
        except ValueError:
            raise OrderError("not a valid date") from None
    cleaned = re.sub(r"\s+", " ", _ORDINAL.sub("", text).replace(",", " ")).strip()
    cleaned = re.sub(r"\bSept\b", "Sep", cleaned, flags=re.IGNORECASE)
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    raise OrderError("neither a number nor a date with a year (e.g. 3, 2024-03-14, "
                     "14 March 2024)")


def order_label(value: float | datetime | None) -> str | float | None:
    """The ordering value as the table shows it: a number, or an ISO date (time if any)."""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(timespec="minutes")
    return value


# -- grouping ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grouping:
    """How sessions form cases and in what order they come.

    case_field: a field of the records (or of their `meta`; for transcripts, a column
    of the file or a line of its header such as "Date: ...") naming the case.
    case_pattern: a regular expression searched in the session id, with a group named
    `case` (and optionally `n`, the session number, used for the order).
    Neither: each input as given (a file, or a folder with everything in it) is a case.
    order_field: a field holding a date or a session number. Default: the pattern's `n`,
    else the session ids in natural order.
    """

    case_field: str | None = None
    case_pattern: str | None = None
    order_field: str | None = None
    pattern: re.Pattern[str] | None = field(init=False, default=None, compare=False)

    def __post_init__(self) -> None:
        if self.case_field and self.case_pattern:
            raise ValueError("give a case field or a case pattern, not both")
        if self.case_pattern:
            try:
                compiled = re.compile(self.case_pattern)
            except re.error as err:
                raise ValueError(f"case pattern is not a regular expression: {err}") from None
            if "case" not in compiled.groupindex:
                raise ValueError("case pattern needs a group named case, e.g. "
                                 r"'(?P<case>[^_]+)_s(?P<n>\d+)'")
            object.__setattr__(self, "pattern", compiled)

    @property
    def numbered_by_pattern(self) -> bool:
        return (self.order_field is None and self.pattern is not None
                and "n" in self.pattern.groupindex)


# -- inputs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InputFile:
    path: Path
    case: str  # the default case: the input as given
    tagged: bool  # mbt tag JSONL (else a transcript to tag)


def is_tagged_jsonl(path: Path) -> bool:
    """Whether a file is `mbt tag` JSONL, from its first record's schema."""
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        return False
    try:
        with path.open("rb") as handle:  # bytes: a bad byte further on is not this question
            for line in handle:
                if line.strip():
                    first = json.loads(line.decode("utf-8-sig"))
                    return isinstance(first, dict) and first.get("schema") == SCHEMA
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):  # not JSON we can read
        return False  # reported when read (as a transcript) with its own message
    return False


def input_files(inputs: Sequence[str | Path],
                on_notice: Callable[[str, str], None] | None = None) -> list[InputFile]:
    """The files to read, each once. A folder that holds `mbt tag` JSONL gives those files
    only (an output folder also holds tables and pages); any other folder gives every
    transcript in it (known suffixes; hidden files and folders left out)."""
    found: list[InputFile] = []
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        case = str(path)
        if path.is_dir():
            files = _folder_files(path, on_notice)
            tagged = [f for f in files if is_tagged_jsonl(f)]
            tag_output = (path / TAG_RUN_FILE).is_file()
            if tag_output and not tagged:
                raise InputError("an `mbt tag --out-dir` folder without JSONL records: tag "
                                 "again with --format jsonl", path)
            chosen = [(f, True) for f in tagged] if tagged else [(f, False) for f in files]
            if tagged and len(tagged) < len(files) and not tag_output and on_notice:
                on_notice(str(path), f"read the {len(tagged)} tagged JSONL file(s); "
                          f"{len(files) - len(tagged)} other file(s) beside them left out")
            if not chosen:
                raise InputError("no transcripts or tagged JSONL files in this folder", path)
        elif path.is_file():
            chosen = [(path, is_tagged_jsonl(path))]
        else:
            raise InputError("no such file or folder", path)
        for file, tagged_file in chosen:
            key = file.resolve()
            if key in seen:
                if on_notice:
                    on_notice(str(file), "given twice: read once")
                continue
            seen.add(key)
            found.append(InputFile(file, case, tagged_file))
    return found


def _folder_files(folder: Path, on_notice: Callable[[str, str], None] | None) -> list[Path]:
    root = folder.resolve()
    files = []
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder)
        if (not file.is_file() or file.suffix.lower() not in SUFFIXES
                or any(part.startswith(".") for part in relative.parts)):
            continue
        # As `mbt tag` does: a folder must not lead to files the user did not put there.
        if file.is_symlink() and not file.resolve().is_relative_to(root):
            if on_notice:
                on_notice(str(file), f"skipped: a symlink to a file outside {folder}")
            continue
        files.append(file)
    return files


# -- tallies -----------------------------------------------------------------------------------

@dataclass
class Where:
    """A record's place, for messages: file and line (or record number)."""

    path: str
    line: int | None = None
    record: int | None = None

    def error(self, message: str) -> InputError:
        return InputError(message, self.path, self.line, self.record)


@dataclass
class SessionTally:
    case: str
    session: str
    source: str
    where: Where  # its first record
    order: float | datetime | None = None
    client_turns: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    profile: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PROFILE_COLUMNS,
                                                                            0.0))

    def add(self, record: Mapping[str, Any], where: Where) -> None:
        if record.get("role") != CLIENT:
            return
        if "mode" not in record:
            raise where.error("client turn without a mode: tag with a classifier (the "
                              "records of --rules-only have no mode to count)")
        mode = record["mode"]
        if mode not in LABELS:
            raise where.error(f"unknown mode {mode!r} (expected one of {', '.join(LABELS)})")
        self.client_turns += 1
        self.counts[mode] += 1
        profile = record.get("profile") or {}
        if not isinstance(profile, Mapping):
            raise where.error("'profile' must be an object")
        for dim in PROFILE_COLUMNS:
            value = profile.get(dim, 0.0)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise where.error(f"profile value {dim!r} is not a number")
            self.profile[dim] += float(value)

    def row(self) -> dict[str, Any]:
        n = self.client_turns
        row: dict[str, Any] = {"case": self.case, "position": None, "session": self.session,
                               "source_file": self.source, "order_value": order_label(self.order),
                               "client_turns": n}
        for label in LABELS:
            row[f"n_{label}"] = self.counts[label]
        for mode in MODES:
            low, high = wilson_interval(self.counts[mode], n)
            row[f"rate100_{mode}"] = round(100 * self.counts[mode] / n, 4)
            row[f"rate100_{mode}_low"] = round(100 * low, 4)
            row[f"rate100_{mode}_high"] = round(100 * high, 4)
        low, high = wilson_interval(self.counts["mentalizing"], n)
        row["share_mentalizing"] = round(self.counts["mentalizing"] / n, 6)
        row["share_mentalizing_low"] = round(low, 6)
        row["share_mentalizing_high"] = round(high, 6)
        for dim in PROFILE_COLUMNS:
            row[f"profile_{dim}"] = round(self.profile[dim] / n, 4)
        return row


def field_value(field_name: str, *sources: Mapping[str, Any] | None) -> Any:
    """The first non-empty value of `field_name` in the sources (a record, its `meta`, ...)."""
    for source in sources:
        if isinstance(source, Mapping):
            value = source.get(field_name)
            if value is not None and value != "":
                return value
    return None


class Tallies:
    """Per-session tallies, filled one record at a time."""

    def __init__(self, grouping: Grouping) -> None:
        self.grouping = grouping
        self.sessions: dict[tuple[str, str], SessionTally] = {}
        self.order_kind: tuple[type, SessionTally] | None = None  # first session's kind

    def add(self, record: Mapping[str, Any], where: Where, default_case: str,
            extra: Sequence[Mapping[str, Any] | None] = ()) -> None:
        session = record.get("session")
        if session is None or session == "" or isinstance(session, (dict, list)):
            raise where.error("record without a 'session'")
        session = str(session)
        sources = (record, record.get("meta"), *extra)
        grouping = self.grouping
        tally = self.sessions.get((where.path, session))
        case = None
        if grouping.case_field:
            case = self._scalar(field_value(grouping.case_field, *sources),
                                grouping.case_field, "--case-field", where)
        if tally is None:
            tally = self._new(session, case, default_case, sources, where)
        else:  # the session's first record set its case and order; the others must agree
            if case is not None and case != tally.case:
                raise where.error(f"field {grouping.case_field!r} (--case-field) differs "
                                  f"within session {session!r}")
            if grouping.order_field and self._order(sources, where) != tally.order:
                raise where.error(f"field {grouping.order_field!r} (--order-field) differs "
                                  f"within session {session!r}")
        tally.add(record, where)

    def _new(self, session: str, case: str | None, default_case: str,
             sources: Sequence[Mapping[str, Any] | None], where: Where) -> SessionTally:
        grouping = self.grouping
        order: float | datetime | None = None
        if grouping.pattern is not None:
            match = grouping.pattern.search(session)
            if match is None or not match.group("case"):
                raise where.error(f"session {session!r} does not match --case-pattern")
            case = match.group("case")
            if grouping.numbered_by_pattern:
                number = match.group("n")
                if number is None or not _NUMBER.fullmatch(number.strip()):
                    raise where.error(f"session {session!r}: the pattern's group n (the "
                                      "session number) is not a number")
                order = float(number)
        if grouping.order_field:
            order = self._order(sources, where)
        tally = SessionTally(case if case is not None else default_case, session, where.path,
                             where, order)
        if order is not None:
            self._check_kind(tally)
        self.sessions[(where.path, session)] = tally
        return tally

    def _order(self, sources: Sequence[Mapping[str, Any] | None],
               where: Where) -> float | datetime:
        name = self.grouping.order_field
        assert name is not None
        value = field_value(name, *sources)
        if value is None:
            raise where.error(f"no field {name!r} (--order-field) in this record")
        try:
            return parse_order(value)
        except OrderError as err:
            raise where.error(f"field {name!r} (--order-field): {err}") from None

    def _check_kind(self, tally: SessionTally) -> None:
        """One kind of ordering value for the whole run: numbers or dates, never both."""
        if self.order_kind is None:
            self.order_kind = (type(tally.order), tally)
            return
        kind, first = self.order_kind
        if type(tally.order) is not kind:
            words = {float: "a number", datetime: "a date"}
            raise tally.where.error(
                f"--order-field holds {words[type(tally.order)]} here but {words[kind]} in "
                f"{first.where.path}; use one kind for all sessions")

    @staticmethod
    def _scalar(value: Any, name: str, option: str, where: Where) -> str:
        if value is None:
            raise where.error(f"no field {name!r} ({option}) in this record")
        if isinstance(value, (dict, list)):
            raise where.error(f"field {name!r} ({option}) is not a single value")
        return str(value)


# -- reading -----------------------------------------------------------------------------------

def tagged_records(path: Path) -> Iterator[tuple[dict[str, Any], Where]]:
    """The records of an `mbt tag` JSONL file, one at a time, with their line."""
    label = str(path)
    number = 0
    try:
        # Bytes, decoded line by line: a bad byte is reported on its own line.
        with path.open("rb") as handle:
            for raw in handle:
                number += 1
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                if not line.strip():
                    continue
                record = parse_json(line, label, number)
                if not isinstance(record, dict):
                    raise InputError("a record must be a JSON object", label, number)
                if record.get("schema") != SCHEMA:
                    raise InputError(f"not an `mbt tag` record (schema {SCHEMA} expected)",
                                     label, number)
                yield record, Where(label, number)
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", label, number) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", label) from None


def transcript_records(
    path: Path, nlp: Callable[[], Language], options: ReadOptions | None,
    input_format: str | None, on_notice: Callable[[str, str], None] | None,
) -> Iterator[tuple[dict[str, Any], Where, Sequence[Mapping[str, Any]]]]:
    """A transcript tagged here, record by record, with its turn's fields and the file's
    header fields (for --case-field and --order-field)."""
    try:
        transcript = read_transcript(path, options, input_format)
    except MbtError:
        raise
    except Exception as err:  # one line naming the file, never a traceback with its text
        raise InputError(f"unexpected {type(err).__name__} while reading", path) from None
    if on_notice:
        for notice in transcript.notices:
            on_notice(str(path), notice)
    header = {k: v for k, v in transcript.meta.items() if isinstance(v, (str, int, float))}
    for record, turn in zip(annotate_turns(nlp(), transcript.turns), transcript.turns,
                            strict=True):
        yield record, Where(str(path), turn.line, turn.record), (turn.meta, header)


# -- the result --------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    sessions: list[dict[str, Any]]  # table rows, in order
    slopes: list[Slope]


@dataclass
class Trends:
    cases: list[Case]
    ordered_by: str  # how the sessions are ordered, in words

    def rows(self) -> list[dict[str, Any]]:
        """The tidy table: one row per session (COLUMNS)."""
        return [row for case in self.cases for row in case.sessions]

    def case_rows(self) -> list[dict[str, Any]]:
        """One row per case and measure (CASE_COLUMNS)."""
        return [{"case": case.name, "measure": s.measure, "sessions": s.sessions,
                 "first": round(s.first, 4), "last": round(s.last, 4),
                 "slope_per_session": _round(s.per_session), "slope_low": _round(s.low),
                 "slope_high": _round(s.high)}
                for case in self.cases for s in case.slopes]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def measure_values(rows: Sequence[Mapping[str, Any]], measure: str) -> list[float]:
    """Per session, the measure per 100 client turns (mentalizing: the share as a %)."""
    if measure == "mentalizing":
        return [100 * row["share_mentalizing"] for row in rows]
    return [row[f"rate100_{measure}"] for row in rows]


def collect(
    inputs: Sequence[str | Path],
    grouping: Grouping | None = None,
    *,
    nlp: Language | Callable[[], Language] | None = None,
    read_options: ReadOptions | None = None,
    input_format: str | None = None,
    on_notice: Callable[[str, str], None] | None = None,
) -> Trends:
    """Read every input once and return the sessions, grouped into cases and ordered.

    `nlp` (a pipeline, or a function that makes one) is needed only when an input is a
    transcript rather than tagged JSONL. Raises InputError (file and line) for bad input.
    """
    grouping = grouping or Grouping()
    tallies = Tallies(grouping)
    pipeline: Language | None = None

    def get_nlp() -> Language:
        nonlocal pipeline
        if pipeline is None:
            if nlp is None:
                raise ValueError("a transcript needs a pipeline to tag it")
            pipeline = nlp if isinstance(nlp, Language) else nlp()
        return pipeline

    for item in input_files(inputs, on_notice):
        if item.tagged:
            for record, where in tagged_records(item.path):
                tallies.add(record, where, item.case)
        else:
            if nlp is None:
                raise InputError("a transcript, not `mbt tag` JSONL: give a pipeline to tag "
                                 "it", item.path)
            for record, where, extra in transcript_records(item.path, get_nlp, read_options,
                                                           input_format, on_notice):
                tallies.add(record, where, item.case, extra)
    return _finish(tallies.sessions.values(), grouping)


def _finish(tallies: Iterable[SessionTally], grouping: Grouping) -> Trends:
    by_case: dict[str, list[SessionTally]] = {}
    for tally in tallies:
        if tally.client_turns == 0:
            raise tally.where.error(f"session {tally.session!r} has no client turns: no rate "
                                    "to compute")
        by_case.setdefault(tally.case, []).append(tally)
    cases = []
    for name in sorted(by_case, key=natural_key):
        ordered = sorted(by_case[name], key=lambda t: (
            () if t.order is None else (t.order,), natural_key(t.session),
            natural_key(t.source)))
        rows = []
        for position, tally in enumerate(ordered, start=1):
            row = tally.row()
            row["position"] = position
            rows.append(row)
        slopes = [fit_slope(measure, measure_values(rows, measure)) for measure in MEASURES]
        cases.append(Case(name, rows, slopes))
    if grouping.order_field:
        ordered_by = f"field {grouping.order_field!r}"
    elif grouping.numbered_by_pattern:
        ordered_by = "the session number in the session id (--case-pattern group n)"
    else:
        ordered_by = "session id, in natural order (s2 before s10)"
    return Trends(cases, ordered_by)

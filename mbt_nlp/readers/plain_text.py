"""Speaker-labelled plain text: `T: ...`, `[00:01:02] Client: ...`, `SPEAKER 1: ...`.

A line that starts with a speaker label (speaker_lines.py) opens a turn; other non-blank
lines continue the turn above; blank lines are ignored. Rev's `Name: (00:01)` and
Descript's `[00:00:03] Name:` carry the turn's start time; a line holding only
a clock time gives the start of the turn that follows. A short block before
the first label (title, date) is kept in `Transcript.meta`; a long one is an
error (nothing is dropped silently). Files whose speaker lines are
`Name  0:03` headers with the words below (Otter.ai, Rev, Teams) are read by
`otter.py` instead, and caption-like blocks (older Teams DOCX) by `cue_blocks.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.cue_blocks import is_timing_line, transcript_from_cue_lines
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.fields import ALIASES
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.otter import match_header, transcript_from_headed_lines
from mbt_nlp.readers.preamble import is_meta_label, key_value, preamble_meta, preamble_notice
from mbt_nlp.readers.speaker_lines import match_speaker_line
from mbt_nlp.readers.tabular import read_table
from mbt_nlp.readers.timecode import CLOCK, clock_line, to_seconds
from mbt_nlp.transcript import (
    Transcript,
    Turn,
    assign_role,
    check_turn_length,
    normalise_speaker,
)

# A time at the end of a turn: f4transkript and MAXQDA close each turn with the time it
# ends ("... last met? #00:00:07-3#", tenths after the dash); others write "(00:00:07)".
_TRAILING_CLOCK = re.compile(
    rf"(?P<open>[#\[(])(?P<clock>{CLOCK})(?:-(?P<tenths>\d))?[#\])]$")
_STAMP_CHARS = 24  # the longest such stamp, "[00:00:07.123]": searched for in the tail only
# What a meeting tool writes about itself, not a speaker: Google Meet closes its
# transcripts with "Meeting ended after 00:50:12 👋".
_SYSTEM_LINE = re.compile(rf"^Meeting ended after {CLOCK}\b")
# Words that open a sentence with a colon ("Sorry: can't make it"). A line that opens with
# one, once in the file, right after a line that stops mid-sentence, is that line wrapped,
# not a speaker: read as one, it became a turn of its own and split the client's words.
_COLON_WORDS = frozenset({"sorry", "note", "well", "so", "yes", "no", "okay", "ok", "anyway",
                          "look", "listen", "honestly", "basically", "also", "then", "and",
                          "but", "ps", "update", "reminder", "quote", "text", "message"})
_FINISHED_LINE_ENDS = (".", "?", "!", "…", '"', "\u201d", ")", "]")
# "12   T: How was it?": research printouts number every line.
_LINE_NUMBER = re.compile(r"^\s*(?P<n>\d{1,6})(?:[ \t]+|$)")


def _without_line_numbers(lines: list[tuple[int, str]]) -> list[tuple[int, str]] | None:
    """The lines without their numbers when every non-blank line starts with a number and
    the numbers count up; None otherwise."""
    numbers = []
    for _, text in lines:
        if text.strip():
            found = _LINE_NUMBER.match(text)
            if found is None:
                return None
            numbers.append(int(found["n"]))
    if len(numbers) < 2 or any(b <= a for a, b in pairwise(numbers)):
        return None
    return [(n, _LINE_NUMBER.sub("", text, count=1) if text.strip() else text)
            for n, text in lines]


# A line of a research transcript's header block: "Participant ID: P07", "Interviewer: SJ".
_HEADER_VALUE_CHARS = 60


def _header_field(text: str) -> tuple[str, str] | None:
    """(key, value) of a header line: a short key, a colon and a short value."""
    field = key_value(text)
    return field if field is not None and len(field[1]) <= _HEADER_VALUE_CHARS else None


def _header_end(lines: list[tuple[int, str]]) -> int:
    """Where a header block ends (0: none). Research transcripts open with fields such as
    "Interviewer: SJ" and "Participant: P07", a blank line, then the turns ("SJ: ...").
    Such a field reads like a turn, so the block counts as a header only when it has at
    least two lines, each "Key: short value", and none of its keys labels a turn after
    it (a first turn or exchange is spoken again by the same labels)."""
    start = next((i for i, (_, text) in enumerate(lines) if text.strip()), len(lines))
    end = next((i for i in range(start, len(lines)) if not lines[i][1].strip()), len(lines))
    if end - start < 2 or end == len(lines):
        return 0
    keys = set()
    for _, text in lines[start:end]:
        field = _header_field(text)
        if field is None:
            return 0
        keys.add(normalise_speaker(field[0]))
    later = {normalise_speaker(opened[0]) for _, text in lines[end:]
             if (opened := match_speaker_line(text.strip())) is not None}
    return end if later and not later & keys else 0


def _take_closing_time(turn: Turn) -> None:
    """A time stamp closing the turn leaves its words: f4's "#00:00:07-3#" is the turn's
    end; a bracketed one may be its start or its end, so it is kept in meta as written."""
    text = turn.text.rstrip()
    stamp = _TRAILING_CLOCK.search(text, max(0, len(text) - _STAMP_CHARS))
    if stamp is None or not text[:stamp.start()].strip():
        return
    turn.text = text[:stamp.start()].rstrip()
    end = to_seconds(stamp["clock"])
    if stamp["open"] == "#" and end is not None:
        turn.end = end + int(stamp["tenths"] or 0) / 10
    else:
        turn.meta["closing_time"] = stamp.group(0).strip()


def _header_fields(lines: list[tuple[int, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for _, text in lines:
        field = _header_field(text)
        if field is not None:
            fields.setdefault(field[0].casefold(), field[1])
    return fields


def _layout(lines: list[tuple[int, str]]) -> str:
    """'headed' when most speaker-ish lines are 'Name  0:03' headers (Otter, Rev, Teams),
    'cues' when they are '0:0:3.5 --> 0:0:8.2' timings (older Teams), else 'labelled'."""
    counts = {"headed": 0, "cues": 0, "labelled": 0}
    after_timing = False
    for _, line in lines:
        if not line.strip():
            continue
        timing = is_timing_line(line)
        if match_header(line):
            counts["headed"] += 1
        elif timing:
            counts["cues"] += 1
        elif after_timing:
            pass  # the cue's speaker name, which alone on its line also reads as a label
        else:
            # "Date: 14/03/2024" above a one-speaker Otter export is not a label: counted,
            # it would tie with the one header and the file would be read as labelled.
            opened = match_speaker_line(line)
            if opened and not is_meta_label(opened[0]):
                counts["labelled"] += 1
        after_timing = timing
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > counts["labelled"] else "labelled"


def transcript_from_lines(
    lines: Iterable[tuple[int, str]], source: str, session: str, options: ReadOptions
) -> Transcript:
    """Group numbered lines into turns. Used for plain text and DOCX paragraphs."""
    lines = list(lines)
    notices: list[str] = []
    numbered = _without_line_numbers(lines)
    if numbered is not None:
        lines = numbered
        notices.append("each line began with a line number; the numbers were taken off")
    layout = _layout(lines)
    if layout in ("headed", "cues"):
        read = transcript_from_headed_lines if layout == "headed" else transcript_from_cue_lines
        transcript = read(lines, source, session, options)
        transcript.notices[:0] = notices
        return transcript
    turns: list[Turn] = []
    system: list[str] = []  # the meeting tool's own lines, kept in meta
    header = _header_end(lines)
    preamble: list[tuple[int, str]] = [(n, text.strip()) for n, text in lines[:header]]
    pending_start: float | None = None
    body = lines[header:]
    # Each line's label, matched once: counted first (a one-off label may be a wrapped line).
    opens = [match_speaker_line(raw.strip()) for _, raw in body]
    labels = Counter(opened[0] for opened in opens if opened is not None)
    previous = ""
    for (number, raw), opened in zip(body, opens, strict=True):
        line = raw.strip()
        if not line:
            continue
        if _SYSTEM_LINE.match(line):
            system.append(line)
            continue
        clock = clock_line(line)
        if clock is not None:
            pending_start = clock  # a time on its own line dates the turn below
            continue
        if opened is not None and not turns and is_meta_label(opened[0]):
            opened = None  # "Date: 14 March" before any turn describes the file
        if opened is not None and turns and _wrapped(opened[0], labels, previous):
            opened = None
            notices.append(f"line {number}: '{line.split(':', 1)[0]}:' read as the line above "
                           "going on, not as a speaker")
        previous = line
        if opened is None:
            if not turns:
                preamble.append((number, line))
            else:
                turns[-1].text = f"{turns[-1].text} {line}".strip()
            pending_start = None
            continue
        speaker, text, start = opened
        role = assign_role(options.roles, speaker, source, number)
        turns.append(
            Turn(session=session, index=len(turns), speaker=speaker, role=role,
                 text=text.strip(), source=source, line=number,
                 start=start if start is not None else pending_start)
        )
        pending_start = None
    if not turns:
        if preamble:
            raise InputError(
                "no speaker labels found (expected e.g. 'T: ...' or 'Client: ...')",
                source, preamble[0][0],
            )
        raise InputError("no speaker-labelled turns found", source)
    meta = preamble_meta(preamble, source)
    if system:
        meta["system"] = system
        notices.append(f"kept {len(system)} line(s) of the meeting tool (such as 'Meeting "
                       "ended after ...') in meta, not in a turn")
    if header:
        fields = _header_fields(lines[:header])
        if meta.get("title") in {text.strip() for _, text in lines[:header]}:
            del meta["title"]  # a field, not a title
        meta.update({key: value for key, value in fields.items() if key not in meta})
    for turn in turns:
        check_turn_length(turn.text, options.max_turn_chars, source, turn.line)
        _take_closing_time(turn)
    return Transcript(source, turns, meta=meta, notices=notices + preamble_notice(meta))


def _wrapped(label: str, labels: Counter[str], previous: str) -> bool:
    """A one-off label that is a sentence-opening word, after a line cut mid-sentence."""
    return (labels[label] == 1 and label.casefold() in _COLON_WORDS
            and not previous.endswith(_FINISHED_LINE_ENDS))


def read_plain_text(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    text = read_text(path)
    if _is_table_header(text.lstrip().split("\n", 1)[0]):
        # Excel's "Unicode Text" is a tab-separated table saved as .txt.
        return read_table(path, options, "\t")
    lines = enumerate(text.split("\n"), start=1)
    return transcript_from_lines(lines, source, Path(path).stem, options)


def _is_table_header(line: str) -> bool:
    """A tab-separated header row naming a speaker and a text column ("Speaker<TAB>Text")."""
    cells = {cell.strip().casefold() for cell in line.split("\t")}
    return (len(cells) > 1 and not cells.isdisjoint(ALIASES["speaker_field"])
            and not cells.isdisjoint(ALIASES["text_field"]))

"""Where the turns are in a grid of cells whose layout is not ours.

A spreadsheet or Word table made by hand often has title rows above its header
("Participant 07 - Session 3", "Transcribed 12/03/2024", a blank row), or no
header at all (a TSV of `T <tab> words`, a Word table of time, speaker and
words). `find_layout` finds the header row among the first rows, keeping what is
above it as the file's title; failing that, it reads a grid with no header when
one column holds a few short, recurring names and another the words. Anything
else is left to the caller's usual error, never guessed at.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from mbt_nlp.readers.fields import resolve_fields
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.timecode import CLOCK

# A header sits within the first rows; a title block is a few lines, not a page.
HEADER_SEARCH_ROWS = 12
# A speaker column: short labels, two to a handful of them, used again and again.
MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 4
MAX_SPEAKERS = 8
# The words column: on average a sentence, not a code or a number.
MIN_MEAN_WORDS = 3.0
_TIME_CELL = re.compile(rf"^[\[(]?{CLOCK}[\])]?$")
_ROW_NUMBER = re.compile(r"^\d+$")


@dataclass
class Layout:
    """How to read a grid: the column names of its data rows, where they start, and
    what stood above them."""

    header: list[str]
    first_row: int  # index in the grid of the first data row
    title: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    options: ReadOptions | None = None  # the options with the fields this header names


def cell_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def find_layout(rows: Sequence[Sequence[object]], options: ReadOptions) -> Layout | None:
    """The layout of `rows` (a grid of cell values), or None when there is no header
    naming a text and a speaker column near the top and no clear headerless layout."""
    above: list[str] = []  # the text of the non-blank rows passed over so far
    for i, row in enumerate(rows):
        cells = [cell_text(v) for v in row]
        if not any(cells):
            continue
        header = _trimmed(cells)
        if len(header) >= 2 and len(set(header)) == len(header) and "" not in header:
            resolved, notices = resolve_fields(header, options)
            if resolved.text_field in header and (
                    resolved.speaker_field in header or _has_role_column(header)):
                if above:
                    notices.append(f"kept {len(above)} row(s) above the header as the "
                                   "file's title (meta), not as turns")
                return Layout(header, i + 1, above, notices, resolved)
        above.append(" ".join(c for c in cells if c))
        if len(above) == HEADER_SEARCH_ROWS:
            break
    grid = [[cell_text(v) for v in row] for row in rows]  # only when there is no header
    return _headerless(grid, [i for i, row in enumerate(grid) if any(row)], options)


def _trimmed(row: list[str]) -> list[str]:
    cells = list(row)
    while cells and not cells[-1]:
        cells.pop()  # a column once touched in Excel: an empty name at the end
    return cells


def _has_role_column(header: list[str]) -> bool:
    return any(name.casefold() == "role" for name in header)


def _headerless(grid: list[list[str]], nonblank: list[int],
                options: ReadOptions) -> Layout | None:
    """A layout for a grid with no header: one column of speaker labels and one of
    words (any other column, such as a time or a row number, is kept as meta)."""
    if len(nonblank) < 2:
        return None
    width = max(len(_trimmed(grid[i])) for i in nonblank)
    if not 2 <= width <= 6:
        return None
    columns = [[grid[i][j] if j < len(grid[i]) else "" for i in nonblank] for j in range(width)]
    speakers = [j for j, col in enumerate(columns) if _is_speaker_column(col)]
    words = [(statistics.fmean(len(c.split()) for c in col), j) for j, col in enumerate(columns)
             if j not in speakers and not _is_time_column(col)]
    if len(speakers) != 1 or not words:
        return None
    mean_words, text_column = max(words)
    if mean_words < MIN_MEAN_WORDS:
        return None
    header = [f"column_{j + 1}" for j in range(width)]
    header[speakers[0]] = options.speaker_field
    header[text_column] = options.text_field
    notice = (f"no header row: column {speakers[0] + 1} read as the speaker and column "
              f"{text_column + 1} as the words")
    return Layout(header, nonblank[0], [], [notice], options)


def _is_speaker_column(column: list[str]) -> bool:
    filled = [c for c in column if c]
    if len(filled) < len(column) * 0.9:
        return False
    if any(len(c) > MAX_LABEL_CHARS or len(c.split()) > MAX_LABEL_WORDS
           or _TIME_CELL.match(c) or _ROW_NUMBER.match(c) for c in filled):
        return False
    counts = Counter(filled)
    # A first label seen only once is more likely a header we could not name ("Who").
    return 2 <= len(counts) <= MAX_SPEAKERS and counts[column[0]] > 1


def _is_time_column(column: list[str]) -> bool:
    filled = [c for c in column if c]
    return bool(filled) and sum(bool(_TIME_CELL.match(c)) for c in filled) >= 0.8 * len(filled)

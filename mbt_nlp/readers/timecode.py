"""Clock times in transcripts ("0:03", "01:02:03", "00:00:03.500") as seconds."""

from __future__ import annotations

import re

# m:ss, mm:ss, h:mm:ss, with optional fractions ("," in SRT, "." elsewhere).
CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# A line that is nothing but a clock time, bare or bracketed ("[00:03]", "(0:03:10)").
_CLOCK_LINE = re.compile(rf"^\s*[\[(]?(?P<ts>{CLOCK})[\])]?\s*$")


def to_seconds(value: str | None) -> float | None:
    if not value:
        return None
    seconds = 0.0
    for part in value.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def clock_line(line: str) -> float | None:
    """Seconds when the whole line is one clock time, else None."""
    m = _CLOCK_LINE.match(line)
    return to_seconds(m["ts"]) if m else None

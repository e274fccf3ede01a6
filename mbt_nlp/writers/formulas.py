"""Spreadsheet formula injection: which text cells a spreadsheet would run, and the
neutralised form (OWASP's rule: a leading apostrophe). No pandas here: the batch
run's main process joins tables with it."""

from __future__ import annotations

from typing import Any

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV
# injection"); transcript text can start with any of them ("- well, I...").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    """A text cell that starts like a formula, with an apostrophe in front; else as is."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

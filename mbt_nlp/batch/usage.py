"""The error of a batch run that cannot start as asked (the CLI's exit code 2)."""

from __future__ import annotations

from mbt_nlp.errors import MbtError


class UsageError(MbtError):
    """The run cannot start as asked (exit code 2)."""

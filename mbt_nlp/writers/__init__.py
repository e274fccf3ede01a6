"""Output writers."""

from .jsonl import JsonlWriter, atomic_output

__all__ = ["JsonlWriter", "atomic_output"]

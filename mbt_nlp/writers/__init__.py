"""Stage 6, writing: JSONL records, tables (CSV/Parquet), the HTML report and its templates.

May import: transcript, errors, readers, pipeline, annotation, research.
"""

from mbt_nlp.writers.jsonl import JsonlWriter, atomic_output

__all__ = ["JsonlWriter", "atomic_output"]

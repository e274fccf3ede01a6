"""Stage 7, batch: many files -> outputs, in parallel, resumable, with an error report.

May import every stage before it (readers, pipeline, annotation, writers).
"""

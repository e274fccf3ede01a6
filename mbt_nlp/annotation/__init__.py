"""Stage 3, Transcript -> records: passages, segments, decisions, session summaries.

May import: transcript, errors, readers, pipeline.
"""

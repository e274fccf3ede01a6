"""Stage 2, the spaCy side: build/load the Language, our components, rules and lexicons.

May import: transcript, errors. Never annotation, learn, research, writers or batch.
"""

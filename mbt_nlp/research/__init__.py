"""Stage 5, research: agreement between coders (and the model), exchange with tools.

May import: transcript, errors, readers, pipeline, annotation, learn.
"""

"""Stage 4, learning: corpora, training, metrics, evaluation of the mode classifier.

May import: transcript, errors, readers, pipeline, annotation. The pipeline's classifier
component never imports this stage (its features and model file live in pipeline/).
"""

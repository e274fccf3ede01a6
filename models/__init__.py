"""Trained pipelines bundled with mbt-nlp (installed as mbt_nlp.models)."""

"""The `mbt` command line (installed as mbt_nlp.cli)."""

"""The names of our pipeline components, importable without spaCy (the CLI's main
process and the batch runner refer to them but never build a pipeline)."""

RISK = "mbt_risk"
# Risk words first: they read the plain turn and feed nothing else.
MBT_COMPONENTS = (RISK, "mbt_markers", "mbt_context", "mbt_discourse", "mbt_profile")
CLASSIFIER = "mbt_classifier"
INTERVENTION = "mbt_intervention"
OWN_CODES = "mbt_codes"
BUNDLED_NAME = "mbt_en"

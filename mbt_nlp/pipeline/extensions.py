"""Every Doc extension mbt_nlp sets, declared in one table.

Span metadata does not go into Span extensions (spaCy keys those by character
offsets only, so two markers over the same words would share them). A marker
span carries its type as `label_`, its mode family as `kb_id_` and the rule
that fired as `id_`; all three survive `DocBin` and `to_bytes`.
"""

from __future__ import annotations

from spacy.tokens import Doc

SPANS_KEY = "mbt"  # active marker spans
DISFLUENCY_KEY = "mbt_disfluency"  # fillers, repeats, false starts, interjections
RISK_KEY = "mbt_risk"  # risk words (label: group, kb_id_: whose), every turn

DOC_EXTENSIONS: dict[str, dict[str, object]] = {
    # Set by the caller before the pipeline runs: the text of the turn this one answers
    # (the passage before its own; passages.py), for echo and the clinician codes.
    "mbt_previous_text": {"default": None},
    # Set by the caller: this line is judged with its passage (passages.py), so the
    # classifier leaves it alone and the passage's mode is given to it afterwards.
    "mbt_in_passage": {"default": False},
    # Set by the caller: this Doc is a passage's lines joined, made only for the
    # classifier's mode; its lines carry everything else (risk words are not read).
    "mbt_joined": {"default": False},
    # Set by the caller: this turn gets no mode (a clinician turn, unless asked), so the
    # classifier does not spend time on it.
    "mbt_unlabelled": {"default": False},
    # Risk words with how each is meant (group, text, start_char, end_char, negated,
    # reported, subject, past, rule), from mbt_risk: dicts, in the order of the spans.
    "mbt_risk": {"default": None},
    # Markers that the context component cancelled, with the reason (dicts).
    "mbt_cancelled": {"default": None},
    # Turn-level discourse signals (dict of floats), from mbt_discourse.
    "mbt_discourse": {"default": None},
    # The four MBT dimensions in [-1, 1], from mbt_profile.
    "mbt_profile": {"default": None},
    # Set by the caller: "client" or "clinician" (None: unknown, e.g. a bare text).
    "mbt_role": {"default": None},
    # What the clinician did (an intervention code), its probabilities and the words
    # that carried it, from mbt_intervention (clinician turns only).
    "mbt_intervention": {"default": None},
    "mbt_intervention_proba": {"default": None},
    "mbt_intervention_evidence": {"default": None},
    # A research group's own code (codebook file), its probabilities and the words that
    # carried it, from mbt_codes (turns of the codebook's role).
    "mbt_code": {"default": None},
    "mbt_code_proba": {"default": None},
    "mbt_code_evidence": {"default": None},
    # Mode and probabilities, from mbt_classifier (when the pipeline has one).
    "mbt_mode": {"default": None},
    "mbt_proba": {"default": None},
    # Why a mode was flagged: "probability" (P(any mode) reached the threshold) or
    # "marker" (a floor marker, with P(any mode) over the lower floor; priors.py).
    "mbt_flagged_by": {"default": None},
    # The word n-grams that added most to a flagged turn's mode (against none and
    # mentalizing), from mbt_classifier: the evidence of a flag no marker explains.
    "mbt_mode_evidence": {"default": None},
    "mbt_segments": {"default": None},
}


def register_extensions() -> None:
    """Declare the extensions once; leave any existing declaration alone."""
    for name, kwargs in DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, **kwargs)


def marker_dict(span) -> dict[str, object]:
    """A marker span as plain data (char offsets relative to the Doc)."""
    return {
        "start": span.start_char,
        "end": span.end_char,
        "text": span.text,
        "label": span.label_,
        "family": span.kb_id_,
        "rule": span.id_,
    }

"""Explain what the pipeline found in one text: each marker, the rule, and why."""

from __future__ import annotations

from collections import Counter
from typing import Any

from spacy.language import Language

from mbt_nlp.annotation.segments import candidate_segments
from mbt_nlp.pipeline.extensions import SPANS_KEY, marker_dict
from mbt_nlp.pipeline.tokens import make_doc


def rule_reasons(nlp: Language) -> dict[str, str]:
    """Rule id -> one-line reason, collected from every mbt component in the pipeline."""
    reasons: dict[str, str] = {}
    for _, component in nlp.pipeline:
        if hasattr(component, "rule_reasons"):
            reasons.update(component.rule_reasons())
    return reasons


def explain(text: str, nlp: Language) -> dict[str, Any]:
    doc = nlp(make_doc(nlp, text))
    reasons = rule_reasons(nlp)
    markers = [
        {**marker_dict(span), "reason": reasons.get(span.id_, "")}
        for span in doc.spans.get(SPANS_KEY, [])
    ]
    cancelled = [
        {**c, "rule_reason": reasons.get(str(c["rule"]), "")} for c in doc._.mbt_cancelled or []
    ]
    families = Counter(m["family"] for m in markers)
    result: dict[str, Any] = {
        "text": text,
        "markers": markers,
        "cancelled": cancelled,
        "families": dict(families),
        "discourse": doc._.mbt_discourse,
        "profile": doc._.mbt_profile,
    }
    if doc._.mbt_proba is not None:
        result["mode"] = doc._.mbt_mode
        result["proba"] = doc._.mbt_proba
        result["flagged_by"] = doc._.mbt_flagged_by
        result["mode_evidence"] = doc._.mbt_mode_evidence or []
        result["segments"] = candidate_segments(doc, nlp)
    return result

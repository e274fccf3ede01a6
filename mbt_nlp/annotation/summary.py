"""Researcher tables from turn records: turns (flat), sessions × speakers, markers.

All three are lists of flat dicts (one pandas/R/SPSS row each), so they
write to CSV or Parquet unchanged. Risk words are counted per group in the turn
and session tables (every mention, with how many were negated or about another
person), and listed one row each in the marker table (status "risk").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from mbt_nlp.annotation.fit import moment_fits
from mbt_nlp.pipeline.resources import FAMILIES, INTERVENTIONS, LABELS, MODES
from mbt_nlp.pipeline.risk_lexicon import RISK_GROUPS

DISCOURSE_COLUMNS = ("words", "abstractness", "concreteness", "affect", "repetition", "echo")
PROFILE_COLUMNS = ("self_other", "internal_external", "cognitive_affective",
                   "automatic_controlled")
MARKER_COLUMNS = ("session", "turn", "speaker", "role", "source_file", "source_line", "start",
                  "end", "words", "label", "family", "rule", "status", "cancel_reason",
                  "risk_negated", "risk_reported", "risk_subject", "risk_past",
                  "response_turn", "response_intervention", "response_fit")
FIT_VALUES = ("consistent", "risky", "neither")
RISK_COLUMNS = (*(f"risk_{group}" for group in RISK_GROUPS), "risk_negated",
                "risk_other_person")


def risk_counts(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Risk mentions per group (all of them), and how many were negated or about another
    person: the columns of RISK_COLUMNS."""
    mentions = [m for record in records for m in record.get("risk") or []]
    counts = {f"risk_{group}": sum(m["group"] == group for m in mentions)
              for group in RISK_GROUPS}
    counts["risk_negated"] = sum(bool(m["negated"]) for m in mentions)
    counts["risk_other_person"] = sum(m["subject"] == "other" for m in mentions)
    return counts


def turn_row(record: dict[str, Any]) -> dict[str, Any]:
    """One flat row per turn: identity, mode and probabilities, marker counts, signals."""
    row = {k: record.get(k) for k in ("session", "turn", "speaker", "role", "text", "start",
                                      "end", "source_file", "source_line", "source_record")}
    passage = record.get("passage") or [record.get("turn")] * 2
    row["passage_first"], row["passage_last"] = passage
    row["mode"] = record.get("mode")
    row["flagged_by"] = record.get("flagged_by")
    # The word n-grams that weighed most towards a flagged turn's mode, "; "-joined.
    row["mode_evidence"] = "; ".join(record.get("mode_evidence") or []) or None
    proba = record.get("proba") or {}
    for label in LABELS:
        row[f"p_{label}"] = proba.get(label)
    families = [m["family"] for m in record.get("markers", [])]
    for family in FAMILIES:
        row[f"markers_{family}"] = families.count(family)
    row["markers_cancelled"] = len(record.get("cancelled", []))
    row["segments"] = len(record.get("segments") or [])
    row["intervention"] = record.get("intervention")
    row["p_intervention"] = (record.get("intervention_proba") or {}).get(
        record.get("intervention"))
    if "code" in record:  # a research group's own codes (mbt_codes), only when present
        row["code"] = record["code"]
        row["p_code"] = (record.get("code_proba") or {}).get(record["code"])
        row["code_flag"] = record.get("code_flag")
    row.update(risk_counts([record]))
    discourse = record.get("discourse") or {}
    for key in DISCOURSE_COLUMNS:
        row[f"discourse_{key}"] = discourse.get(key)
    profile = record.get("profile") or {}
    for key in PROFILE_COLUMNS:
        row[f"profile_{key}"] = profile.get(key)
    return row


def marker_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per marker span (active or set aside by context) and per risk mention. A
    marker in a flagged client turn carries the clinician's response: its turn, code and
    fit to the moment (annotation/fit.py), so response patterns can be studied."""
    records = list(records)
    responses = {(f["session"], f["client_turn"]): f for f in moment_fits(records)}
    rows = []
    for record in records:
        response = responses.get((record["session"], record["turn"])) or {}
        base = {"session": record["session"], "turn": record["turn"],
                "speaker": record["speaker"], "role": record["role"],
                "source_file": record.get("source_file"),
                "source_line": record.get("source_line"),
                "response_turn": response.get("response_turn"),
                "response_intervention": response.get("intervention"),
                "response_fit": response.get("fit")}
        no_risk = dict.fromkeys(("risk_negated", "risk_reported", "risk_subject", "risk_past"))
        for marker in record.get("markers", []):
            rows.append({**base, **_marker(marker), "status": "active", "cancel_reason": None,
                         **no_risk})
        for marker in record.get("cancelled", []):
            rows.append({**base, **_marker(marker), "status": "cancelled",
                         "cancel_reason": marker.get("reason"), **no_risk})
        for mention in record.get("risk") or []:
            rows.append({**base, "start": mention["start_char"], "end": mention["end_char"],
                         "words": mention["text"], "label": mention["group"], "family": "risk",
                         "rule": mention["rule"], "status": "risk", "cancel_reason": None,
                         "risk_negated": mention["negated"], "risk_reported": mention["reported"],
                         "risk_subject": mention["subject"], "risk_past": mention["past"]})
    return rows


def _marker(marker: dict[str, Any]) -> dict[str, Any]:
    return {"start": marker["start"], "end": marker["end"], "words": marker["text"],
            "label": marker["label"], "family": marker["family"], "rule": marker["rule"]}


def session_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per session × speaker: turns, words, mode counts and rates per 100 words, mean
    probabilities and mean dimension profile."""
    records = list(records)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[(record["session"], record["speaker"])].append(record)
    session_fits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fit in moment_fits(records):
        session_fits[fit["session"]].append(fit)
    rows = []
    for (session, speaker), turns in groups.items():
        words = sum(int((r.get("discourse") or {}).get("words", 0)) for r in turns)
        row: dict[str, Any] = {"session": session, "speaker": speaker, "role": turns[0]["role"],
                               "turns": len(turns), "words": words}
        labelled = [r for r in turns if r.get("mode")]
        for label in LABELS:
            count = sum(r.get("mode") == label for r in labelled)
            row[f"n_{label}"] = count
            if label in MODES:
                row[f"rate100w_{label}"] = round(100 * count / words, 4) if words else 0.0
        row["share_mentalizing"] = (round(row["n_mentalizing"] / len(labelled), 4)
                                    if labelled else None)
        for label in LABELS:
            values = [r["proba"][label] for r in labelled if r.get("proba")]
            row[f"mean_p_{label}"] = round(sum(values) / len(values), 4) if values else None
        for key in PROFILE_COLUMNS:
            values = [(r.get("profile") or {}).get(key, 0.0) for r in turns]
            row[f"profile_{key}"] = round(sum(values) / len(values), 4) if values else None
        row.update(risk_counts(turns))
        # Clinician rows: how often each code was used; client rows: how the clinician
        # responded to this speaker's flagged moments.
        codes = [r.get("intervention") for r in turns if r.get("intervention")]
        for code in INTERVENTIONS:
            row[f"n_intervention_{code}"] = codes.count(code) if codes else None
        fits = [f["fit"] for f in session_fits.get(session, [])
                if f["client_turn"] in {r["turn"] for r in turns}]
        for value in FIT_VALUES:
            row[f"n_response_{value}"] = fits.count(value) if fits else None
        rows.append(row)
    return rows

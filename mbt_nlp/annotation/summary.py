"""Researcher tables from turn records: turns (flat), sessions × speakers, markers.

All three are lists of flat dicts (one pandas/R/SPSS row each), so they
write to CSV or Parquet unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from mbt_nlp.pipeline.resources import FAMILIES, LABELS, MODES

DISCOURSE_COLUMNS = ("words", "abstractness", "concreteness", "affect", "repetition", "echo")
PROFILE_COLUMNS = ("self_other", "internal_external", "cognitive_affective",
                   "automatic_controlled")


def turn_row(record: dict[str, Any]) -> dict[str, Any]:
    """One flat row per turn: identity, mode and probabilities, marker counts, signals."""
    row = {k: record.get(k) for k in ("session", "turn", "speaker", "role", "text", "start",
                                      "end", "source_file", "source_line", "source_record")}
    passage = record.get("passage") or [record.get("turn")] * 2
    row["passage_first"], row["passage_last"] = passage
    row["mode"] = record.get("mode")
    proba = record.get("proba") or {}
    for label in LABELS:
        row[f"p_{label}"] = proba.get(label)
    families = [m["family"] for m in record.get("markers", [])]
    for family in FAMILIES:
        row[f"markers_{family}"] = families.count(family)
    row["markers_cancelled"] = len(record.get("cancelled", []))
    row["segments"] = len(record.get("segments") or [])
    discourse = record.get("discourse") or {}
    for key in DISCOURSE_COLUMNS:
        row[f"discourse_{key}"] = discourse.get(key)
    profile = record.get("profile") or {}
    for key in PROFILE_COLUMNS:
        row[f"profile_{key}"] = profile.get(key)
    return row


def marker_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per marker span (active or set aside by context)."""
    rows = []
    for record in records:
        base = {"session": record["session"], "turn": record["turn"],
                "speaker": record["speaker"], "role": record["role"],
                "source_file": record.get("source_file"),
                "source_line": record.get("source_line")}
        for marker in record.get("markers", []):
            rows.append({**base, **_marker(marker), "status": "active", "cancel_reason": None})
        for marker in record.get("cancelled", []):
            rows.append({**base, **_marker(marker), "status": "cancelled",
                         "cancel_reason": marker.get("reason")})
    return rows


def _marker(marker: dict[str, Any]) -> dict[str, Any]:
    return {"start": marker["start"], "end": marker["end"], "words": marker["text"],
            "label": marker["label"], "family": marker["family"], "rule": marker["rule"]}


def session_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per session × speaker: turns, words, mode counts and rates per 100 words, mean
    probabilities and mean dimension profile."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[(record["session"], record["speaker"])].append(record)
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
        rows.append(row)
    return rows

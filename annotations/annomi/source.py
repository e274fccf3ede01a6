"""Read AnnoMI's CSV (not bundled) as turns, after checking it is the exact file labelled.

AnnoMI (Wu et al., ICASSP 2022; Future Internet 2023): 133 transcribed
demonstrations of motivational interviewing, released by its authors under a
public-domain licence. The project keeps only its own labels of AnnoMI turns,
keyed by id; the text comes from the user's copy of the CSV.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from mbt_nlp.errors import InputError
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.transcript import RoleMap, Turn

# AnnoMI-simple.csv at the authors' commit 42936645 (the same bytes as the earlier
# dataset.csv): the file the labels in raw/ refer to.
SHA256 = "b178db3b0b9858a0fa4ed670dabeccd63e975ba67e141d7ae16f2e8214f78e61"
OPTIONS = ReadOptions(session_field="transcript_id", turn_field="utterance_id",
                      speaker_field="interlocutor", text_field="utterance_text",
                      roles=RoleMap(clinicians=frozenset({"therapist"})))


def read_annomi(path: Path) -> list[Turn]:
    """Every turn of the CSV, in file order; InputError if it is not the labelled file."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256:
        raise InputError(f"{path}: not the AnnoMI file the labels refer to (SHA-256 "
                         f"{digest[:12]}..., expected {SHA256[:12]}...)")
    return list(read_transcript(path, OPTIONS))


def turn_id(turn: Turn) -> str:
    return f"annomi_{turn.session}:{turn.index}"


# Written after reading AnnoMI turns the model had missed (models/EVALUATION.md lists
# each step): whole rules, and single patterns of other rules.
ANNOMI_INFORMED_RULES = frozenset({"pe.burden", "pe.kind_verdict"})
ANNOMI_INFORMED_PATTERNS = frozenset({
    "only way out",
    "@other_subj @intensifier? would|'d|d|wo|will|did n't|nt|not @ever? give a "
    "damn|toss|shit|fuck|crap",
})


def without_annomi_informed(rules: dict[str, Any]) -> dict[str, Any]:
    """The marker rules (RuleSet.to_dict form) without the AnnoMI-informed rules and
    patterns; ValueError naming any that is no longer there, so that a renamed rule
    cannot quietly make the held-out figure an upper bound again."""
    kept, seen = [], set()
    for rule in rules["rules"]:
        if rule["id"] in ANNOMI_INFORMED_RULES:
            seen.add(rule["id"])
            continue
        patterns = [p for p in rule["patterns"] if p not in ANNOMI_INFORMED_PATTERNS]
        seen.update(set(rule["patterns"]) - set(patterns))
        kept.append({**rule, "patterns": patterns})
    if missing := (ANNOMI_INFORMED_RULES | ANNOMI_INFORMED_PATTERNS) - seen:
        raise ValueError("AnnoMI-informed marker rules not in the model: "
                         + "; ".join(sorted(missing)))
    return {**rules, "rules": kept}

"""The intervention classifier: the clinician codes of the shared codebook.

Clinician turns with an `intervention` code in the annotation files (written/,
spoken/ and clinician/sessions/; see annotations/build_clinician.py), learnt and
evaluated by the generic turn-code classifier (learn/turn_codes.py) with the risky
codes (argue, content_focus, join_pretend, doing) as the group a supervisor minds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.pipeline import Pipeline

from mbt_nlp.learn.turn_codes import (
    DEFAULT_C,
    CodedTurns,
    evaluate_codes,
    format_codes,
    load_coded_turns,
)
from mbt_nlp.learn.turn_codes import fit as fit_codes
from mbt_nlp.pipeline.resources import INTERVENTIONS, RISKY_INTERVENTIONS

ClinicianTurns = CodedTurns
GROUP_NAME = "risky group (argue, content_focus, join_pretend, doing)"


def load_clinician_turns(paths: Sequence[str | Path]) -> CodedTurns:
    """Every clinician turn with an intervention code, and the passage it answers."""
    return load_coded_turns(paths, role="clinician", field="intervention",
                            labels=INTERVENTIONS)


def fit(turns: CodedTurns, C: float = DEFAULT_C, seed: int = 0) -> Pipeline:
    return fit_codes(turns, C, seed)


def evaluate_interventions(turns: CodedTurns, seed: int = 0,
                           held_out: CodedTurns | None = None) -> dict[str, Any]:
    """`held_out`: coded turns kept out of training (the rev16 interview hosts: real
    speech), scored by the model fitted on all of `turns`."""
    return evaluate_codes(turns, INTERVENTIONS, RISKY_INTERVENTIONS, seed=seed,
                          held_out=held_out)


def format_interventions(results: dict[str, Any]) -> str:
    return format_codes(results, "Clinician interventions", GROUP_NAME)

"""Train and evaluate a research group's own codes (a codebook file).

The codes are learnt by the generic turn-code classifier (learn/turn_codes.py)
from the turns of the codebook's role whose codebook field holds a code, and
added as `mbt_codes` to a full mbt pipeline (the bundled one, or the one given),
so a tagged record carries the group's code beside the MBT mode and markers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language

from mbt_nlp.errors import InputError
from mbt_nlp.learn.turn_codes import (
    CodedTurns,
    evaluate_codes,
    fit,
    format_codes,
    load_coded_turns,
)
from mbt_nlp.pipeline.build import OWN_CODES, load_pipeline
from mbt_nlp.pipeline.codebook import Codebook

MIN_PER_CODE = 5  # fewer examples of a code than this: a warning, the code is barely learnt


def load_own_codes(paths: Sequence[str | Path], codebook: Codebook) -> CodedTurns:
    turns = load_coded_turns(paths, role=codebook.applies_to, field=codebook.field,
                             labels=codebook.labels)
    if not turns.codes:
        raise InputError(f"no {codebook.applies_to} turn has a code in field "
                         f"{codebook.field!r} (set 'field' in the codebook)",
                         ", ".join(map(str, paths)))
    if len(set(turns.codes)) < 2:
        raise InputError(f"every coded turn has the same code ({turns.codes[0]}): "
                         "training needs at least two", ", ".join(map(str, paths)))
    return turns


def own_code_warnings(turns: CodedTurns, codebook: Codebook) -> list[str]:
    counts = Counter(turns.codes)
    return [f"code {c!r} has {counts[c]} coded turn(s); under {MIN_PER_CODE} it is barely "
            "learnt" for c in codebook.labels if counts[c] < MIN_PER_CODE]


def train_own_codes(turns: CodedTurns, codebook: Codebook,
                    output_dir: str | Path | None = None, *, model: str | Path | None = None,
                    seed: int = 0) -> Language:
    """Fit the codebook's codes on `turns` (load_own_codes) and add them to a full
    pipeline (bundled, or `model`)."""
    nlp = load_pipeline(model=model)
    if nlp.has_pipe(OWN_CODES):
        nlp.remove_pipe(OWN_CODES)
    nlp.add_pipe(OWN_CODES).set_model(fit(turns, seed=seed), {
        "codebook": codebook.to_dict(), "seed": seed,
        "trained_on": {"turns": len(turns), "sessions": len(set(turns.sessions)),
                       "codes": dict(Counter(turns.codes))},
    })
    nlp.meta["description"] = (f"{nlp.meta.get('description', '')} With the codes of "
                               f"the codebook {codebook.name!r} (mbt_codes).").strip()
    if output_dir is not None:
        nlp.to_disk(output_dir)
    return nlp


def evaluate_own_codes(paths: Sequence[str | Path], codebook: Codebook,
                       seed: int = 0) -> dict[str, Any]:
    """Session-grouped CV and leave-one-writer-out (or coder, or session) of the codes,
    with the codebook's flags as the group against the rest."""
    turns = load_own_codes(paths, codebook)
    group = codebook.flags or codebook.labels[:1]
    results = evaluate_codes(turns, codebook.labels, group, seed=seed)
    results["codebook"] = codebook.name
    return results


def format_own_codes(results: dict[str, Any], codebook: Codebook) -> str:
    group = ", ".join(codebook.flags) if codebook.flags else codebook.labels[0]
    return format_codes(results, f"Own codes: {codebook.name}", f"flags ({group})")

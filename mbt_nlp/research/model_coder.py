"""The model as one more coder: its label for each coded turn, tagged in context.

A turn is tagged within its whole session, as `mbt tag` does: the turn it
answers (echo) and the passage it belongs to change its label, so the turns are never
tagged one by one out of context.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spacy.language import Language

from mbt_nlp.annotation.turns import annotate_turns, has_classifier
from mbt_nlp.errors import InputError, ModelError
from mbt_nlp.research.coder_files import Unit
from mbt_nlp.transcript import Turn


def model_labels(nlp: Language, turns: Sequence[Turn], units: Iterable[Unit],
                 field: str = "mode") -> dict[Unit, str | None]:
    """The model's label of each unit (None for a turn that gets no label): its mode, or
    with field="code" its own code (mbt_codes).

    `turns`: every turn of the sessions (clinician turns too, for context).
    """
    if field == "mode" and not has_classifier(nlp):
        raise ModelError("the pipeline has no classifier, so it gives no labels to compare "
                         "(not --rules-only)")
    wanted = set(units)
    sessions = {session for session, _ in wanted}
    labels: dict[Unit, str | None] = {}
    for record in annotate_turns(nlp, [t for t in turns if t.session in sessions]):
        unit = (record["session"], record["turn"])
        if unit in wanted:
            labels[unit] = record.get(field)
    missing = sorted(wanted - set(labels))
    if missing:
        session, turn = missing[0]
        raise InputError(f"no words for {len(missing)} coded turn(s), e.g. session {session} "
                         f"turn {turn}: give the transcripts with --transcripts")
    return labels

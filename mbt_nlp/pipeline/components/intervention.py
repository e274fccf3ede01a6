"""`mbt_intervention`: what the clinician did in each clinician turn.

For every Doc whose `doc._.mbt_role` is "clinician" it writes
`doc._.mbt_intervention` (one code of the codebook's clinician section),
`doc._.mbt_intervention_proba` ({code: probability}) and
`doc._.mbt_intervention_evidence` (the words that carried it); the model and its
evidence are those of every turn-code classifier (components/turn_codes.py).
"""

from __future__ import annotations

from spacy.language import Language

from mbt_nlp.pipeline.components.turn_codes import TurnCodeClassifier
from mbt_nlp.pipeline.resources import INTERVENTIONS


@Language.factory(
    "mbt_intervention",
    assigns=["doc._.mbt_intervention", "doc._.mbt_intervention_proba",
             "doc._.mbt_intervention_evidence"],
    default_config={},
)
def make_intervention(nlp: Language, name: str) -> InterventionClassifier:
    return InterventionClassifier(nlp, name)


class InterventionClassifier(TurnCodeClassifier):
    attr = "mbt_intervention"

    def __init__(self, nlp: Language, name: str = "mbt_intervention") -> None:
        super().__init__(nlp, name)

    @property
    def labels(self) -> tuple[str, ...]:
        return INTERVENTIONS

    @property
    def role(self) -> str:
        return "clinician"

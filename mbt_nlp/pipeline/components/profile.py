"""`mbt_profile`: the four dimensions of mentalizing as scores in [-1, 1].

Positive means the first pole: self (vs other), internal (vs external),
cognitive (vs affective), controlled (vs automatic). Each score is a balance
(a - b) / (a + b) of counts in the client's own words; 0 when neither pole
shows. Controlled vs automatic weighs mentalizing markers (hedges, wondering,
causal links, perspective) against certainty and action-as-proof markers,
because automatic mentalizing shows as unreflective certainty.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from mbt_nlp.pipeline.components.base import PerDoc
from mbt_nlp.pipeline.extensions import SPANS_KEY, register_extensions
from mbt_nlp.pipeline.resources import lexicon_set
from mbt_nlp.pipeline.words import client_words

DIMENSIONS = ("self_other", "internal_external", "cognitive_affective", "automatic_controlled")


def balance(a: float, b: float) -> float:
    return round((a - b) / (a + b), 4) if a + b else 0.0


@Language.factory(
    "mbt_profile",
    assigns=["doc._.mbt_profile"],
    requires=["doc.spans"],
    default_config={},
)
def make_profile(nlp: Language, name: str) -> DimensionProfile:
    return DimensionProfile(nlp, name)


class DimensionProfile(PerDoc):
    def __init__(self, nlp: Language, name: str = "mbt_profile") -> None:
        register_extensions()
        self.name = name
        self.self_words = lexicon_set("self_pron")
        self.other_words = lexicon_set("other_ref") | lexicon_set("kin")
        self.internal = lexicon_set("mental_verb") | lexicon_set("affect")
        self.external = lexicon_set("action_verb") | lexicon_set("concrete_noun")
        self.cognitive = lexicon_set("cognitive")
        self.affective = lexicon_set("affect")

    def rule_reasons(self) -> dict[str, str]:
        return {}

    def profile(self, doc: Doc) -> dict[str, float]:
        words = client_words(doc)[1]
        count = lambda lexicon: sum(map(lexicon.__contains__, words))  # noqa: E731
        controlled = automatic = 0.0
        for span in doc.spans.get(SPANS_KEY, []):
            if span.kb_id_ == "mentalizing":
                controlled += 1
            elif span.kb_id_ in {"psychic_equivalence", "teleological"}:
                automatic += 1
        return {
            "self_other": balance(count(self.self_words), count(self.other_words)),
            "internal_external": balance(count(self.internal), count(self.external)),
            "cognitive_affective": balance(count(self.cognitive), count(self.affective)),
            "automatic_controlled": balance(controlled, automatic),
        }

    def __call__(self, doc: Doc) -> Doc:
        doc._.mbt_profile = self.profile(doc)
        return doc

    # Nothing to save: the component has no state beyond the packaged lexicons.
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> DimensionProfile:
        return self

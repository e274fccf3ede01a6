"""`mbt_codes`: a research group's own codes (declared in a codebook file) per turn.

Trained by `mbt train --codebook FILE`; the codebook (labels, definitions, flags,
colours, which role it codes) is saved in the component's settings, so a model
carries the scheme it was trained on. For every Doc of the codebook's role it
writes `doc._.mbt_code`, `doc._.mbt_code_proba` and `doc._.mbt_code_evidence`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spacy.language import Language

from mbt_nlp.errors import ModelError, ResourceError
from mbt_nlp.pipeline.codebook import Codebook, codebook_from_dict
from mbt_nlp.pipeline.components.turn_codes import TurnCodeClassifier
from mbt_nlp.pipeline.model_file import SETTINGS_FILE


@Language.factory(
    "mbt_codes",
    assigns=["doc._.mbt_code", "doc._.mbt_code_proba", "doc._.mbt_code_evidence"],
    default_config={},
)
def make_own_codes(nlp: Language, name: str) -> OwnCodeClassifier:
    return OwnCodeClassifier(nlp, name)


class OwnCodeClassifier(TurnCodeClassifier):
    attr = "mbt_code"

    def __init__(self, nlp: Language, name: str = "mbt_codes") -> None:
        super().__init__(nlp, name)
        self.codebook: Codebook | None = None

    def set_model(self, model: Any, settings: Mapping[str, Any]) -> None:
        kept = self.codebook
        try:
            super().set_model(model, settings)
        except ModelError:
            self.codebook = kept  # a refused model leaves the component as it was
            raise

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        try:
            self.codebook = codebook_from_dict(settings.get("codebook"),
                                               f"{self.name}/{SETTINGS_FILE}")
        except ResourceError as err:
            raise ModelError(f"the model's codebook is invalid: {err}") from None

    @property
    def labels(self) -> tuple[str, ...]:
        return self.codebook.labels if self.codebook else ()

    @property
    def role(self) -> str:
        return self.codebook.applies_to if self.codebook else "client"

"""The codebook every export carries: turn labels, marker span labels, definitions, colours.

Turn labels and their definitions follow the shared codebook (MBT modes, Bateman & Fonagy);
marker labels are those of the packaged marker rules, defined by the rules' own reasons.
Colours are the report's Okabe-Ito set (distinguishable with the common colour-vision
deficiencies): a label's colour, and its mode family's tint for marker spans.

A research group's own codebook (`mbt export/import/suggest --codebook`, pipeline/codebook.py)
replaces the turn labels: `Scheme` is the set of turn labels in use, `MBT` or `scheme_of(...)`.
The marker spans stay the mbt ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbt_nlp.errors import ModelError, ResourceError
from mbt_nlp.pipeline.codebook import Codebook, load_codebook
from mbt_nlp.pipeline.names import OWN_CODES
from mbt_nlp.pipeline.resources import LABELS, MODES
from mbt_nlp.pipeline.rules import RuleSet

if TYPE_CHECKING:  # spaCy only where a model is asked: `mbt --help` stays quick
    from spacy.language import Language

    from mbt_nlp.pipeline.components.own_codes import OwnCodeClassifier

__all__ = ["LABELS", "MBT", "MODES", "SECONDARY", "Code", "Scheme", "label_codes",
           "load_scheme", "marker_codes", "marker_labels", "model_codes", "scheme_of",
           "secondary_option", "split_option"]

DEFINITIONS = {
    "psychic_equivalence": "Thoughts and feelings are too real: what is thought or felt is "
                           "taken as fact about the world; no alternative perspective is "
                           "entertained.",
    "teleological": "Only what is done counts: mental states are recognised only through "
                    "physical, observable outcomes.",
    "pretend": "Mental talk severed from reality: talk about mental states that is "
               "inconsequential and unanchored.",
    "mentalizing": "Genuine reflective talk: curious, tentative, flexible thinking about "
                   "one's own and others' minds.",
    "none": "None of the above: factual narrative, logistics, greetings, back-channels, "
            "answers to factual questions.",
}
COLOURS = {"psychic_equivalence": "#D55E00", "teleological": "#0072B2", "pretend": "#CC79A7",
           "mentalizing": "#009E73", "none": "#6B6B6B"}
TINTS = {"psychic_equivalence": "#FBE1CF", "teleological": "#D3E8F5", "pretend": "#F6E1ED",
         "mentalizing": "#D4EFE6", "none": "#EEEEEE"}
SHORT = {"psychic_equivalence": "PE", "teleological": "TEL", "pretend": "PRE",
         "mentalizing": "MENT", "none": "none"}
# Tools with one flat list of choices tell the secondary label by this prefix.
SECONDARY = "secondary:"


@dataclass(frozen=True)
class Code:
    """One label as a tool shows it."""

    name: str
    definition: str
    colour: str
    family: str  # the mode family (for a turn label: the label itself)


def label_codes() -> tuple[Code, ...]:
    return tuple(Code(label, DEFINITIONS[label], COLOURS[label], label) for label in LABELS)


# Fields of an annotation record that every scheme keeps as they are (its codes aside).
BASE_FIELDS = ("session", "turn", "speaker", "role", "text", "writer", "spans")


@dataclass(frozen=True)
class Scheme:
    """The turn labels an export offers and an import takes: the mbt labels (`MBT`, a
    primary and an optional secondary label on any turn, in `label`/`secondary`), or the
    codes of a codebook (one code per turn of its role, in its `field`)."""

    codes: tuple[Code, ...]
    flags: tuple[str, ...]  # what --flagged selects and `mbt suggest` enriches
    codebook: Codebook | None = None
    source: str | None = None  # the codebook file, for messages

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(code.name for code in self.codes)

    @property
    def field(self) -> str:
        return self.codebook.field if self.codebook else "label"

    @property
    def role(self) -> str | None:
        """The role whose turns are labelled (None: any)."""
        return self.codebook.applies_to if self.codebook else None

    @property
    def secondary(self) -> bool:
        return self.codebook is None

    @property
    def term(self) -> str:
        return "code" if self.codebook else "label"

    def heading(self, mbt: str) -> str:
        """A tool's title for the turn labels: `mbt` for the mbt labels."""
        return f"{self.codebook.name} code" if self.codebook else mbt

    def has(self) -> str:
        """'the codebook has a, b' for messages (naming the codebook file)."""
        which = f" {self.source or self.codebook.name}" if self.codebook else ""
        return f"the codebook{which} has {', '.join(self.labels)}"

    def labels_role(self, role: str) -> bool:
        return self.role is None or self.role == role

    def record(self, role: str, label: str | None, secondary: str | None) -> dict[str, Any]:
        """The annotation fields this scheme owns on a turn of `role`, with their values;
        `coded` says whether its label is set."""
        if self.codebook is None:
            return {"label": label, "secondary": secondary, "coded": label is not None}
        if not self.labels_role(role):
            return {}
        return {self.field: label, "coded": label is not None}


MBT = Scheme(label_codes(), MODES)


def scheme_of(codebook: Codebook, source: str | Path | None = None) -> Scheme:
    if codebook.field in (*BASE_FIELDS, "coded"):
        raise ResourceError(f"'field' cannot be {codebook.field!r}, a field of every "
                            "annotation record", source)
    return Scheme(tuple(Code(c.name, c.definition, c.colour, c.name) for c in codebook.codes),
                  codebook.flags, codebook, None if source is None else str(source))


def load_scheme(path: str | Path) -> Scheme:
    """The turn labels of a codebook file (errors name the file)."""
    return scheme_of(load_codebook(path), path)


def model_codes(nlp: Language, scheme: Scheme) -> OwnCodeClassifier:
    """The pipeline's own-codes component (mbt_codes); refuses a pipeline without one, or
    one trained on other codes or another role than `scheme`'s, in one line."""
    component: OwnCodeClassifier | None = (nlp.get_pipe(OWN_CODES)  # type: ignore[assignment]
                                           if nlp.has_pipe(OWN_CODES) else None)
    theirs = component.codebook if component is not None else None
    if component is None or theirs is None:
        raise ModelError("the model has no codes of its own (train one with `mbt train "
                         "--codebook`)")
    if (set(theirs.labels), theirs.applies_to) != (set(scheme.labels), scheme.role):
        raise ResourceError(f"does not match the model's codebook {theirs.name!r} (codes "
                            f"{', '.join(theirs.labels)} on {theirs.applies_to} turns)",
                            scheme.source)
    return component


@cache
def marker_codes() -> tuple[Code, ...]:
    """The marker labels of the packaged rules, by mode family, with their rules' reasons."""
    reasons: dict[str, list[str]] = {}
    family: dict[str, str] = {}
    for rule in RuleSet.load().rules:
        family.setdefault(rule.label, rule.family)
        if rule.reason not in reasons.setdefault(rule.label, []):
            reasons[rule.label].append(rule.reason)
    order = {f: i for i, f in enumerate(LABELS)}
    labels = sorted(family, key=lambda label: (order.get(family[label], len(order)), label))
    return tuple(Code(label, f"{family[label].replace('_', ' ')} marker: "
                             + " / ".join(reasons[label]),
                      TINTS.get(family[label], "#EEEEEE"), family[label]) for label in labels)


def marker_labels() -> frozenset[str]:
    return frozenset(code.name for code in marker_codes())


def secondary_option(label: str) -> str:
    return SECONDARY + label


def split_option(option: str) -> tuple[bool, str]:
    """(is it the secondary label?, the label) for a flat choice such as 'secondary:pretend'."""
    if option.startswith(SECONDARY):
        return True, option[len(SECONDARY):]
    return False, option


def chosen_options(label: str | None, secondary: str | None) -> list[str]:
    """The flat choices for a turn's codes: ['pretend', 'secondary:mentalizing']."""
    return ([label] if label is not None else []) + (
        [secondary_option(secondary)] if secondary is not None else [])

"""The codebook every export carries: turn labels, marker span labels, definitions, colours.

Turn labels and their definitions follow the shared codebook (MBT modes, Bateman & Fonagy);
marker labels are those of the packaged marker rules, defined by the rules' own reasons.
Colours are the report's Okabe-Ito set (distinguishable with the common colour-vision
deficiencies): a label's colour, and its mode family's tint for marker spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mbt_nlp.pipeline.resources import LABELS, MODES
from mbt_nlp.pipeline.rules import RuleSet

__all__ = ["LABELS", "MODES", "SECONDARY", "Code", "label_codes", "marker_codes",
           "marker_labels", "secondary_option", "split_option"]

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

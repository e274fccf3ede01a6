"""Marker rules: a small pattern language compiled to spaCy Matcher patterns.

A pattern is a space-separated string, one item per token:

    word        the lowercase token `word`
    a|b|c       any of these tokens
    @name       any word of lexicon `name`  (mixable: `@name|word`)
    ^a|b        one token that is none of these
    ~N          up to N tokens within the sentence (commas allowed)
    item?       the item is optional

Only LOWER and IS_PUNCT are used, so rules work on `spacy.blank("en")` and on
any trained pipeline alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mbt_nlp.errors import ResourceError
from mbt_nlp.pipeline.resources import FAMILIES, check_keys, load_lexicons, packaged_path, read_json

_RULE_ID = re.compile(r"^[a-z]{2}\.[a-z0-9_]+$")
_LABEL = re.compile(r"^[A-Z][A-Z_]+$")
_GAP = re.compile(r"^~([1-9])$")
_SENTENCE_END = [".", "!", "?", ";", "...", "…"]

RULE_REQUIRED = {"id", "label", "family", "reason", "patterns"}
RULE_OPTIONAL = {"weight", "not_followed_by", "not_preceded_by", "at_clause_end",
                 "needs_in_turn"}


@dataclass(frozen=True)
class Rule:
    """One marker rule: what it finds, which mode it points to, and why."""

    id: str
    label: str
    family: str
    reason: str
    patterns: tuple[str, ...]
    weight: float = 1.0
    not_followed_by: frozenset[str] = field(default_factory=frozenset)
    not_preceded_by: frozenset[str] = field(default_factory=frozenset)
    at_clause_end: bool = False
    # Words (`a|@lexicon`) of which one must occur somewhere in the turn: for a phrase that
    # marks a mode only beside something said elsewhere in the turn, often sentences away
    # ("...and then I could breathe again" in a turn that tells of a blade or pills).
    needs_in_turn: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | Path) -> Rule:
        what = f"rule {data.get('id', '?')!r}" if isinstance(data, Mapping) else "rule"
        check_keys(data, RULE_REQUIRED, RULE_OPTIONAL, source, what)
        rule_id = data["id"]
        if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
            raise ResourceError(f"{what}: id must look like 'pe.name' (lowercase)", source)
        if not isinstance(data["label"], str) or not _LABEL.match(data["label"]):
            raise ResourceError(f"{what}: label must be UPPER_CASE", source)
        if data["family"] not in FAMILIES:
            raise ResourceError(f"{what}: family must be one of {list(FAMILIES)}", source)
        patterns = data["patterns"]
        if not isinstance(patterns, list) or not patterns or not all(
            isinstance(p, str) and p.strip() for p in patterns
        ):
            raise ResourceError(f"{what}: patterns must be a non-empty list of strings", source)
        needs = data.get("needs_in_turn", "")
        if not isinstance(needs, str) or (needs and not needs.strip()):
            raise ResourceError(f"{what}: needs_in_turn must be words like 'a|b|@lexicon'",
                                source)
        weight = data.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or not 0 < weight <= 1:
            raise ResourceError(f"{what}: weight must be in (0, 1]", source)
        return cls(
            id=rule_id,
            label=data["label"],
            family=data["family"],
            reason=str(data["reason"]),
            patterns=tuple(patterns),
            weight=float(weight),
            not_followed_by=frozenset(data.get("not_followed_by", [])),
            not_preceded_by=frozenset(data.get("not_preceded_by", [])),
            at_clause_end=bool(data.get("at_clause_end", False)),
            needs_in_turn=needs.strip(),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["patterns"] = list(self.patterns)
        data["not_followed_by"] = sorted(self.not_followed_by)
        data["not_preceded_by"] = sorted(self.not_preceded_by)
        if not self.needs_in_turn:
            del data["needs_in_turn"]
        return data


def _words(spec: str, lexicons: Mapping[str, list[str]], where: str) -> list[str]:
    words: list[str] = []
    for part in spec.split("|"):
        if part.startswith("@"):
            if part[1:] not in lexicons:
                raise ResourceError(f"{where}: unknown lexicon {part!r}")
            words.extend(lexicons[part[1:]])
        elif part:
            words.append(part.lower())
    if not words:
        raise ResourceError(f"{where}: empty token item {spec!r}")
    return sorted(set(words))


def turn_words(rule: Rule, lexicons: Mapping[str, list[str]]) -> frozenset[str]:
    """The words of a rule's `needs_in_turn`, one of which the turn must hold."""
    return frozenset(_words(rule.needs_in_turn, lexicons, f"rule {rule.id!r} needs_in_turn"))


def compile_pattern(
    pattern: str, lexicons: Mapping[str, list[str]], where: str = "pattern"
) -> list[dict[str, Any]]:
    """One pattern string -> one spaCy Matcher token pattern."""
    tokens: list[dict[str, Any]] = []
    for item in pattern.split():
        gap = _GAP.match(item)
        if gap:
            tokens.append({"ORTH": {"NOT_IN": _SENTENCE_END}, "OP": f"{{0,{gap.group(1)}}}"})
            continue
        optional = len(item) > 1 and item.endswith("?")
        spec = item[:-1] if optional else item
        if spec.startswith("^") and len(spec) > 1:
            token: dict[str, Any] = {"LOWER": {"NOT_IN": _words(spec[1:], lexicons, where)}}
        else:
            words = _words(spec, lexicons, where)
            token = {"LOWER": words[0]} if len(words) == 1 else {"LOWER": {"IN": words}}
        if optional:
            token["OP"] = "?"
        tokens.append(token)
    if not tokens or all(t.get("OP") for t in tokens):
        raise ResourceError(f"{where}: a pattern needs at least one required token")
    return tokens


@dataclass(frozen=True)
class RuleSet:
    """Validated rules plus the lexicons their patterns refer to."""

    rules: tuple[Rule, ...]
    lexicons: Mapping[str, list[str]]
    source: str = "<memory>"

    @classmethod
    def from_dict(cls, data: Any, source: str | Path,
                  lexicons: Mapping[str, list[str]] | None = None) -> RuleSet:
        check_keys(data, {"rules"}, {"version", "lexicons"}, source, "rule file")
        lexicons = dict(lexicons or {})
        own = data.get("lexicons", {})
        if not isinstance(own, Mapping):
            raise ResourceError("'lexicons' must be an object of word lists", source)
        for name, words in own.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ResourceError(f"lexicon {name!r} must be a list of strings", source)
            lexicons[name] = sorted({w.lower() for w in words})
        if not isinstance(data["rules"], list) or not data["rules"]:
            raise ResourceError("'rules' must be a non-empty list", source)
        rules = tuple(Rule.from_dict(r, source) for r in data["rules"])
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ResourceError(f"duplicate rule id {rule.id!r}", source)
            seen.add(rule.id)
            try:
                for i, pattern in enumerate(rule.patterns):
                    compile_pattern(pattern, lexicons, f"rule {rule.id!r} pattern {i}")
                if rule.needs_in_turn:
                    turn_words(rule, lexicons)
            except ResourceError as err:
                raise ResourceError(err.message, source) from None
        used = {
            part[1:]
            for rule in rules
            for item in [*(i for p in rule.patterns for i in p.split()), rule.needs_in_turn]
            for part in item.rstrip("?").lstrip("^").split("|")
            if part.startswith("@")
        }
        return cls(rules, {k: v for k, v in lexicons.items() if k in used}, str(source))

    @classmethod
    def load(cls, path: str | Path | None = None) -> RuleSet:
        """The packaged rules, or a user rule file (which may use the packaged lexicons)."""
        path = path or packaged_path("markers.json")
        return cls.from_dict(read_json(path), path, load_lexicons())

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "lexicons": {k: list(v) for k, v in sorted(self.lexicons.items())},
            "rules": [rule.to_dict() for rule in self.rules],
        }

    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

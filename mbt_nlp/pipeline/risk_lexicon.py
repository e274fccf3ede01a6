"""The risk-word lexicon (resources/risk.json), loaded and validated.

Four groups of expressions (self-harm, suicide, overdose, harm to others), each
rule a list of patterns in the marker pattern language (rules.py); exclusions
(idioms such as "kill myself laughing") in the same language; and the cue lists
that say whether a mention is negated, reported or about another person. An
unknown key, a bad pattern or a wrong type is a ResourceError naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mbt_nlp.errors import ResourceError
from mbt_nlp.pipeline.resources import check_keys, load_lexicons, packaged_path, read_json
from mbt_nlp.pipeline.rules import compile_pattern

RISK_FILE = "risk.json"
RISK_GROUPS = ("self_harm", "suicide", "overdose", "harm_to_others")
SUBJECTS = ("self", "you", "other", "unknown")
_ID = re.compile(r"^[a-z]{1,3}\.[a-z0-9_]+$")

# Kinds of context entry: phrases are tokenised lowercase word sequences ("no way"),
# words are single lowercase tokens or @lexicon, numbers whole and >= 0.
CONTEXT_KINDS = {
    "negation_cues": "phrases",
    "negation_exempt_next": "words",
    "negation_window": "number",
    "clause_breaks": "words",
    "complement_takers": "words",
    "reported_cues": "phrases",
    "report_breaks": "words",
    "quote_chars": "chars",
    "skip_words": "words",
    "subject_pronouns": "words",
    "self_words": "words",
    "you_words": "words",
    "other_words": "words",
    "thing_words": "words",  # "it would hurt them": the subject is no person
    "subject_window": "number",
    "past_cues": "phrases",
    "past_words": "words",
}


@dataclass(frozen=True)
class RiskRule:
    id: str
    group: str
    patterns: tuple[str, ...]
    # The expression holds its own negation ("don't want to live"): a negation cue
    # inside the match is part of the risk, not a denial of it.
    negative_form: bool = False


@dataclass(frozen=True)
class Exclusion:
    id: str
    reason: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class RiskLexicon:
    rules: tuple[RiskRule, ...]
    exclusions: tuple[Exclusion, ...]
    lexicons: Mapping[str, list[str]]
    context: Mapping[str, Any]
    source: str = "<memory>"

    @classmethod
    def from_dict(cls, data: Any, source: str | Path,
                  lexicons: Mapping[str, list[str]] | None = None) -> RiskLexicon:
        check_keys(data, {"rules", "exclusions", "context"}, {"version", "lexicons"}, source,
                   "risk file")
        lexicons = dict(lexicons or {})
        own = data.get("lexicons", {})
        if not isinstance(own, Mapping):
            raise ResourceError("'lexicons' must be an object of word lists", source)
        for name, words in own.items():
            if name.startswith("_"):
                continue
            if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
                raise ResourceError(f"lexicon {name!r} must be a list of non-empty strings",
                                    source)
            lexicons[name] = sorted({w.lower() for w in words})
        rules = tuple(_rule(r, source) for r in _entries(data, "rules", source))
        exclusions = tuple(_exclusion(x, source) for x in _entries(data, "exclusions", source,
                                                                   may_be_empty=True))
        seen: set[str] = set()
        for entry in (*rules, *exclusions):
            if entry.id in seen:
                raise ResourceError(f"duplicate id {entry.id!r}", source)
            seen.add(entry.id)
            for i, pattern in enumerate(entry.patterns):
                try:
                    compile_pattern(pattern, lexicons, f"{entry.id!r} pattern {i}")
                except ResourceError as err:
                    raise ResourceError(err.message, source) from None
        context = _context(data["context"], lexicons, source)
        used = _used_lexicons(rules, exclusions, context)
        return cls(rules, exclusions, {k: v for k, v in lexicons.items() if k in used}, context,
                   str(source))

    @classmethod
    def load(cls, path: str | Path | None = None) -> RiskLexicon:
        """The packaged lexicon, or a user's file (which may use the packaged word lists)."""
        path = path or packaged_path(RISK_FILE)
        return cls.from_dict(read_json(path), path, load_lexicons())

    def to_dict(self) -> dict[str, Any]:
        """Self-contained: the packaged word lists it uses travel with it."""
        return {
            "version": 1,
            "lexicons": {k: list(v) for k, v in sorted(self.lexicons.items())},
            "rules": [{"id": r.id, "group": r.group, "patterns": list(r.patterns),
                       **({"negative_form": True} if r.negative_form else {})}
                      for r in self.rules],
            "exclusions": [{"id": x.id, "reason": x.reason, "patterns": list(x.patterns)}
                           for x in self.exclusions],
            "context": dict(self.context),
        }

    def words(self, key: str) -> frozenset[str]:
        """A context word list with its @lexicon entries expanded."""
        out: set[str] = set()
        for word in self.context[key]:
            out.update(self.lexicons[word[1:]] if word.startswith("@") else [word])
        return frozenset(out)

    def phrases(self, key: str) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(p.split()) for p in self.context[key])


def _entries(data: Mapping[str, Any], key: str, source: str | Path,
             may_be_empty: bool = False) -> list[Any]:
    entries = data[key]
    if not isinstance(entries, list) or (not entries and not may_be_empty):
        raise ResourceError(f"{key!r} must be a {'' if may_be_empty else 'non-empty '}list",
                            source)
    return entries


def _patterns(entry: Mapping[str, Any], what: str, source: str | Path) -> tuple[str, ...]:
    patterns = entry["patterns"]
    if not isinstance(patterns, list) or not patterns or not all(
        isinstance(p, str) and p.strip() for p in patterns
    ):
        raise ResourceError(f"{what}: patterns must be a non-empty list of strings", source)
    return tuple(patterns)


def _id(entry: Mapping[str, Any], what: str, source: str | Path) -> str:
    if not isinstance(entry["id"], str) or not _ID.match(entry["id"]):
        raise ResourceError(f"{what}: id must look like 'su.name' (lowercase)", source)
    return entry["id"]


def _rule(entry: Any, source: str | Path) -> RiskRule:
    what = f"rule {entry.get('id', '?')!r}" if isinstance(entry, Mapping) else "rule"
    check_keys(entry, {"id", "group", "patterns"}, {"negative_form"}, source, what)
    if entry["group"] not in RISK_GROUPS:
        raise ResourceError(f"{what}: group must be one of {list(RISK_GROUPS)}", source)
    negative_form = entry.get("negative_form", False)
    if not isinstance(negative_form, bool):
        raise ResourceError(f"{what}: negative_form must be true or false", source)
    return RiskRule(_id(entry, what, source), entry["group"], _patterns(entry, what, source),
                    negative_form)


def _exclusion(entry: Any, source: str | Path) -> Exclusion:
    what = f"exclusion {entry.get('id', '?')!r}" if isinstance(entry, Mapping) else "exclusion"
    check_keys(entry, {"id", "reason", "patterns"}, set(), source, what)
    if not isinstance(entry["reason"], str) or not entry["reason"].strip():
        raise ResourceError(f"{what}: reason must be a non-empty string", source)
    return Exclusion(_id(entry, what, source), entry["reason"], _patterns(entry, what, source))


def _context(data: Any, lexicons: Mapping[str, list[str]],
             source: str | Path) -> dict[str, Any]:
    check_keys(data, set(CONTEXT_KINDS), set(), source, "'context'")
    out: dict[str, Any] = {}
    for key, kind in CONTEXT_KINDS.items():
        value = data[key]
        if kind == "number":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ResourceError(f"context {key!r} must be a whole number >= 0", source)
            out[key] = value
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                  for v in value):
            raise ResourceError(f"context {key!r} must be a list of non-empty strings", source)
        if kind == "words":
            for word in value:
                if " " in word.strip():
                    raise ResourceError(f"context {key!r}: {word!r} is not one token", source)
                if word.startswith("@") and word[1:] not in lexicons:
                    raise ResourceError(f"context {key!r}: unknown lexicon {word!r}", source)
        out[key] = [v.lower() for v in value] if kind != "chars" else list(value)
    return out


def _used_lexicons(rules: tuple[RiskRule, ...], exclusions: tuple[Exclusion, ...],
                   context: Mapping[str, Any]) -> set[str]:
    used = {
        part[1:]
        for entry in (*rules, *exclusions)
        for pattern in entry.patterns
        for item in pattern.split()
        for part in item.rstrip("?").lstrip("^").split("|")
        if part.startswith("@")
    }
    used.update(word[1:] for key, kind in CONTEXT_KINDS.items() if kind == "words"
                for word in context[key] if word.startswith("@"))
    return used

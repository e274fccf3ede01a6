"""All matches of many token patterns, found from their anchor words.

Replaces one spaCy `Matcher` per pattern. spaCy's Matcher walks every token of
the Doc in Python on each call (Token objects, predicate callbacks for `IN`
sets), so 200 patterns cost 200 walks, or one walk with 200 callbacks per
token. Here each pattern is tried only at the positions its anchor (its most
specific required word set) allows, on a plain list of lowercase strings made
once per Doc. The result is the same set of (rule, start, end) matches the
Matcher returns: every span that the pattern can match in any way (optional
tokens taken or not, gaps of every allowed length); `tests/test_pattern_index.py`
checks this against spaCy's Matcher.

Patterns are the token dicts made by `rules.compile_pattern`; only the forms it
makes are accepted: `LOWER` (a word, `IN` or `NOT_IN` a set), `ORTH NOT_IN` a
set (gaps), and `OP` of `?` or `{0,n}`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_REPEAT = re.compile(r"^\{0,([1-9][0-9]*)\}$")


@dataclass(frozen=True)
class _Step:
    """One pattern token: a word test, and how often it may occur (min, max)."""

    attr: str  # "LOWER" or "ORTH"
    words: frozenset[str]
    negated: bool
    least: int
    most: int

    def accepts(self, lower: str, orth: str) -> bool:
        value = lower if self.attr == "LOWER" else orth
        return (value in self.words) != self.negated


def _step(token: dict[str, Any]) -> _Step:
    extra = set(token) - {"LOWER", "ORTH", "OP"}
    attrs = [a for a in ("LOWER", "ORTH") if a in token]
    if extra or len(attrs) != 1:
        raise ValueError(f"unsupported pattern token {token!r}")
    attr = attrs[0]
    value = token[attr]
    if isinstance(value, str):
        words, negated = frozenset({value}), False
    elif isinstance(value, dict) and len(value) == 1 and ("IN" in value or "NOT_IN" in value):
        negated = "NOT_IN" in value
        words = frozenset(value["NOT_IN" if negated else "IN"])
    else:
        raise ValueError(f"unsupported pattern value {value!r}")
    op = token.get("OP")
    if op is None:
        least, most = 1, 1
    elif op == "?":
        least, most = 0, 1
    elif m := _REPEAT.match(op):
        least, most = 0, int(m.group(1))
    else:
        raise ValueError(f"unsupported operator {op!r}")
    return _Step(attr, words, negated, least, most)


@dataclass(frozen=True)
class _Pattern:
    key: str
    steps: tuple[_Step, ...]
    anchor: int | None  # index of the anchor step, None: try every position
    before_min: int  # tokens the steps before the anchor take, at least / at most
    before_max: int
    required: tuple[frozenset[str], ...]  # word sets of the other required steps

    def possible(self, words: set[str]) -> bool:
        """False when a required word set has no word in the Doc: no match is possible."""
        return all(not needed.isdisjoint(words) for needed in self.required)

    def starts(self, anchor_positions: Sequence[int], n: int) -> set[int]:
        found: set[int] = set()
        for p in anchor_positions:
            found.update(range(max(0, p - self.before_max), max(0, p - self.before_min + 1)))
        return {s for s in found if s < n}

    def ends_from(self, start: int, lower: Sequence[str], orth: Sequence[str]) -> set[int]:
        """Every end of a match that starts at `start` (a small NFA over the steps)."""
        steps = self.steps
        last = len(steps)
        ends: set[int] = set()
        # A state is (step index, times that step has matched so far).
        states = _closure({(0, 0)}, steps)
        position = start
        while states:
            if any(i == last for i, _ in states) and position > start:
                ends.add(position)
            if position >= len(lower):
                break
            low, text = lower[position], orth[position]
            moved: set[tuple[int, int]] = set()
            for i, used in states:
                if i == last:
                    continue
                step = steps[i]
                if not step.accepts(low, text):
                    continue
                if used + 1 < step.most:
                    moved.add((i, used + 1))
                moved.add((i + 1, 0))
            states = _closure(moved, steps)
            position += 1
        return ends


def _closure(states: set[tuple[int, int]], steps: tuple[_Step, ...]) -> set[tuple[int, int]]:
    """Add the states reached by skipping steps that may occur no more times."""
    todo = list(states)
    done = set(states)
    while todo:
        i, used = todo.pop()
        if i < len(steps) and used >= steps[i].least:
            nxt = (i + 1, 0)
            if nxt not in done:
                done.add(nxt)
                todo.append(nxt)
    return done


def _anchor(steps: tuple[_Step, ...], common: frozenset[str]) -> int | None:
    """The required positive LOWER step with the fewest (and least common) words."""
    best: tuple[int, int] | None = None
    for i, step in enumerate(steps):
        if step.least != 1 or step.negated or step.attr != "LOWER":
            continue
        cost = len(step.words) + 1000 * len(step.words & common)
        if best is None or cost < best[0]:
            best = (cost, i)
    return best[1] if best else None


class PatternIndex:
    """Many token patterns, each under a key (a rule id); `find` returns all matches."""

    def __init__(self, common_words: frozenset[str] = frozenset()) -> None:
        self._patterns: list[_Pattern] = []
        self._by_word: dict[str, list[int]] = {}
        self._anchor_words: set[str] = set()  # the keys of _by_word, as a set
        self._unanchored: list[int] = []
        self._common = common_words

    def add(self, key: str, pattern: list[dict[str, Any]]) -> None:
        steps = tuple(_step(token) for token in pattern)
        if not any(step.least for step in steps):
            raise ValueError(f"{key}: a pattern needs at least one required token")
        anchor = _anchor(steps, self._common)
        before = steps[:anchor] if anchor is not None else ()
        required = tuple(step.words for i, step in enumerate(steps)
                         if i != anchor and step.least and not step.negated
                         and step.attr == "LOWER")
        compiled = _Pattern(key, steps, anchor, sum(s.least for s in before),
                            sum(s.most for s in before), required)
        index = len(self._patterns)
        self._patterns.append(compiled)
        if anchor is None:
            self._unanchored.append(index)
        else:
            for word in steps[anchor].words:
                self._by_word.setdefault(word, []).append(index)
                self._anchor_words.add(word)

    def __len__(self) -> int:
        return len(self._patterns)

    def find(self, lower: Sequence[str], orth: Sequence[str]) -> list[tuple[str, int, int]]:
        """(key, start, end) of every match, sorted; `lower`/`orth` are the Doc's tokens."""
        n = len(lower)
        present = set(lower)
        # Most turns hold no anchor word at all: one set intersection, no loop over tokens
        # (set & set walks the smaller set; set & dict would walk the whole dict).
        anchors = present & self._anchor_words
        if not anchors and not self._unanchored:
            return []
        positions: dict[str, list[int]] = {word: [] for word in anchors}
        if anchors:
            for i, word in enumerate(lower):
                if word in positions:
                    positions[word].append(i)
        candidates: dict[int, list[int]] = {}
        for word, at in positions.items():
            for index in self._by_word[word]:
                candidates.setdefault(index, []).extend(at)
        everywhere = list(range(n))
        for index in self._unanchored:
            candidates[index] = everywhere
        found: set[tuple[str, int, int]] = set()
        for index, at in candidates.items():
            pattern = self._patterns[index]
            if not pattern.possible(present):
                continue
            if pattern.anchor is None:
                starts: set[int] | list[int] = everywhere
            else:
                starts = pattern.starts(at, n)
            for start in starts:
                for end in pattern.ends_from(start, lower, orth):
                    found.add((pattern.key, start, end))
        return sorted(found, key=lambda m: (m[1], m[2], m[0]))

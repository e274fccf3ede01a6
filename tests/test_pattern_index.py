"""The pattern index finds exactly the matches spaCy's Matcher finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher
from spacy.tokens import Doc

from mbt_nlp.pipeline.doc_view import token_view
from mbt_nlp.pipeline.pattern_index import PatternIndex
from mbt_nlp.pipeline.rules import RuleSet, compile_pattern

NLP = spacy.blank("en")
WORDS = ["a", "b", "c", "d", ".", "!", ","]


def spacy_matches(patterns: dict[str, list[list[dict]]], doc: Doc) -> set[tuple[str, int, int]]:
    found = set()
    for key, group in patterns.items():
        for pattern in group:
            matcher = Matcher(NLP.vocab, validate=True)
            matcher.add(key, [pattern])
            found.update((key, s, e) for _, s, e in matcher(doc))
    return found


def index_matches(patterns: dict[str, list[list[dict]]], doc: Doc,
                  common: frozenset[str] = frozenset()) -> set[tuple[str, int, int]]:
    index = PatternIndex(common)
    for key, group in patterns.items():
        for pattern in group:
            index.add(key, pattern)
    view = token_view(doc)
    return set(index.find(view.lower, view.orth))


@st.composite
def pattern_strings(draw) -> str:
    items = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["word", "set", "not", "gap"]))
        if kind == "gap":
            items.append(f"~{draw(st.integers(1, 3))}")
            continue
        words = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=3))
        item = "|".join(words)
        if kind == "not":
            item = "^" + item
        if draw(st.booleans()):
            item += "?"
        items.append(item)
    return " ".join(items)


@settings(max_examples=300, deadline=None)
@given(st.lists(pattern_strings(), min_size=1, max_size=3),
       st.lists(st.sampled_from(WORDS), min_size=0, max_size=14),
       st.booleans())
def test_same_matches_as_spacy_matcher(pattern_texts, words, with_common):
    patterns = {}
    for i, text in enumerate(pattern_texts):
        try:
            compiled = compile_pattern(text, {})
        except Exception:
            continue  # e.g. every token optional: the rule language refuses it too
        patterns.setdefault(f"k{i % 2}", []).append(compiled)
    doc = Doc(NLP.vocab, words=words or ["a"])
    common = frozenset({"a"}) if with_common else frozenset()
    assert index_matches(patterns, doc, common) == spacy_matches(patterns, doc)


def _packaged_patterns() -> dict[str, list[list[dict]]]:
    rules = RuleSet.load()
    return {rule.id: [compile_pattern(p, rules.lexicons, rule.id) for p in rule.patterns]
            for rule in rules.rules}


def _corpus_texts(limit: int | None) -> list[str]:
    texts = []
    root = Path(__file__).resolve().parents[1] / "annotations"
    for path in sorted(root.glob("*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("role") == "client":
                texts.append(record["text"])
    return texts[:: max(1, len(texts) // limit)] if limit else texts


def test_packaged_rules_match_as_spacy_matcher_on_corpus_sample():
    patterns = _packaged_patterns()
    texts = _corpus_texts(150)
    assert len(texts) >= 150
    total = 0
    for text in texts:
        doc = NLP(text)
        expected = spacy_matches(patterns, doc)
        total += len(expected)
        assert index_matches(patterns, doc) == expected, text[:80]
    assert total > 50  # the sample exercises the rules


@pytest.mark.slow
def test_packaged_rules_match_as_spacy_matcher_on_a_quarter_of_the_client_turns():
    # Every fourth client turn of the corpus (~4,000): the whole corpus was checked once
    # (about three minutes); a quarter keeps CI well inside its time.
    patterns = _packaged_patterns()
    index = PatternIndex()
    for key, group in patterns.items():
        for pattern in group:
            index.add(key, pattern)
    for text in _corpus_texts(None)[::4]:
        doc = NLP(text)
        view = token_view(doc)
        assert set(index.find(view.lower, view.orth)) == spacy_matches(patterns, doc)


def test_refuses_forms_it_does_not_know():
    index = PatternIndex()
    with pytest.raises(ValueError):
        index.add("x", [{"LEMMA": "be"}])
    with pytest.raises(ValueError):
        index.add("x", [{"LOWER": "a", "OP": "+"}])
    with pytest.raises(ValueError):
        index.add("x", [{"LOWER": "a", "OP": "?"}])

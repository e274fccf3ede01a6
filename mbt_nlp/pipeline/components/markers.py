"""`mbt_markers`: rule/lexicon matches -> marker spans in `doc.spans["mbt"]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from mbt_nlp.pipeline.components.base import ErrorHandling, PerDoc, SavedAsJson
from mbt_nlp.pipeline.doc_view import token_view
from mbt_nlp.pipeline.extensions import SPANS_KEY, register_extensions
from mbt_nlp.pipeline.pattern_index import PatternIndex
from mbt_nlp.pipeline.resources import lexicon_set
from mbt_nlp.pipeline.rules import Rule, RuleSet, compile_pattern, turn_words

RULES_FILE = "rules.json"
# Words that can open a new clause right after a finality phrase ("it just is, and...").
_CLAUSE_OPENERS = frozenset({"and", "but", "so", "you", "i", "ok", "okay", "though", "anyway",
                             "yeah", "like", "that", "really", "honestly", "end"})


@Language.factory(
    "mbt_markers",
    assigns=["doc.spans"],
    default_config={"rules_path": None},
)
def make_markers(nlp: Language, name: str, rules_path: str | None) -> MarkerMatcher:
    return MarkerMatcher(nlp, name, rules_path=rules_path)


class MarkerMatcher(ErrorHandling, PerDoc, SavedAsJson):
    """Finds marker spans with the rules of a RuleSet (packaged by default).

    The rules travel with the pipeline: `to_disk` writes them beside the
    component, so a saved pipeline keeps the rules it was built with.
    """

    data_file = RULES_FILE

    def __init__(self, nlp: Language, name: str = "mbt_markers",
                 rules_path: str | None = None) -> None:
        register_extensions()
        self.name = name
        self.vocab = nlp.vocab
        self.set_rules(RuleSet.load(rules_path))

    def set_rules(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.rules: dict[str, Rule] = ruleset.by_id()
        # Each pattern is tried only where its anchor word occurs (see pattern_index): one
        # pass over the Doc's words instead of one spaCy Matcher walk per pattern.
        self.index = PatternIndex(lexicon_set("stopword"))
        self.turn_needs = {rule.id: turn_words(rule, ruleset.lexicons)
                           for rule in ruleset.rules if rule.needs_in_turn}
        for rule in ruleset.rules:
            for pattern in rule.patterns:
                self.index.add(rule.id, compile_pattern(pattern, ruleset.lexicons, rule.id))

    def rule_reasons(self) -> dict[str, str]:
        return {rule.id: rule.reason for rule in self.ruleset.rules}

    def _keep(self, doc: Doc, rule: Rule, start: int, end: int) -> bool:
        after = doc[end] if end < len(doc) else None
        before = doc[start - 1] if start > 0 else None
        if after is not None and after.lower_ in rule.not_followed_by:
            return False
        if before is not None and before.lower_ in rule.not_preceded_by:
            return False
        return not (
            rule.at_clause_end
            and after is not None
            and not after.is_punct
            and after.lower_ not in _CLAUSE_OPENERS
        )

    def matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(rule id, start, end) of every pattern match, before the rules' own filters."""
        view = token_view(doc)
        return self.index.find(view.lower, view.orth)

    def find(self, doc: Doc) -> list[Span]:
        spans = []
        words: frozenset[str] | None = None  # the turn's words, made only when a rule needs them
        for rule_id, start, end in self.matches(doc):
            rule = self.rules[rule_id]
            needs = self.turn_needs.get(rule_id)
            if needs is not None:
                if words is None:
                    words = frozenset(token_view(doc).lower)
                if words.isdisjoint(needs):
                    continue
            if self._keep(doc, rule, start, end):
                spans.append(Span(doc, start, end, label=rule.label, kb_id=rule.family,
                                  span_id=rule.id))
        # One span per rule where matches overlap (the longest); different rules may overlap.
        by_rule: dict[str, list[Span]] = {}
        for span in spans:
            by_rule.setdefault(span.id_, []).append(span)
        kept = [s for group in by_rule.values() for s in filter_spans(group)]
        return sorted(kept, key=lambda s: (s.start, -s.end, s.label_))

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            doc.spans[SPANS_KEY] = self.find(doc)
        except Exception as err:  # routed as spaCy's own components do
            error_handler(self.name, self, [doc], err)
        return doc

    def data(self) -> dict[str, Any]:
        return self.ruleset.to_dict()

    def set_data(self, data: Any, source: str | Path) -> None:
        self.set_rules(RuleSet.from_dict(data, source))

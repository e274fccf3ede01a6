"""`mbt_risk`: mentions of self-harm, suicide, overdose and harm to others.

Every turn, whoever speaks, whatever the mode: the words go to
`doc.spans["mbt_risk"]` (label: the group; id_: the rule; kb_id_: whose) and,
with how each is meant (negated, reported, subject, past), to `doc._.mbt_risk`.
A reading aid, not a risk assessment: it lists words, it does not judge risk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from mbt_nlp.pipeline.components.base import ErrorHandling, PerDoc, SavedAsJson
from mbt_nlp.pipeline.doc_view import TokenView, token_view
from mbt_nlp.pipeline.extensions import RISK_KEY, register_extensions
from mbt_nlp.pipeline.pattern_index import PatternIndex
from mbt_nlp.pipeline.resources import lexicon_set
from mbt_nlp.pipeline.risk_lexicon import RISK_FILE, RiskLexicon
from mbt_nlp.pipeline.risk_reading import RiskReader
from mbt_nlp.pipeline.rules import compile_pattern


@Language.factory(
    "mbt_risk",
    assigns=["doc.spans", "doc._.mbt_risk"],
    default_config={"risk_path": None},
)
def make_risk(nlp: Language, name: str, risk_path: str | None) -> RiskWords:
    return RiskWords(nlp, name, risk_path=risk_path)


class RiskWords(ErrorHandling, PerDoc, SavedAsJson):
    """Finds risk mentions with a RiskLexicon (packaged by default); the lexicon is
    saved beside the component, so a saved pipeline keeps the words it was built with."""

    data_file = RISK_FILE

    def __init__(self, nlp: Language, name: str = "mbt_risk",
                 risk_path: str | None = None) -> None:
        register_extensions()
        self.name = name
        self.vocab = nlp.vocab
        self.set_lexicon(RiskLexicon.load(risk_path))

    def set_lexicon(self, lexicon: RiskLexicon) -> None:
        self.lexicon = lexicon
        self.rules = {rule.id: rule for rule in lexicon.rules}
        common = lexicon_set("stopword")
        self.index = PatternIndex(common)
        self.exclusions = PatternIndex(common)
        for rule in lexicon.rules:
            for pattern in rule.patterns:
                self.index.add(rule.id, compile_pattern(pattern, lexicon.lexicons, rule.id))
        for exclusion in lexicon.exclusions:
            for pattern in exclusion.patterns:
                self.exclusions.add(exclusion.id,
                                    compile_pattern(pattern, lexicon.lexicons, exclusion.id))
        self.reader = RiskReader(lexicon)

    def find(self, doc: Doc) -> tuple[list[Span], list[dict[str, Any]]]:
        view = token_view(doc)
        found = self.index.find(view.lower, view.orth)
        if not found:
            return [], []
        idioms = [(s, e) for _, s, e in self.exclusions.find(view.lower, view.orth)]
        found = [(key, s, e) for key, s, e in found
                 if not any(s < idiom_end and idiom_start < e
                            for idiom_start, idiom_end in idioms)]
        # One mention per stretch of words: the longest match, then the earliest.
        kept: list[tuple[str, int, int]] = []
        for key, s, e in sorted(found, key=lambda m: (m[1] - m[2], m[1])):
            if all(e <= ks or ke <= s for _, ks, ke in kept):
                kept.append((key, s, e))
        kept.sort(key=lambda m: m[1])
        sentenced = doc.has_annotation("SENT_START")
        spans, mentions = [], []
        for key, s, e in kept:
            rule = self.rules[key]
            sent = doc[s].sent if sentenced else doc[:]
            reading = self.reader.read(doc, view, (sent.start, sent.end), s, e, rule)
            start, end = _whole_words(view, s, e)
            span = Span(doc, start, end, label=rule.group, kb_id=reading.subject,
                        span_id=rule.id)
            spans.append(span)
            mentions.append({
                "group": rule.group, "text": span.text, "start_char": span.start_char,
                "end_char": span.end_char, "negated": reading.negated,
                "reported": reading.reported, "subject": reading.subject,
                "past": reading.past, "rule": rule.id,
            })
        return spans, mentions

    def __call__(self, doc: Doc) -> Doc:
        if doc._.mbt_joined:  # a passage's lines joined: each line has its own risk words
            return doc
        error_handler = self.get_error_handler()
        try:
            doc.spans[RISK_KEY], doc._.mbt_risk = self.find(doc)
        except Exception as err:  # routed as spaCy's own components do
            error_handler(self.name, self, [doc], err)
        return doc

    def data(self) -> dict[str, Any]:
        return self.lexicon.to_dict()

    def set_data(self, data: Any, source: str | Path) -> None:
        self.set_lexicon(RiskLexicon.from_dict(data, source))


def _whole_words(view: TokenView, start: int, end: int) -> tuple[int, int]:
    """The match widened to whole words: "don't want to live", not "n't want to live"."""
    while start > 0 and not view.space_after[start - 1] and not view.is_punct[start - 1]:
        start -= 1
    while end < len(view) and not view.space_after[end - 1] and not view.is_punct[end]:
        end += 1
    return start, end

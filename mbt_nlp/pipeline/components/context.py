"""`mbt_context`: hedges, negation, questions, reported speech, fillers and
interjections qualify or cancel marker spans.

"maybe he hates me", "I don't always...", "she said I never listen", "does he
hate me?" and a marker inside "(T: Mhm)" are not the client's own certainty.
Cancelled markers leave `doc.spans["mbt"]` and are kept, with the reason, in
`doc._.mbt_cancelled`, so explanations can show what was set aside and why.
Disfluencies go to `doc.spans["mbt_disfluency"]`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from mbt_nlp.errors import ResourceError
from mbt_nlp.pipeline.components.base import PerDoc, SavedAsJson
from mbt_nlp.pipeline.components.disfluency import bracket_spans, filler_spans, repeat_spans
from mbt_nlp.pipeline.doc_view import token_view
from mbt_nlp.pipeline.extensions import DISFLUENCY_KEY, SPANS_KEY, marker_dict, register_extensions
from mbt_nlp.pipeline.resources import FAMILIES, check_keys, packaged_path, read_json

CONFIG_FILE = "context.json"
_REQUIRED = {
    "window", "hedge_cues", "negation_cues", "negation_window", "reported_cues",
    "self_subjects", "quote_chars", "cancel", "question_exempt_rules",
    "hedge_exempt_labels", "fillers", "artefacts",
}  # fmt: skip
# Optional: a saved model from before a key existed still loads (without its effect).
_OPTIONAL = {"question_tags", "question_openers", "negation_stops", "simile_subjects"}
REASONS = ("filler", "interjection", "reported", "quoted", "question", "negated", "hedged")


@dataclass(frozen=True)
class ContextConfig:
    data: Mapping[str, Any]
    source: str

    @classmethod
    def from_dict(cls, data: Any, source: str | Path) -> ContextConfig:
        check_keys(data, _REQUIRED, _OPTIONAL, source, "context file")
        for key in ("hedge_cues", "negation_cues", "reported_cues", "self_subjects",
                    "quote_chars", "question_exempt_rules", "hedge_exempt_labels", "fillers",
                    "artefacts", *(_OPTIONAL & set(data))):
            if not isinstance(data[key], list) or not all(isinstance(x, str) for x in data[key]):
                raise ResourceError(f"{key!r} must be a list of strings", source)
        for key in ("window", "negation_window"):
            if not isinstance(data[key], int) or data[key] < 0:
                raise ResourceError(f"{key!r} must be a whole number >= 0", source)
        check_keys(data["cancel"], set(), set(REASONS), source, "'cancel'")
        for reason, families in data["cancel"].items():
            if not isinstance(families, list) or set(families) - set(FAMILIES):
                raise ResourceError(
                    f"cancel[{reason!r}] must list mode families from {list(FAMILIES)}", source
                )
        return cls({k: v for k, v in data.items() if not k.startswith("_")}, str(source))

    @classmethod
    def load(cls, path: str | Path | None = None) -> ContextConfig:
        path = path or packaged_path(CONFIG_FILE)
        return cls.from_dict(read_json(path), path)


@Language.factory(
    "mbt_context",
    assigns=["doc.spans", "doc.spans",
             "doc._.mbt_cancelled"],
    requires=["doc.spans"],
    default_config={"config_path": None},
)
def make_context(nlp: Language, name: str, config_path: str | None) -> ContextQualifier:
    return ContextQualifier(nlp, name, config_path=config_path)


class DocIndex:
    """What every marker's context check looks up, computed once per Doc so that the
    checks cost the same whatever the turn's length (a 40 KB turn of one sentence
    took 93 s when each marker searched its sentence and all cues again)."""

    def __init__(self, doc: Doc, noise: list[Span], hedge_ends: list[tuple[int, int]],
                 reported_at: list[tuple[int, int]], quotes: str) -> None:
        n = len(doc)
        self.sent_start = [0] * n
        self.sent_end = [n] * n
        if doc.has_annotation("SENT_START"):
            for sent in doc.sents:
                for i in range(sent.start, sent.end):
                    self.sent_start[i], self.sent_end[i] = sent.start, sent.end
        # Quote characters before each token, for "is this marker inside a quotation?".
        self.quotes_before = [0] * (n + 1)
        for i, text in enumerate(token_view(doc).orth):  # whitespace holds no quotes
            count = sum(text.count(q) for q in quotes) if any(q in text for q in quotes) else 0
            self.quotes_before[i + 1] = self.quotes_before[i] + count
        self.noise_at: dict[int, list[Span]] = {}
        for span in noise:
            for i in range(span.start, span.end):
                self.noise_at.setdefault(i, []).append(span)
        self.hedge_ends = sorted(hedge_ends)
        self.hedge_starts = [s for s, _ in self.hedge_ends]
        self.reported_at = sorted(reported_at)
        self.reported_starts = [s for s, _ in self.reported_at]

    def sentence(self, span: Span) -> tuple[int, int]:
        return self.sent_start[span.start], self.sent_end[span.start]

    def cues_from(self, starts: list[int], cues: list[tuple[int, int]], lo: int,
                  hi: int) -> list[tuple[int, int]]:
        """Cues whose start is in [lo, hi)."""
        return cues[bisect_left(starts, lo):bisect_left(starts, hi)]


class ContextQualifier(PerDoc, SavedAsJson):
    data_file = CONFIG_FILE

    def __init__(self, nlp: Language, name: str = "mbt_context",
                 config_path: str | None = None) -> None:
        register_extensions()
        self.name = name
        self.vocab = nlp.vocab
        self.set_config(ContextConfig.load(config_path))

    def set_config(self, config: ContextConfig) -> None:
        self.config = config
        c = config.data
        self.cancel = {reason: frozenset(c["cancel"].get(reason, [])) for reason in REASONS}
        self.hedges = self._phrases("HEDGE", c["hedge_cues"])
        self.reported = self._phrases("REPORTED", c["reported_cues"])
        self.negations = frozenset(c["negation_cues"])
        self.negation_stops = frozenset(c.get("negation_stops", []))
        self.self_subjects = frozenset(c["self_subjects"])
        self.simile_subjects = frozenset(c.get("simile_subjects", []))
        self.quotes = "".join(c["quote_chars"])
        self.question_tags = frozenset(c.get("question_tags", []))
        self.question_openers = frozenset(c.get("question_openers", []))

    def _phrases(self, key: str, phrases: list[str]) -> PhraseMatcher:
        matcher = PhraseMatcher(self.vocab, attr="LOWER")
        # Cue phrases are written in tokenised form; make Docs from their words directly.
        matcher.add(key, [Doc(self.vocab, words=p.split()) for p in phrases])
        return matcher

    def rule_reasons(self) -> dict[str, str]:
        return {}

    def _reason(self, doc: Doc, span: Span, index: DocIndex) -> str | None:
        family = span.kb_id_
        # Noise holding the whole span, or an interjection overlapping it, in span order.
        seen: set[int] = set()
        for i in range(span.start, span.end):
            for n in index.noise_at.get(i, []):
                if id(n) in seen:
                    continue
                seen.add(id(n))
                if (n.start <= span.start and span.end <= n.end) or n.label_ == "INTERJECTION":
                    reason = "interjection" if n.label_ in {"INTERJECTION", "ARTEFACT"} \
                        else "filler"
                    if family in self.cancel[reason]:
                        return reason
        s_start, s_end = index.sentence(span)
        if family in self.cancel["reported"]:
            for start, end in index.cues_from(index.reported_starts, index.reported_at,
                                              s_start, span.start):
                # "she said ..." reports another's words; "I could tell ..." is the client's own.
                subject = {t.lower_ for t in doc[max(s_start, start - 2): start]}
                if doc[end - 1].lower_ == "like" and subject & self.simile_subjects:
                    continue  # "it's like everything goes still" compares; no one speaks
                if end <= span.start and not subject & self.self_subjects:
                    return "reported"
        if family in self.cancel["quoted"]:
            before = index.quotes_before[span.start] - index.quotes_before[s_start]
            if before % 2 == 1:
                return "quoted"
        if family in self.cancel["hedged"] and span.label_ not in self.config.data[
            "hedge_exempt_labels"
        ]:
            lo = max(s_start, span.start - self.config.data["window"])
            for _, end in index.cues_from(index.hedge_starts, index.hedge_ends, lo, span.end):
                if end <= s_end:
                    return "hedged"
        if family in self.cancel["negated"]:
            lo = max(s_start, span.start - self.config.data["negation_window"])
            for t in reversed(doc[lo: span.start]):
                if t.lower_ in self.negation_stops:  # "I couldn't sleep and he hates me"
                    break
                if t.lower_ in self.negations:
                    return "negated"
        if family in self.cancel["question"] and span.id_ not in self.config.data[
            "question_exempt_rules"
        ]:
            tail = doc[span.end: s_end]
            asked = doc[s_start].lower_ in self.question_openers  # "Does he hate me, right?"
            if any(t.text == "?" and (asked or not self._tag_question(doc, t.i, span.end))
                   for t in tail) or (span.end == s_end and "?" in span.text):
                return "question"
        return None

    def _tag_question(self, doc: Doc, mark: int, lo: int) -> bool:
        """Whether the "?" at `mark` ends a spoken tag ("I'm so stupid, you know?",
        "..., right?"): it asks for a nod, not about the clause before it."""
        start = mark
        while start > lo and not doc[start - 1].is_punct:
            start -= 1
        return " ".join(t.lower_ for t in doc[start:mark]) in self.question_tags

    def __call__(self, doc: Doc) -> Doc:
        noise = (
            filler_spans(doc, self.config.data["fillers"])
            + repeat_spans(doc)
            + bracket_spans(doc, self.config.data["artefacts"])
        )
        noise.sort(key=lambda s: (s.start, s.end))
        doc.spans[DISFLUENCY_KEY] = noise
        spans = list(doc.spans.get(SPANS_KEY, []))
        if not spans:  # most turns: nothing to qualify, skip the cue matchers
            doc._.mbt_cancelled = []
            return doc
        cancel_noise = [n for n in noise if n.label_ in {"FILLER", "INTERJECTION", "ARTEFACT"}]
        filler_tokens = {i for n in noise if n.label_ == "FILLER" for i in range(n.start, n.end)}
        # A filler "kind of" is no hedge: drop cue matches that sit on filler tokens.
        hedge_ends = [
            (s, e) for _, s, e in self.hedges(doc) if not filler_tokens.intersection(range(s, e))
        ]
        reported_at = [(s, e) for _, s, e in self.reported(doc)]
        reported_at += [(n.start, n.end) for n in noise if n.label_ == "QUOTATIVE"]
        index = DocIndex(doc, cancel_noise, hedge_ends, reported_at, self.quotes)
        active, cancelled = [], []
        for span in spans:
            reason = self._reason(doc, span, index)
            if reason is None:
                active.append(span)
            else:
                cancelled.append({**marker_dict(span), "reason": reason})
        doc.spans[SPANS_KEY] = active
        doc._.mbt_cancelled = cancelled
        return doc

    def data(self) -> dict[str, Any]:
        return dict(self.config.data)

    def set_data(self, data: Any, source: str | Path) -> None:
        self.set_config(ContextConfig.from_dict(data, source))

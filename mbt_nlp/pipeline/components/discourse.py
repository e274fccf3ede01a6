"""`mbt_discourse`: turn-level signals for circular, abstract talk.

Writes `doc._.mbt_discourse` = {words, abstractness, concreteness, affect,
repetition, echo, ...} and, where a turn is long, abstract and unanchored or
goes round in circles, adds ABSTRACT_TALK / REPETITION spans (pretend family)
to `doc.spans["mbt"]`. Fillers, repeats and interjections found by
`mbt_context` are left out of every count: they are not the client's claims.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.attrs import ENT_TYPE, LIKE_NUM, POS, SENT_START
from spacy.language import Language
from spacy.parts_of_speech import PROPN
from spacy.tokens import Doc, Span

from mbt_nlp.errors import ResourceError
from mbt_nlp.pipeline.components.base import PerDoc, SavedAsJson
from mbt_nlp.pipeline.doc_view import token_view
from mbt_nlp.pipeline.extensions import SPANS_KEY, register_extensions
from mbt_nlp.pipeline.resources import check_keys, lexicon_set, packaged_path, read_json
from mbt_nlp.pipeline.words import client_words

CONFIG_FILE = "discourse.json"
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class DiscourseConfig:
    data: Mapping[str, Any]

    @classmethod
    def from_dict(cls, data: Any, source: str | Path) -> DiscourseConfig:
        check_keys(data, {"abstract_lexicons", "concrete_lexicons", "affect_lexicon",
                          "stopword_lexicon", "unanchored", "circular", "rules"}, set(),
                   source, "discourse file")
        check_keys(data["unanchored"], {"min_words", "min_abstractness", "max_anchors",
                                        "min_abstract_words", "max_affect_rate"}, set(),
                   source, "'unanchored'")
        check_keys(data["circular"], {"min_words", "ngram", "min_repeats", "min_gap_words",
                                      "min_repeats_per_100_words", "words_per_word_repeat",
                                      "min_abstractness"},
                   set(), source, "'circular'")
        for rule in data["rules"]:
            check_keys(rule, {"id", "label", "family", "reason"}, set(), source, "discourse rule")
        for name in [*data["abstract_lexicons"], *data["concrete_lexicons"],
                     data["affect_lexicon"], data["stopword_lexicon"]]:
            try:
                lexicon_set(name)
            except ResourceError:
                raise ResourceError(f"unknown lexicon {name!r}", source) from None
        return cls({k: v for k, v in data.items() if not k.startswith("_")})

    @classmethod
    def load(cls, path: str | Path | None = None) -> DiscourseConfig:
        path = path or packaged_path(CONFIG_FILE)
        return cls.from_dict(read_json(path), path)


def anchors(doc: Doc, positions: list[int], lower: list[str],
            concrete: frozenset[str]) -> list[bool]:
    """Which of the words at `positions` anchor talk in the concrete: numbers, concrete
    nouns, named entities, proper nouns (or, with no tagger, capitalised words inside a
    sentence, most likely names)."""
    if not positions:
        return []
    view = token_view(doc)
    like_num, ent_type, pos, sent_start = doc.to_array(
        [LIKE_NUM, ENT_TYPE, POS, SENT_START]).T.tolist()
    found = []
    for i, word in zip(positions, lower, strict=True):
        if like_num[i] or word in concrete or ent_type[i]:
            found.append(True)
        elif pos[i]:
            found.append(pos[i] == PROPN)
        else:
            found.append(view.orth[i][:1].isupper() and word != "i" and sent_start[i] != 1
                         and i > 0 and not view.is_punct[i - 1])
    return found


@Language.factory(
    "mbt_discourse",
    assigns=["doc._.mbt_discourse", "doc.spans"],
    default_config={"config_path": None},
)
def make_discourse(nlp: Language, name: str, config_path: str | None) -> DiscourseSignals:
    return DiscourseSignals(nlp, name, config_path=config_path)


class DiscourseSignals(PerDoc, SavedAsJson):
    data_file = CONFIG_FILE

    def __init__(self, nlp: Language, name: str = "mbt_discourse",
                 config_path: str | None = None) -> None:
        register_extensions()
        self.name = name
        self.set_config(DiscourseConfig.load(config_path))

    def set_config(self, config: DiscourseConfig) -> None:
        self.config = config
        c = config.data
        self.abstract = frozenset().union(*(lexicon_set(n) for n in c["abstract_lexicons"]))
        self.concrete = frozenset().union(*(lexicon_set(n) for n in c["concrete_lexicons"]))
        self.affect = lexicon_set(c["affect_lexicon"])
        self.stopwords = lexicon_set(c["stopword_lexicon"])
        self.rules = {r["id"]: r for r in c["rules"]}

    def rule_reasons(self) -> dict[str, str]:
        return {rule_id: r["reason"] for rule_id, r in self.rules.items()}

    def signals(self, doc: Doc) -> tuple[dict[str, float], list[Span]]:
        positions, words = client_words(doc)
        n = len(words)
        content = [(i, w) for i, w in zip(positions, words, strict=True)
                   if w not in self.stopwords]
        n_abstract = sum(map(self.abstract.__contains__, words))
        n_anchor = sum(anchors(doc, positions, words, self.concrete))
        n_affect = sum(map(self.affect.__contains__, words))
        abstract_rate = n_abstract / n if n else 0.0
        concrete_rate = n_anchor / n if n else 0.0
        total = abstract_rate + concrete_rate
        abstractness = abstract_rate / total if total else 0.0

        repeats, repeat_spans = self._repetition(doc, content, n, abstractness)
        echo = self._echo([w for _, w in content], doc._.mbt_previous_text)
        signals = {
            "words": float(n),
            "content_words": float(len(content)),
            "abstract_words": float(n_abstract),
            "anchors": float(n_anchor),
            "abstractness": round(abstractness, 4),
            "concreteness": round(concrete_rate, 4),
            "affect": round(n_affect / n if n else 0.0, 4),
            "repetition": round(repeats, 4),
            "echo": round(echo, 4),
            "questions": float(token_view(doc).orth.count("?")),
        }
        spans = list(repeat_spans)
        u = self.config.data["unanchored"]
        if (
            n >= u["min_words"]
            and abstractness >= u["min_abstractness"]
            and n_anchor <= u["max_anchors"]
            and n_abstract >= u["min_abstract_words"]
            and signals["affect"] <= u["max_affect_rate"]
        ):
            rule = self.rules["pr.discourse_unanchored"]
            spans.append(Span(doc, positions[0], positions[-1] + 1, label=rule["label"],
                              kb_id=rule["family"], span_id=rule["id"]))
        return signals, spans

    def _repetition(self, doc: Doc, content: list[tuple[int, str]], n_words: int,
                    abstractness: float) -> tuple[float, list[Span]]:
        """Share of content n-grams that recur, plus spans on the recurrences.

        Circular talk comes back to the same phrases across the turn (an n-gram
        recurring at least `min_gap_words` content words after its last use) or
        keeps returning to one word (used more than 3 times, and more often than
        once per `words_per_word_repeat` words, since long talk reuses words).
        Immediate restarts ("I was, I was") are not here at all: the context
        component marks them as disfluencies. Fires only at a rate (a long turn
        needs proportionally more recurrences than a short one) and only on talk
        about minds (`min_abstractness`): a story that names the same game, shop
        or person five times is concrete, not going round in circles.
        """
        c = self.config.data["circular"]
        k, gap = c["ngram"], c["min_gap_words"]
        said = [w for _, w in content]
        grams = [tuple(said[i:i + k]) for i in range(len(said) - k + 1)]
        if not grams:
            return 0.0, []
        last_seen: dict[tuple[str, ...], int] = {}
        recurring: list[int] = []  # positions of n-grams that come back after a gap
        for i, gram in enumerate(grams):
            if gram in last_seen and i - last_seen[gram] >= gap:
                recurring.append(i)
            last_seen[gram] = i
        word_counts = Counter(said)
        word_limit = max(3, n_words // c["words_per_word_repeat"])
        excess = {w: v - word_limit for w, v in word_counts.items() if v > word_limit}
        share = len(recurring) / len(grams)
        repeats = len(recurring) + sum(excess.values())
        if (n_words < c["min_words"] or repeats < c["min_repeats"]
                or abstractness < c["min_abstractness"]
                or 100 * repeats / max(n_words, 1) < c["min_repeats_per_100_words"]):
            return share, []
        rule = self.rules["pr.discourse_circular"]
        spans = [Span(doc, content[i][0], content[i + k - 1][0] + 1, label=rule["label"],
                      kb_id=rule["family"], span_id=rule["id"]) for i in recurring]
        seen_words: Counter[str] = Counter()
        for position, word in content:
            seen_words[word] += 1
            if word in excess and seen_words[word] > word_limit:
                spans.append(Span(doc, position, position + 1, label=rule["label"],
                                  kb_id=rule["family"], span_id=rule["id"]))
        return share, spans

    def _echo(self, content: list[str], previous: str | None) -> float:
        """Share of this turn's content words that the previous turn used."""
        if not previous or not content:
            return 0.0
        prev_words = {w for w in _WORD.findall(previous.lower()) if w not in self.stopwords}
        return sum(w in prev_words for w in content) / len(content)

    def __call__(self, doc: Doc) -> Doc:
        signals, spans = self.signals(doc)
        doc._.mbt_discourse = signals
        if spans:
            merged = list(doc.spans.get(SPANS_KEY, [])) + spans
            doc.spans[SPANS_KEY] = sorted(merged, key=lambda s: (s.start, -s.end, s.label_))
        return doc

    def data(self) -> dict[str, Any]:
        return dict(self.config.data)

    def set_data(self, data: Any, source: str | Path) -> None:
        self.set_config(DiscourseConfig.from_dict(data, source))

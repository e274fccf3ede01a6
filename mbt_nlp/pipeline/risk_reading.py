"""How a risk mention is meant: denied, another's words, whose, in the past.

Read from the words around the match in its sentence, with the cue lists of
resources/risk.json. "I'd never hurt myself" is negated; "my friend cut
herself" is about another person; "she said she wanted to die" is reported.
Nothing is dropped here: a supervisor may still want to see "my friend cut
herself", so these only qualify a mention (the report shows them apart).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Doc

from mbt_nlp.pipeline.doc_view import TokenView
from mbt_nlp.pipeline.risk_lexicon import RiskLexicon, RiskRule

HARM_TO_OTHERS = "harm_to_others"
# Object pronouns name who was spoken to, not who spoke ("she texted me and said...").
_OBJECTS = frozenset({"me", "us", "him", "them", "her"})


@dataclass(frozen=True)
class Reading:
    negated: bool
    reported: bool
    subject: str  # self, you, other or unknown
    past: bool


def _by_first(phrases: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        out.setdefault(phrase[0], []).append(phrase)
    for group in out.values():
        group.sort(key=len, reverse=True)  # the longest phrase first
    return out


def _phrase_end(lower: list[str], i: int, phrases: dict[str, list[tuple[str, ...]]]) -> int | None:
    """End of the longest phrase starting at token i, or None."""
    for phrase in phrases.get(lower[i], ()):
        if tuple(lower[i:i + len(phrase)]) == phrase:
            return i + len(phrase)
    return None


class RiskReader:
    def __init__(self, lexicon: RiskLexicon) -> None:
        context = lexicon.context
        self.negations = _by_first(lexicon.phrases("negation_cues"))
        self.exempt = lexicon.words("negation_exempt_next")
        self.window = int(context["negation_window"])
        self.breaks = lexicon.words("clause_breaks")
        # A subject pronoun right after one of these continues the clause ("I don't think
        # I'd..."), as it does after the end of a negation cue ("no way I'd...").
        self.governs = lexicon.words("complement_takers") | {
            phrase[-1] for group in self.negations.values() for phrase in group}
        self.reported = _by_first(lexicon.phrases("reported_cues"))
        self.report_breaks = lexicon.words("report_breaks")
        self.quotes = "".join(context["quote_chars"])
        self.skip = lexicon.words("skip_words")
        self.pronouns = lexicon.words("subject_pronouns")
        self.subject_of: dict[str, str] = {}
        for key, subject in (("thing_words", "unknown"), ("other_words", "other"),
                             ("you_words", "you"), ("self_words", "self")):
            self.subject_of.update(dict.fromkeys(lexicon.words(key), subject))
        self.subject_window = int(context["subject_window"])
        self.past_cues = _by_first(lexicon.phrases("past_cues"))
        self.past_words = lexicon.words("past_words")

    def read(self, doc: Doc, view: TokenView, sentence: tuple[int, int], start: int, end: int,
             rule: RiskRule) -> Reading:
        clause = self._clause_start(view, sentence[0], start)
        return Reading(
            negated=self._negated(view, clause, start, end, rule),
            reported=self._reported(doc, view, sentence, start, end),
            subject=self._subject(doc, view, sentence[0], start, end, rule.group),
            past=self._past(view, clause, sentence[1], start, end),
        )

    def _content(self, view: TokenView, i: int) -> bool:
        return not view.is_punct[i] and view.lower[i] not in self.skip

    def _previous_content(self, view: TokenView, i: int, lo: int) -> int | None:
        while i >= lo and not self._content(view, i):
            i -= 1
        return i if i >= lo else None

    def _clause_start(self, view: TokenView, lo: int, start: int) -> int:
        """First token of the clause that holds the match (within its sentence)."""
        lower = view.lower
        for i in range(start - 1, lo - 1, -1):
            if lower[i] in self.breaks:
                return i + 1
            if lower[i] in self.pronouns:
                before = self._previous_content(view, i - 1, lo)
                if before is None or lower[before] not in self.governs:
                    return i
        return lo

    def _negated(self, view: TokenView, clause: int, start: int, end: int,
                 rule: RiskRule) -> bool:
        # A rule of negative form ("don't want to live") holds its negation itself.
        limit = start if rule.negative_form else end
        lower = view.lower
        for i in range(clause, limit):
            cue_end = _phrase_end(lower, i, self.negations)
            if cue_end is None:
                continue
            between = sum(self._content(view, k) for k in range(cue_end, start))
            if between > self.window:
                continue
            following = next((k for k in range(cue_end, len(lower)) if self._content(view, k)),
                             None)
            if following is not None and lower[following] in self.exempt:
                continue  # "I can't stop thinking about...", "I don't know why I..."
            return True
        return False

    def _who(self, doc: Doc, view: TokenView, i: int) -> str | None:
        """Whom token i names (self, you, other, unknown for "it"), if anyone."""
        if view.lower[i] in self.subject_of:
            return self.subject_of[view.lower[i]]
        if doc.has_annotation("ENT_IOB") and doc[i].ent_type_ == "PERSON":
            return "other"  # a trained base names people ("Sarah said...")
        return None

    def _speaker_of(self, doc: Doc, view: TokenView, cue: int, lo: int) -> str | None:
        """Who a reporting cue ("said") belongs to: the nearest subject word before it."""
        seen = 0
        for i in range(cue - 1, lo - 1, -1):
            who = self._who(doc, view, i)
            if who is not None and view.lower[i] not in _OBJECTS:
                return who
            if self._content(view, i):
                seen += 1
                if seen >= 6:
                    return None
        return None

    def _reported(self, doc: Doc, view: TokenView, sentence: tuple[int, int], start: int,
                  end: int) -> bool:
        lo, hi = sentence
        lower = view.lower
        for i in range(lo, start):
            cue_end = _phrase_end(lower, i, self.reported)
            if cue_end is None or cue_end > start:
                continue
            if any(lower[k] in self.report_breaks for k in range(cue_end, start)):
                continue  # "she said hi and then I wanted to..." is not her report
            if self._speaker_of(doc, view, i, lo) in ("other", "you"):
                return True
        if self._quoted(doc, lo, start):
            # '"I want to die," she said': the cue follows the quotation.
            for i in range(end, hi):
                cue_end = _phrase_end(lower, i, self.reported)
                if cue_end is None:
                    continue
                after = next((k for k in range(cue_end, hi) if self._content(view, k)), None)
                speakers = {self._speaker_of(doc, view, i, end)}
                if after is not None and lower[after] not in _OBJECTS:
                    speakers.add(self._who(doc, view, after))
                if speakers & {"other", "you"}:
                    return True
        return False

    def _quoted(self, doc: Doc, lo: int, start: int) -> bool:
        before = doc.text[doc[lo].idx:doc[start].idx]
        return sum(before.count(q) for q in self.quotes) % 2 == 1

    def _subject(self, doc: Doc, view: TokenView, lo: int, start: int, end: int,
                 group: str) -> str:
        lower = view.lower
        # "cut herself", "took all my pills": the person is in the match. Not for harm to
        # others, where the person in the match is the one harmed ("hurt him").
        if group != HARM_TO_OTHERS:
            for i in range(start, end):
                if lower[i] in self.subject_of and self.subject_of[lower[i]] != "unknown":
                    return self.subject_of[lower[i]]
        for i in range(start - 1, max(lo, start - self.subject_window) - 1, -1):
            who = self._who(doc, view, i)
            if who is not None:
                return who
        return "unknown"

    def _past(self, view: TokenView, clause: int, hi: int, start: int, end: int) -> bool:
        lower = view.lower
        # A past form before the match or opening it ("I tried to...", "took all my pills");
        # not inside it ("I wish I was dead" is not past).
        if any(lower[i] in self.past_words for i in range(clause, start + 1)):
            return True
        # Cues before the match in its clause, or after it up to the next pause or break.
        stop = end
        while stop < hi and not view.is_punct[stop] and lower[stop] not in self.breaks:
            stop += 1
        for i in (*range(clause, start), *range(end, stop)):
            cue_end = _phrase_end(lower, i, self.past_cues)
            if cue_end is not None and (cue_end <= start or i >= end):
                return True
        return False

"""Passages: consecutive lines of one speaker, the unit a mode is judged on.

Transcripts often split one speaker's turn over several lines: a chat client
sends a message as several short lines, subtitle cues break a turn every few
seconds, a typist starts a new row mid-thought. Judged line by line, a
fragment ("and keep moving forward") carries too little to show a mode that
the whole passage shows plainly. So the classifier reads the passage, and
every line of it reports the passage's mode and probabilities, beside the
markers found in the line itself.

A passage is capped in words so that a transcript whose speaker labels are
missing or uniform is not read as one endless turn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from mbt_nlp.pipeline.resources import LABELS, MODES
from mbt_nlp.transcript import Turn

MAX_PASSAGE_WORDS = 300
SEPARATOR = " "


@dataclass(frozen=True)
class Passage:
    """One or more consecutive lines of one speaker in one session."""

    lines: tuple[Turn, ...]

    @property
    def text(self) -> str:
        return SEPARATOR.join(line.text for line in self.lines)

    def as_turn(self) -> Turn:
        """The passage as one turn (first line's identity, joined text, full time span)."""
        first, last = self.lines[0], self.lines[-1]
        return replace(first, text=self.text, end=last.end if last.end is not None else first.end)

    @property
    def turn_range(self) -> tuple[int, int]:
        return self.lines[0].index, self.lines[-1].index


def _words(text: str) -> int:
    return len(text.split())


def passages(turns: Iterable[Turn], max_words: int = MAX_PASSAGE_WORDS) -> Iterator[Passage]:
    """Group turns, in order, into passages; every turn is in exactly one."""
    current: list[Turn] = []
    words = 0
    for turn in turns:
        n = _words(turn.text)
        continues = (current and turn.session == current[-1].session
                     and turn.speaker == current[-1].speaker and words + n <= max_words)
        if current and not continues:
            yield Passage(tuple(current))
            current, words = [], 0
        current.append(turn)
        words += n
    if current:
        yield Passage(tuple(current))


def answered(items: Iterable[Passage]) -> Iterator[tuple[Passage, str | None]]:
    """Each passage with the text of the passage before it in its session: the turn it
    answers, which the classifiers read beside it (the echo signal, the clinician's
    words answered). Every line of a passage answers that same text: the second line of
    a split message answers the other speaker, not its own first line."""
    before: dict[str, str] = {}
    for passage in items:
        session = passage.lines[0].session
        yield passage, before.get(session)
        before[session] = passage.text


def passage_label(labels: Sequence[str]) -> str:
    """Gold label of a passage from its lines' labels.

    A mode on any line makes it a mode passage (the most frequent mode, ties in
    codebook order); otherwise mentalizing on any line makes it mentalizing.
    """
    modes = Counter(label for label in labels if label in MODES)
    if modes:
        return max(modes, key=lambda m: (modes[m], -LABELS.index(m)))
    return "mentalizing" if "mentalizing" in labels else "none"

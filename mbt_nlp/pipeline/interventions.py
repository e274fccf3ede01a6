"""Features of a clinician turn for the intervention classifier, shared by training
and prediction: its words, the words of the turn it answers, and a few signals.

Plain string work, no Doc needed: what a clinician did shows in their words
("that's not true", "I'll ring you", "hang on, go back") and in what they were
answering (insight-talk joined, a demand met), and in shape: length (a lecture),
questions, whose perspective the words take.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

_TOKEN = re.compile(r"[a-z0-9']+|[?]")
_SENTENCE = re.compile(r"[.!?]+(?:\s|$)")
YOU = frozenset({"you", "your", "you're", "yourself", "you've", "you'd", "you'll"})
SELF = frozenset({"i", "me", "my", "i'm", "i've", "i'd", "i'll", "myself"})
WE = frozenset({"we", "us", "our", "we're", "we've", "let's"})
NEGATION = frozenset({"not", "no", "never", "isn't", "don't", "didn't", "wasn't", "can't",
                      "won't", "doesn't", "aren't", "nothing"})
SIGNALS = ("log_words", "questions", "sentences", "you_rate", "self_rate", "we_rate",
           "negation_rate", "previous_log_words", "previous_questions")


def words(text: str | None) -> list[str]:
    return _TOKEN.findall(text.lower()) if text else []


def _signals(text: str, own: list[str], prev: list[str]) -> list[float]:
    """SIGNALS, in order, from a turn's text, its words and the words it answers."""
    said = [w for w in own if w != "?"]
    n = max(len(said), 1)
    return [
        math.log1p(len(said)),
        math.log1p(own.count("?")),
        math.log1p(len(_SENTENCE.findall(text)) or 1),
        sum(map(YOU.__contains__, said)) / n,
        sum(map(SELF.__contains__, said)) / n,
        sum(map(WE.__contains__, said)) / n,
        sum(map(NEGATION.__contains__, said)) / n,
        math.log1p(len(prev) - prev.count("?")),
        math.log1p(prev.count("?")),
    ]


def feature_columns(texts: Sequence[str], previous: Sequence[str | None]
                    ) -> tuple[dict[str, list[str]], np.ndarray]:
    """For prediction: the `text` and `previous` columns (words joined) and the SIGNALS
    as one array, a row per clinician turn."""
    # Each text is split into words once. The lines of one passage all answer the same
    # passage (annotation/passages.py), so its words are looked up, not split again.
    answered: dict[str | None, list[str]] = {}
    prev_words: list[list[str]] = []
    for p in previous:
        if p not in answered:
            answered[p] = words(p)
        prev_words.append(answered[p])
    own_words = [words(t) for t in texts]
    columns = {"text": [" ".join(w) for w in own_words],
               "previous": [" ".join(w) for w in prev_words]}
    matrix = np.array([_signals(t, own, prev) for t, own, prev
                       in zip(texts, own_words, prev_words, strict=True)],
                      dtype=np.float64).reshape(len(texts), len(SIGNALS))
    return columns, matrix


def feature_frame(texts: Sequence[str], previous: Sequence[str | None]) -> pd.DataFrame:
    """The same features as one DataFrame, for scikit-learn (training)."""
    import pandas as pd

    columns, matrix = feature_columns(texts, previous)
    frame = pd.DataFrame(matrix, columns=list(SIGNALS))
    frame.insert(0, "previous", columns["previous"])
    frame.insert(0, "text", columns["text"])
    return frame

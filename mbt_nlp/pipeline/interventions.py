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


def signals(text: str, previous: str | None) -> dict[str, float]:
    own, prev = words(text), words(previous)
    said = [w for w in own if w != "?"]
    n = max(len(said), 1)
    return {
        "log_words": math.log1p(len(said)),
        "questions": math.log1p(own.count("?")),
        "sentences": math.log1p(len(_SENTENCE.findall(text)) or 1),
        "you_rate": sum(w in YOU for w in said) / n,
        "self_rate": sum(w in SELF for w in said) / n,
        "we_rate": sum(w in WE for w in said) / n,
        "negation_rate": sum(w in NEGATION for w in said) / n,
        "previous_log_words": math.log1p(len([w for w in prev if w != "?"])),
        "previous_questions": math.log1p(prev.count("?")),
    }


def feature_columns(texts: Sequence[str], previous: Sequence[str | None]
                    ) -> tuple[dict[str, list[str]], np.ndarray]:
    """For prediction: the `text` and `previous` columns (words joined) and the SIGNALS
    as one array, a row per clinician turn."""
    columns = {"text": [" ".join(words(t)) for t in texts],
               "previous": [" ".join(words(p)) for p in previous]}
    matrix = np.array([[row[name] for name in SIGNALS]
                       for row in (signals(t, p) for t, p in zip(texts, previous, strict=True))],
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

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


def feature_frame(texts: Sequence[str], previous: Sequence[str | None]) -> pd.DataFrame:
    """One row per clinician turn: `text`, `previous` (the turn it answers) and SIGNALS."""
    rows = [{"text": " ".join(w for w in words(t)), "previous": " ".join(words(p)),
             **signals(t, p)} for t, p in zip(texts, previous, strict=True)]
    return pd.DataFrame(rows, columns=["text", "previous", *SIGNALS])

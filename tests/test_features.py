"""The classifier's signals: lexicon rates that stay in range on the shortest replies."""

from __future__ import annotations

import pytest

from mbt_nlp.pipeline.features import RATE_MIN_WORDS, doc_features
from mbt_nlp.pipeline.resources import MODES


def test_lexicon_rate_of_a_one_word_reply_counts_a_floor_of_words(nlp):
    # "So" is one causal word: as a per-word rate it would be 1.0.
    assert doc_features(nlp("So"))["rate_causal"] == pytest.approx(1 / RATE_MIN_WORDS)


def test_lexicon_rate_of_a_long_turn_is_per_word(nlp):
    text = ("I went because she asked me to and then we talked for a while about the "
            "garden and the weather")
    words = len(text.split())
    assert words > RATE_MIN_WORDS
    assert doc_features(nlp(text))["rate_causal"] == pytest.approx(1 / words)


# Bare fragments of real recorded speech (interrupted, trailing off): the bundled
# model flagged the first three teleological at 0.96 and the last pretend at 1.0.
@pytest.mark.parametrize("text", ["So—", "So.", "So, um…", "So just-", "Inner harmony."])
def test_bare_fragment_is_not_a_mode(full_nlp, text):
    assert full_nlp(text)._.mbt_mode not in MODES

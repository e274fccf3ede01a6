"""The classifier's signals: lexicon rates that stay in range on the shortest replies, a
length signal that counts words only up to a cap, and models fitted on other signals."""

from __future__ import annotations

import dataclasses
import math

import pytest

from mbt_nlp.errors import ModelError
from mbt_nlp.pipeline.features import LENGTH_CAP, LENGTH_SIGNAL, RATE_MIN_WORDS, doc_features
from mbt_nlp.pipeline.linear_model import LinearModel, ScaledBlock
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


def test_length_counts_words_up_to_the_cap(nlp):
    short = "I went to the shop and then I came home again"
    assert doc_features(nlp(short))[LENGTH_SIGNAL] == pytest.approx(math.log1p(len(short.split())))
    long_turn = " ".join([short] * 20)  # 220 words: no longer than the cap to the model
    at_cap = " ".join((short.split() * LENGTH_CAP)[:LENGTH_CAP])
    assert doc_features(nlp(long_turn))[LENGTH_SIGNAL] == doc_features(nlp(at_cap))[LENGTH_SIGNAL]
    assert doc_features(nlp(long_turn))[LENGTH_SIGNAL] == pytest.approx(math.log1p(LENGTH_CAP))


def _with_old_length_signal(model: LinearModel) -> LinearModel:
    """The model as a version before the length cap would have saved it."""
    blocks = [dataclasses.replace(b, columns=tuple(
        "log_words" if c == LENGTH_SIGNAL else c for c in b.columns))
        if isinstance(b, ScaledBlock) and b.columns else b for b in model.blocks]
    return LinearModel(blocks, model.classes, model.coef, model.intercept)


def test_a_model_fitted_on_signals_this_version_lacks_is_refused(full_nlp):
    classifier = full_nlp.get_pipe("mbt_classifier")
    model = classifier.model
    with pytest.raises(ModelError, match="log_words"):
        classifier.set_model(_with_old_length_signal(model), classifier.settings)
    assert classifier.model is model  # the refused model replaced nothing


def test_a_saved_pipeline_with_old_signals_names_its_folder(full_nlp, tmp_path):
    import mbt_nlp

    full_nlp.to_disk(tmp_path / "old")
    model_file = tmp_path / "old" / "mbt_classifier" / "model.npz"
    _with_old_length_signal(LinearModel.load(model_file)).save(model_file)
    with pytest.raises(ModelError) as err:
        mbt_nlp.load(model=tmp_path / "old")
    assert "log_words" in str(err.value)
    assert str(tmp_path / "old" / "mbt_classifier") in str(err.value)

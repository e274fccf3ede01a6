"""The array model format: scikit-learn's probabilities from plain arrays, safe loading."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mbt_nlp.errors import ModelError
from mbt_nlp.learn.turn_codes import build_model
from mbt_nlp.pipeline.interventions import SIGNALS, feature_columns, feature_frame
from mbt_nlp.pipeline.linear_model import LinearModel, from_sklearn
from tests.test_interventions import synthetic_turns


@pytest.fixture(scope="module")
def fitted():
    turns = synthetic_turns(copies=3)
    model = build_model().fit(feature_frame(turns.texts, turns.previous), turns.codes)
    return model, from_sklearn(model)


def probabilities(linear: LinearModel, texts: list[str], previous: list[str | None]):
    columns, signals = feature_columns(texts, previous)
    return linear.predict_proba(linear.encode(columns, signals, SIGNALS))


TEXTS = ["that's not true he obviously loves you", "", "Mm-hm.", "WHAT went through   your mind",
         "i'll ring you tonight, promise!", "naïve café… résumé", "x " * 300]


def test_probabilities_are_scikit_learns(fitted):
    model, linear = fitted
    previous = ["i just know she hates me"] * len(TEXTS)
    expected = model.predict_proba(feature_frame(TEXTS, previous))
    assert linear.classes == tuple(str(c) for c in model.classes_)
    assert np.allclose(probabilities(linear, TEXTS, previous), expected, rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=5))
def test_any_text_scores_as_scikit_learn_does(fitted, texts):
    model, linear = fitted
    previous = [None] * len(texts)
    expected = model.predict_proba(feature_frame(texts, previous))
    assert np.allclose(probabilities(linear, texts, previous), expected, rtol=0, atol=1e-12)


def test_file_round_trip_keeps_every_number(fitted, tmp_path):
    _, linear = fitted
    path = tmp_path / "model.npz"
    linear.save(path)
    again = LinearModel.load(path)
    previous = ["he hates me"] * len(TEXTS)
    assert np.array_equal(probabilities(again, TEXTS, previous),
                          probabilities(linear, TEXTS, previous))


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    path = tmp_path / "model.npz"
    np.savez(path, spec=np.array([{"format": "mbt-linear/1"}], dtype=object))
    with pytest.raises(ModelError, match="not a readable model file") as err:
        LinearModel.load(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("damage", ["format", "coef", "idf", "analyzer"])
def test_damaged_model_file_is_one_clear_error(fitted, tmp_path, damage):
    _, linear = fitted
    good = tmp_path / "good.npz"
    linear.save(good)
    with np.load(good, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    spec = json.loads(str(arrays["spec"]))
    if damage == "format":
        spec["format"] = "pickle"
    elif damage == "coef":
        arrays["coef"] = arrays["coef"][:, :-1]
    elif damage == "idf":
        arrays["idf_0"] = arrays["idf_0"].astype(np.int64)
    else:
        spec["blocks"][0]["analyzer"] = "callable"
    arrays["spec"] = np.array(json.dumps(spec))
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ModelError, match="not a valid mbt-linear/1 model file"):
        LinearModel.load(bad)


def test_models_of_other_shapes_are_not_converted():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    odd = Pipeline([("v", TfidfVectorizer(analyzer="char")), ("c", LogisticRegression())])
    odd.fit(["a b", "c d", "a c", "b d"], ["x", "y", "x", "y"])
    with pytest.raises(ModelError, match="cannot convert"):
        from_sklearn(odd)

"""Long turns are judged with their windows; training weights make length uninformative."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mbt_nlp.annotation.flag_rates import length_bucket
from mbt_nlp.learn.training import length_weights
from mbt_nlp.pipeline.stacking import split_by_turn, stack_feature_names, stack_features
from mbt_nlp.pipeline.windows import WINDOW_WORDS, window_bounds

STORY = ("We drove down on the Friday after work. My sister had the kids in the back. "
         "It rained the whole way, and the satnav kept sending us through villages. ") * 6


def _words(text: str) -> int:
    return len(text.split())


def test_short_turn_has_no_windows(nlp):
    assert window_bounds(nlp("I know he hates me. It just is.")) == []


def test_windows_cover_a_long_turn_in_order_without_overlap(nlp):
    doc = nlp(STORY)
    bounds = window_bounds(doc)
    assert len(bounds) >= 3
    assert all(a < b for a, b in bounds)
    assert all(bounds[i][1] <= bounds[i + 1][0] for i in range(len(bounds) - 1))
    assert all(_words(doc.text[a:b]) <= WINDOW_WORDS + WINDOW_WORDS // 4 for a, b in bounds)
    covered = sum(_words(doc.text[a:b]) for a, b in bounds)
    assert covered == _words(STORY)
    # Windows end at sentence ends (the full stop follows the last word) where they fit.
    assert all(doc.text[b:b + 1] == "." for _, b in bounds)


def test_run_on_speech_without_full_stops_is_cut_too(nlp):
    text = " ".join(["and then i just kept going and i dont know it was like"] * 12)
    bounds = window_bounds(nlp(text))
    assert len(bounds) >= 3
    assert all(_words(text[a:b]) <= WINDOW_WORDS + WINDOW_WORDS // 4 for a, b in bounds)


def test_stack_features_use_the_strongest_window():
    turns = np.full((2, 5), 0.2)
    windows = np.array([[0.9, 0.02, 0.02, 0.03, 0.03], [0.1, 0.1, 0.1, 0.3, 0.4]])
    grouped = split_by_turn(windows, np.array([1, 1]), 2)
    features = stack_features(turns, grouped)
    assert features.shape == (2, len(stack_feature_names()))
    names = stack_feature_names()
    pe = names.index("window_max_log_psychic_equivalence")
    assert features[1, pe] == pytest.approx(np.log(0.9))
    assert features[0, pe] == pytest.approx(np.log(0.2))  # no windows: the turn itself
    assert features[0, names.index("log_windows")] == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["none", "pretend", "mentalizing"]),
                          st.integers(1, 400)), min_size=2, max_size=80))
def test_length_weights_give_every_bucket_the_overall_label_mix(rows):
    labels, words = zip(*rows, strict=True)
    weights = length_weights(labels, words)
    assert weights.sum() == pytest.approx(len(labels))
    buckets = [length_bucket(n) for n in words]
    # Back-channel-length turns keep their own mix (equal weights among them).
    short = [weights[i] for i, b in enumerate(buckets) if b == "1-10"]
    assert max(short, default=0) == pytest.approx(min(short, default=0))
    keep = [i for i, b in enumerate(buckets) if b != "1-10"]
    if not keep:
        return
    labels = [labels[i] for i in keep]
    buckets = [buckets[i] for i in keep]
    weights = weights[keep] / weights[keep].mean()
    overall = Counter(labels)
    raw = np.ones(len(labels))
    for bucket in set(buckets):
        idx = [i for i, b in enumerate(buckets) if b == bucket]
        for label in {labels[i] for i in idx}:
            cell = [i for i in idx if labels[i] == label]
            raw[cell] = overall[label] / len(labels) / len(cell) * len(idx)
    if raw.max() > 5 or raw.min() < 0.2:
        return  # clipped: the mixes are only close
    for bucket in set(buckets):
        idx = [i for i, b in enumerate(buckets) if b == bucket]
        if {labels[i] for i in idx} != set(labels):
            continue  # a bucket without some label cannot hold the overall mix
        total = weights[idx].sum()
        for label in set(labels):
            share = sum(weights[i] for i in idx if labels[i] == label) / total
            assert share == pytest.approx(overall[label] / len(labels))

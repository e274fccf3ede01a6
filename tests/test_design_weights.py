"""A sample drawn with unequal chances (rev16) carries design weights, and the
evaluation gives the false-alarm rate of the whole source beside the sample's own."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict

import numpy as np
import pytest

from mbt_nlp.annotation.flag_rates import length_bucket
from mbt_nlp.errors import InputError
from mbt_nlp.learn.corpus import design_weights, load_annotations
from mbt_nlp.learn.evaluation import _screening_table, screening_report
from mbt_nlp.pipeline.resources import LABELS
from tests.conftest import REPO

REV16 = REPO / "annotations" / "rev16"


def test_rev16_weights_add_up_to_every_turn_of_the_source_in_each_bucket():
    # The part keeps every turn of its episodes (uncoded ones as context), so the turns
    # the labelled ones stand for must be exactly all of them, bucket by bucket.
    all_turns, labelled = load_annotations([REV16])
    source = Counter(length_bucket(len(t.text.split())) for t in all_turns)
    weights = design_weights(labelled.turns)
    stood_for: Counter[str] = Counter()
    for turn, weight in zip(labelled.turns, weights, strict=True):
        stood_for[length_bucket(len(turn.text.split()))] += weight
    assert {b: round(n) for b, n in stood_for.items()} == dict(source)
    # Only the second draw's random turns stand for more than themselves, one weight a bucket.
    drawn = {line.split("\t")[0]: line.split("\t")[3] for line in
             (REV16 / "raw" / "sample_scored.tsv").read_text().splitlines()[1:]}
    by_bucket = defaultdict(set)
    for turn, weight in zip(labelled.turns, weights, strict=True):
        key = f"{turn.session}:{turn.index}"
        if drawn.get(key) == "random":
            by_bucket[length_bucket(len(turn.text.split()))].add(weight)
        else:
            assert weight == 1.0
    assert by_bucket and all(len(w) == 1 and min(w) > 1 for w in by_bucket.values())


def test_design_weights_split_each_bucket_into_first_draw_model_turns_and_the_rest():
    sys.path.insert(0, str(REPO / "annotations"))
    from build_rev16 import design_weights as build_weights

    words = {f"s:{i}": 5 for i in range(20)}  # one bucket of 20 turns
    first = {"s:0", "s:1"}  # the first draw
    second = {"s:2": "model", "s:3": "random", "s:4": "random"}
    weights = build_weights(words, first, second)
    # 20 - 2 (first) - 1 (model) = 17 turns left, of which 2 were drawn at random.
    assert weights == {"s:0": 1.0, "s:1": 1.0, "s:2": 1.0, "s:3": 8.5, "s:4": 8.5}


def _raw(p_mode: list[float]) -> np.ndarray:
    """Probabilities with P(any mode) = p (all on psychic equivalence), rest on none."""
    raw = np.zeros((len(p_mode), len(LABELS)))
    raw[:, LABELS.index("psychic_equivalence")] = p_mode
    raw[:, LABELS.index("none")] = 1 - np.asarray(p_mode)
    return raw


def test_screening_report_weighs_each_ordinary_turn_by_the_turns_it_stands_for():
    prior = dict.fromkeys(LABELS, 0.2)
    labels = ["none"] * 4 + ["psychic_equivalence"]
    words = [5, 5, 5, 50, 50]
    raw = _raw([0.9, 0.0, 0.0, 0.9, 0.9])  # flagged: turns 0, 3 (ordinary) and 4 (mode)
    weights = np.array([1.0, 10.0, 1.0, 1.0, 1.0])
    r = screening_report(labels, words, raw, prior, prior, 0.5, weights=weights)
    assert r["false_alarm_rate"] == 0.5  # 2 of 4 ordinary turns
    whole = r["design_weighted"]
    assert whole["false_alarm_rate"] == round(2 / 13, 4)  # (1 + 1) of (1 + 10 + 1 + 1)
    assert whole["by_length"] == {"1-10": round(1 / 12, 4), "31-100": 1.0}
    point = next(p for p in r["operating_points"] if p["threshold"] == 0.5)
    assert point["worst_bucket_design_weighted_false_alarm_rate"] == 1.0
    assert "whole source" in "\n".join(_screening_table("rev16", r))
    # A part labelled whole (every weight 1) gets no second set of rates.
    plain = screening_report(labels, words, raw, prior, prior, 0.5, weights=np.ones(5))
    assert "design_weighted" not in plain
    assert "whole source" not in "\n".join(_screening_table("spoken", plain))


@pytest.mark.parametrize("weight", ["2", 0.5, 0, True, float("inf"), float("nan")])
def test_a_design_weight_that_is_not_a_number_of_turns_names_its_line(weight, tmp_path):
    path = tmp_path / "s1.jsonl"
    rows = [{"session": "s1", "turn": 0, "speaker": "C", "role": "client", "text": "Hi.",
             "label": "none"},
            {"session": "s1", "turn": 1, "speaker": "C", "role": "client", "text": "Yes.",
             "label": "none", "design_weight": weight}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="design_weight") as caught:
        load_annotations([path])
    assert str(caught.value).startswith(f"{path}:2:")

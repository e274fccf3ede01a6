from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from mbt_nlp.research.agreement import agreement


def test_kappa_overall_and_per_label():
    a = ["none", "none", "mentalizing", "pretend", "none", "mentalizing"]
    b = ["none", "mentalizing", "mentalizing", "pretend", "none", "none"]
    report = agreement(a, b)
    assert report["n"] == 6
    assert report["observed_agreement"] == pytest.approx(4 / 6, abs=1e-4)
    assert report["kappa"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-4)
    assert report["per_label"]["pretend"]["kappa"] == 1.0
    assert report["per_label"]["teleological"]["kappa"] is None
    assert report["per_label"]["mentalizing"]["first"] == 2


def test_lengths_must_match():
    with pytest.raises(ValueError):
        agreement(["none"], ["none", "none"])

"""SVG figures of precision-recall and calibration, drawn from evaluation figures."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from mbt_nlp.learn.operating_points import curves
from mbt_nlp.pipeline.resources import LABELS
from mbt_nlp.writers.curve_figures import pr_figure, reliability_figure, write_curve_figures

SVG = "{http://www.w3.org/2000/svg}"


def synthetic_curves(seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.choice(["psychic_equivalence", "pretend", "mentalizing", "none"], 400,
                   p=[0.05, 0.05, 0.3, 0.6])
    proba = rng.dirichlet(np.ones(len(LABELS)), len(y)) * 0.5
    for i, label in enumerate(y):
        proba[i, LABELS.index(label)] += 0.5  # informative scores
    return curves(list(y), proba / proba.sum(axis=1, keepdims=True))


def test_pr_figure_has_one_line_per_mode_with_positives_and_its_ap():
    c = synthetic_curves()
    svg = ET.fromstring(pr_figure(c, "PR: test"))
    lines = svg.findall(f"{SVG}polyline")
    # teleological has no positive turn: no line for it
    assert len(lines) == 3
    text = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    for name in ("psychic_equivalence", "pretend", "any_mode"):
        ap = c[name]["pr"]["average_precision"]
        assert f"AP {ap:.2f}" in text
    assert "teleological" not in text


def test_pr_points_lie_inside_the_plot_area():
    svg = ET.fromstring(pr_figure(synthetic_curves(1), "PR"))
    frame = svg.find(f"{SVG}rect[@stroke='#888']")
    x0, y0 = float(frame.get("x")), float(frame.get("y"))
    x1, y1 = x0 + float(frame.get("width")), y0 + float(frame.get("height"))
    for line in svg.findall(f"{SVG}polyline"):
        for point in line.get("points").split():
            x, y = map(float, point.split(","))
            assert x0 - 0.1 <= x <= x1 + 0.1 and y0 - 0.1 <= y <= y1 + 0.1


def test_reliability_figure_has_a_dot_per_bin():
    c = synthetic_curves()
    svg = ET.fromstring(reliability_figure(c, "Calibration"))
    assert len(svg.findall(f"{SVG}circle")) == len(c["any_mode"]["calibration"]["table"])


def test_no_positive_turn_gives_no_pr_figure():
    c = curves(["none"] * 20, np.tile(np.eye(len(LABELS))[LABELS.index("none")], (20, 1)))
    assert pr_figure(c, "PR") is None


def test_a_file_per_part_with_curves(tmp_path):
    results = {"spoken_session_cv": {"curves": synthetic_curves()}, "settings": {"seed": 0},
               "written_session_cv": {"macro_f1": 0.8}}
    written = write_curve_figures(results, tmp_path / "figures")
    assert sorted(p.name for p in written) == ["spoken_session_cv_calibration.svg",
                                               "spoken_session_cv_pr.svg"]
    for path in written:
        ET.fromstring(path.read_text(encoding="utf-8"))

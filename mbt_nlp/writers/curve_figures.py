"""Precision-recall and reliability figures of an evaluation, as standalone SVG files.

Drawn from the figures `mbt evaluate` computes (learn/operating_points.curves: thinned
PR points with average precision, reliability tables), so a figure in a paper shows
exactly the numbers in metrics.json. Plain SVG text: no plotting library, opens in any
browser and imports into any editor. Each series has its mode colour and its own dash
pattern, and the legend names it, so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from mbt_nlp.writers.report import STYLE

ANY_MODE = {"name": "any mode", "colour": "#000000", "dash": "4 2 1 2"}
WIDTH, HEIGHT = 420, 360
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 34, 96  # bottom: axis labels and legend


def _series_style(name: str) -> Mapping[str, str]:
    return STYLE.get(name, ANY_MODE) if name != "any_mode" else ANY_MODE


def _frame(title: str, x_label: str, y_label: str) -> list[str]:
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
           f"<title>{escape(title)}</title>",
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="18" font-size="12" font-weight="bold">{escape(title)}</text>']
    for k in range(6):
        v = k / 5
        x, y = LEFT + v * w, TOP + (1 - v) * h
        out += [f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + w}" y2="{y:.1f}" stroke="#e6e6e6"/>',
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.1f}</text>',
                f'<text x="{x:.1f}" y="{TOP + h + 16}" text-anchor="middle">{v:.1f}</text>']
    out += [f'<rect x="{LEFT}" y="{TOP}" width="{w}" height="{h}" fill="none" stroke="#888"/>',
            f'<text x="{LEFT + w / 2}" y="{TOP + h + 32}" text-anchor="middle">'
            f"{escape(x_label)}</text>",
            f'<text transform="translate(14 {TOP + h / 2}) rotate(-90)" text-anchor="middle">'
            f"{escape(y_label)}</text>"]
    return out


def _point(x: float, y: float) -> tuple[float, float]:
    """A value pair in [0, 1] as SVG coordinates inside the plot area."""
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    return LEFT + x * w, TOP + (1 - y) * h


def _xy(x: float, y: float) -> str:
    px, py = _point(x, y)
    return f"{px:.1f},{py:.1f}"


def _legend(entries: list[tuple[str, Mapping[str, str]]]) -> list[str]:
    out = []
    for i, (text, style) in enumerate(entries):
        x, y = LEFT + (i % 2) * 180, HEIGHT - 42 + (i // 2) * 16
        out += [f'<line x1="{x}" y1="{y - 4}" x2="{x + 22}" y2="{y - 4}" '
                f'stroke="{style["colour"]}" stroke-width="2" '
                f'stroke-dasharray="{style["dash"]}"/>',
                f'<text x="{x + 28}" y="{y}">{escape(text)}</text>']
    return out


def pr_figure(curves: Mapping[str, Any], title: str) -> str | None:
    """Precision (y) against recall (x) per mode and for any mode; None: no positives."""
    out = _frame(title, "recall", "precision")
    legend = []
    for name, entry in curves.items():
        pr = entry.get("pr")
        if not pr or not pr.get("points"):
            continue
        style = _series_style(name)
        points = sorted(pr["points"], key=lambda p: (p["recall"], -p["precision"]))
        path = " ".join(_xy(p["recall"], p["precision"]) for p in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{style["colour"]}" '
                   f'stroke-width="2" stroke-dasharray="{style["dash"]}"/>')
        legend.append((f"{style['name']}: AP {pr['average_precision']:.2f} "
                       f"({pr['positives']} turns)", style))
    if not legend:
        return None
    return "\n".join([*out, *_legend(legend), "</svg>"]) + "\n"


def reliability_figure(curves: Mapping[str, Any], title: str) -> str:
    """Observed rate against mean predicted probability per bin (dot area ~ turns), for
    any mode, with the diagonal of perfect calibration."""
    out = _frame(title, "mean predicted probability", "observed rate")
    (x0, y0), (x1, y1) = _point(0, 0), _point(1, 1)
    out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
               'stroke="#aaa" stroke-dasharray="3 3"/>')
    entry = curves.get("any_mode") or {}
    table = (entry.get("calibration") or {}).get("table") or []
    total = sum(row["turns"] for row in table) or 1
    style = _series_style("any_mode")
    if table:
        path = " ".join(_xy(r["mean_predicted"], r["observed"]) for r in table)
        out.append(f'<polyline points="{path}" fill="none" stroke="{style["colour"]}" '
                   f'stroke-width="1.5" stroke-dasharray="{style["dash"]}"/>')
    for row in table:
        x, y = _point(row["mean_predicted"], row["observed"])
        radius = 2.5 + 9 * (row["turns"] / total) ** 0.5
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{style["colour"]}" '
                   f'fill-opacity="0.35"><title>{escape(row["bin"])}: {row["turns"]} turns, '
                   f'predicted {row["mean_predicted"]}, observed {row["observed"]}'
                   "</title></circle>")
    ece = (entry.get("calibration") or {}).get("ece")
    out += _legend([(f"any mode (ECE {ece}); dot area: turns in the bin", style)])
    return "\n".join([*out, "</svg>"]) + "\n"


def write_curve_figures(results: Mapping[str, Any], folder: str | Path) -> list[Path]:
    """One PR and one reliability SVG per evaluated part that has curves
    (e.g. spoken_leave_one_writer_out_pr.svg); returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for key, part in results.items():
        curves = part.get("curves") if isinstance(part, Mapping) else None
        if not curves:
            continue
        title = key.replace("_", " ")
        figures = {"pr": pr_figure(curves, f"Precision-recall: {title}"),
                   "calibration": reliability_figure(curves, f"Calibration: {title}")}
        for kind, svg in figures.items():
            if svg is None:
                continue
            path = folder / f"{key}_{kind}.svg"
            path.write_text(svg, encoding="utf-8")
            written.append(path)
    return written

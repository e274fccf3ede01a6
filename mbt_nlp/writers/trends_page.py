"""The trends page: one small chart and table per case, self-contained and offline.

Each chart shows, session by session, the rate of each non-mentalizing mode per 100
client turns with its 95% interval as a whisker. It is inline SVG drawn by the
template (no script, no external request); Jinja2 autoescapes everything, so case
and session ids are inert text. `link_from_index` adds a link to the page into the
index page that `mbt tag --out-dir ... --format html` wrote.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import escape

from mbt_nlp.pipeline.resources import MODES
from mbt_nlp.research.trends import CASE_COLUMNS, COLUMNS, Case, Trends, describe_slope
from mbt_nlp.writers.jsonl import atomic_output
from mbt_nlp.writers.report import DISCLAIMER, PROFILE_POLES, STYLE, relative_href

PAGE_NAME = "trends.html"
# The index template marks where pages made later from its folder are linked.
RELATED_MARKER = "<!-- mbt:related -->"
_TRENDS_LINK = re.compile(r'<p class="related" data-mbt="trends">.*?</p>\n?', re.DOTALL)
_GENERATOR = '<meta name="generator" content="mbt-nlp">'
Y_SCALES = (5, 10, 20, 25, 50, 100)  # per 100 client turns; the smallest that holds the data
MAX_LABELS = 12  # session labels on an x axis


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mbt_nlp.writers", "templates"),
        autoescape=True,  # case and session ids are data, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _short(text: str, limit: int = 12) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chart(case: Case, width: int = 580, height: int = 230) -> dict[str, Any]:
    """Geometry of one case's chart: a band per session, the modes side by side in it."""
    rows = case.sessions
    left, right, top, bottom = 46, 34, 12, 44  # right: room for half a date label
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(rows)
    band = plot_w / n
    highs = [row[f"rate100_{mode}_high"] for row in rows for mode in MODES]
    y_max = next((s for s in Y_SCALES if max(highs) <= s), 100)
    dodge = min(band / (len(MODES) + 1), 9.0)

    def y(value: float) -> float:
        return top + (1 - value / y_max) * plot_h

    series = []
    for m, mode in enumerate(MODES):
        points = []
        for i, row in enumerate(rows):
            x = left + (i + 0.5) * band + (m - (len(MODES) - 1) / 2) * dodge
            points.append({
                "x": x, "y": y(row[f"rate100_{mode}"]), "low": y(row[f"rate100_{mode}_low"]),
                "high": y(row[f"rate100_{mode}_high"]), "rate": row[f"rate100_{mode}"],
                "rate_low": row[f"rate100_{mode}_low"],
                "rate_high": row[f"rate100_{mode}_high"], "count": row[f"n_{mode}"],
                "turns": row["client_turns"], "session": row["session"],
            })
        series.append({"mode": mode, "points": points,
                       "line": " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in points)})
    labels = [str(_label(row)) for row in rows]
    # Every step-th label, so that labels (about 6.5 px a character at 11 px) never touch.
    room = max(len(_short(label)) for label in labels) * 6.5 + 10
    step = max(1, math.ceil(room / band), -(-n // MAX_LABELS))
    ticks = [{"x": left + (i + 0.5) * band, "label": _short(label), "full": label}
             for i, label in enumerate(labels) if i % step == 0]
    grid = [{"y": y(y_max * k / 5), "label": f"{y_max * k / 5:g}"} for k in range(6)]
    return {"width": width, "height": height, "left": left, "right": width - right,
            "top": top, "bottom": top + plot_h, "series": series, "ticks": ticks,
            "grid": grid, "y_max": y_max, "cap": min(dodge / 2, 3.5), "n": n}


def _label(row: dict[str, Any]) -> Any:
    """How a session is named on the axis: its date (or number) if ordered by one."""
    value = row.get("order_value")
    if isinstance(value, str):
        return value
    return row["session"]


def render_trends_page(trends: Trends, *, title: str = "Trends across sessions",
                       tables: Sequence[str] = ()) -> str:
    """The page's HTML; `tables`: file names of the tables written beside it."""
    cases = [{"name": case.name, "rows": case.sessions, "chart": chart(case),
              "trend": [describe_slope(s) for s in case.slopes]} for case in trends.cases]
    return _env().get_template("trends.html.j2").render(
        title=title, cases=cases, sessions=sum(len(c.sessions) for c in trends.cases),
        ordered_by=trends.ordered_by, style=STYLE, modes=MODES, poles=PROFILE_POLES,
        columns=COLUMNS, case_columns=CASE_COLUMNS, tables=list(tables),
        disclaimer=DISCLAIMER,
    )


def write_trends_page(trends: Trends, path: str | Path, *, tables: Sequence[str] = ()) -> None:
    with atomic_output(path) as handle:
        handle.write(render_trends_page(trends, tables=tables))


def link_from_index(index: Path, page: Path) -> bool:
    """Put a link to `page` into an index page written by `mbt tag` (replacing an earlier
    one); False, leaving the file alone, when it is not such a page."""
    try:
        html = index.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if _GENERATOR not in html:
        return False
    href = relative_href(os.path.relpath(page.resolve(), index.parent.resolve()))
    link = (f'<p class="related" data-mbt="trends"><a href="{escape(href)}">Trends across '
            'sessions</a>: how often each mode is flagged, session by session.</p>\n')
    html = _TRENDS_LINK.sub("", html)
    if RELATED_MARKER in html:
        html = html.replace(RELATED_MARKER, link + RELATED_MARKER, 1)
    elif html.count("</header>") == 1:  # an index written before the marker existed
        html = html.replace("</header>", link + "</header>", 1)
    else:
        return False
    with atomic_output(index) as handle:
        handle.write(html)
    return True

"""The report's clinician section: what the clinician did through the session.

Shares of each intervention code, a band of the clinician's turns under the
timeline (MBT-consistent, risky in a mode moment, other), the flagged moments
with the response and its fit (annotation/fit.py), and plain observations a
supervisor can set beside the MBT adherence scale. Never a score of competence.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mbt_nlp.annotation.fit import moment_fits
from mbt_nlp.pipeline.resources import INTERVENTIONS, RISKY_INTERVENTIONS

STATEMENT = ("Observations for supervision, read from the words: not a rating of the "
             "clinician's competence or adherence.")
CONSISTENT = ("validation", "exploration", "challenge", "affect_focus", "relationship")
GROUP_COLOURS = {"consistent": "#009E73", "risky": "#D55E00", "other": "#BBBBBB"}


def group_of(code: str) -> str:
    if code in RISKY_INTERVENTIONS:
        return "risky"
    return "consistent" if code in CONSISTENT else "other"


def clinician_section(records: list[dict[str, Any]], width: int = 960) -> dict[str, Any] | None:
    """Everything the template shows; None when no clinician turn has a code."""
    coded = [(pos, r) for pos, r in enumerate(records)
             if r.get("role") == "clinician" and r.get("intervention")]
    if not coded:
        return None
    counts = Counter(r["intervention"] for _, r in coded)
    n = len(coded)
    shares = [{"code": c, "count": counts[c], "share": counts[c] / n, "group": group_of(c)}
              for c in INTERVENTIONS if counts[c]]
    left, right = 46, 14
    step = (width - left - right) / max(n - 1, 1)
    band = [{"x": left + (i * step if n > 1 else (width - left - right) / 2),
             "code": r["intervention"], "group": group_of(r["intervention"]),
             "turn": r["turn"], "position": pos} for i, (pos, r) in enumerate(coded)]
    fits = moment_fits(records)
    by_fit = Counter(f["fit"] for f in fits)
    observations = []
    if fits:
        observations.append(
            f"After {len(fits)} flagged client moment{'s' if len(fits) != 1 else ''}, the "
            f"next clinician turn was MBT-consistent {by_fit['consistent']} time(s), risky "
            f"{by_fit['risky']} time(s), neither {by_fit['neither']} time(s).")
        risky = Counter(f["intervention"] for f in fits if f["fit"] == "risky")
        if risky:
            observations.append("Risky responses: " + ", ".join(
                f"{code.replace('_', ' ')} {k}" for code, k in risky.most_common()) + ".")
        long_ones = sum(f["long_after_psychic_equivalence"] for f in fits)
        if long_ones:
            observations.append(f"{long_ones} long intervention(s) followed a "
                                "psychic-equivalence moment.")
    thirds = [coded[: n // 3], coded[n // 3: 2 * n // 3], coded[2 * n // 3:]]
    if n >= 9:
        parts = []
        for name, part in zip(("first", "middle", "last"), thirds, strict=True):
            top = Counter(r["intervention"] for _, r in part).most_common(1)[0][0]
            parts.append(f"{name} third mostly {top.replace('_', ' ')}")
        observations.append("Trajectory: " + "; ".join(parts) + ".")
    return {"turns": n, "shares": shares, "band": band, "width": width, "height": 46,
            "fits": fits, "observations": observations, "statement": STATEMENT,
            "colours": GROUP_COLOURS}

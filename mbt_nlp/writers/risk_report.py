"""Risk words in the supervisor's report: the list at the top and the band under the timeline.

Shown on every page, whatever the mode, the profile or the speaker, and with a
plain statement that this is a reading aid: it lists words, it does not judge
risk. Negated and other people's mentions are listed too, marked as such.
"""

from __future__ import annotations

from typing import Any

from mbt_nlp.pipeline.risk_lexicon import RISK_GROUPS

RISK_STATEMENT = ("This is a reading aid, not a risk assessment: it lists words, it does not "
                  "judge risk.")
RISK_HELP = ("Mentions of self-harm, suicide, overdose or harm to others, by anyone, in every "
             "turn. Negated (“I’d never…”), reported (“she said…”) and other people’s (“my "
             "friend…”) mentions are listed and marked, not dropped. A word list misses what "
             "is said in other words: read the transcript.")
RISK_NAMES = {"self_harm": ("self-harm", "SH"), "suicide": ("suicide", "SU"),
              "overdose": ("overdose", "OD"), "harm_to_others": ("harm to others", "HO")}


def qualifiers(mention: dict[str, Any]) -> list[str]:
    """How a mention reads, in words ("negated", "about another person", ...)."""
    out = []
    if mention.get("negated"):
        out.append("negated")
    if mention.get("subject") == "other":
        out.append("about another person")
    elif mention.get("subject") == "you":
        out.append("about “you”")
    if mention.get("reported"):
        out.append("reported speech")
    if mention.get("past"):
        out.append("past")
    return out


def risk_label(mention: dict[str, Any]) -> str:
    """"suicide (negated, about another person)": the group and how the mention reads."""
    name = RISK_NAMES.get(mention["group"], (mention["group"], "?"))[0]
    how = qualifiers(mention)
    return f"{name} ({', '.join(how)})" if how else name


def is_muted(mention: dict[str, Any]) -> bool:
    """Negated or about another person: listed, but drawn apart from the speaker's own."""
    return bool(mention.get("negated")) or mention.get("subject") == "other"


def risk_mentions(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every risk mention of the session, in order, with the turn it is in (its position
    on the page) and how it reads."""
    out = []
    for position, record in enumerate(records):
        for mention in record.get("risk") or []:
            name, short = RISK_NAMES.get(mention["group"], (mention["group"], "?"))
            out.append({**mention, "position": position, "turn": record["turn"],
                        "speaker": record["speaker"], "role": record["role"],
                        "start": record.get("start"), "group_name": name, "short": short,
                        "qualifiers": qualifiers(mention), "muted": is_muted(mention)})
    return out


def risk_summary(mentions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"total": len(mentions),
            "groups": {group: sum(m["group"] == group for m in mentions)
                       for group in RISK_GROUPS},
            "own": sum(not m["muted"] for m in mentions)}


def risk_band(records: list[dict[str, Any]], mentions: list[dict[str, Any]],
              timeline: dict[str, Any], height: int = 56) -> dict[str, Any]:
    """Geometry of the band: one mark per turn with risk words. Under a timeline its marks
    sit at the client turn at or before theirs, so they line up with the curve above;
    without one (rules only), turns are spread evenly."""
    width, left, right = timeline["width"], timeline["left"], timeline["right"]
    client_x = _client_x(records, timeline)
    count = len(records)

    def x(position: int) -> float:
        if client_x:
            before = [cx for p, cx in client_x if p <= position]
            return before[-1] if before else client_x[0][1]
        return left + ((right - left) / 2 if count <= 1 else position * (right - left)
                       / (count - 1))

    turns: dict[int, list[dict[str, Any]]] = {}
    for mention in mentions:
        turns.setdefault(mention["position"], []).append(mention)
    marks: list[dict[str, Any]] = []
    for position, found in turns.items():
        shorts = list(dict.fromkeys(m["short"] for m in found))
        label = "+".join(shorts)
        mark = {"x": x(position), "width": 10 + 7.5 * len(label), "position": position,
                "turn": found[0]["turn"], "speaker": found[0]["speaker"], "label": label,
                "muted": all(m["muted"] for m in found), "mentions": found}
        marks.append(mark)
    _side_by_side(marks, left, right)
    return {"width": width, "height": height, "left": left, "right": right, "marks": marks,
            "aligned": bool(client_x)}


def _side_by_side(marks: list[dict[str, Any]], left: float, right: float, gap: float = 2) -> None:
    """Move marks apart so none covers another (a clinician turn shares its client turn's x)
    and all stay inside the band; only where the band is full do they overlap."""
    low = left
    for mark in marks:
        mark["x"] = max(mark["x"], low + mark["width"] / 2)
        low = mark["x"] + mark["width"] / 2 + gap
    high = right
    for mark in reversed(marks):
        mark["x"] = max(min(mark["x"], high - mark["width"] / 2), left + mark["width"] / 2)
        high = mark["x"] - mark["width"] / 2 - gap


def _client_x(records: list[dict[str, Any]], timeline: dict[str, Any]) -> list[tuple[int, float]]:
    """(position, x) of each client turn plotted on the timeline, in order."""
    positions = [p for p, r in enumerate(records) if r.get("role") == "client" and r.get("proba")]
    n = timeline["n"]
    if not n or len(positions) != n:
        return []
    left, right = timeline["left"], timeline["right"]
    return [(p, left + ((right - left) / 2 if n == 1 else i * (right - left) / (n - 1)))
            for i, p in enumerate(positions)]

"""The supervisor's report: one self-contained HTML page per session.

Everything a supervisor needs before supervision, offline: where the client
slipped out of mentalizing, in which mode, on what evidence, and what the
clinician did next. The page is rendered by Jinja2 with autoescaping on, so
transcript text is always inert; it makes no external request (inline CSS,
SVG and one inline script pinned by a Content-Security-Policy hash).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise, zip_longest
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from spacy.language import Language

from mbt_nlp.annotation.fit import judge
from mbt_nlp.annotation.flag_rates import FlagRates
from mbt_nlp.errors import MbtError
from mbt_nlp.pipeline.resources import FAMILIES, MODES
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.readers.roles import session_notices
from mbt_nlp.writers.clinician_view import clinician_section
from mbt_nlp.writers.jsonl import atomic_output
from mbt_nlp.writers.risk_report import (
    RISK_HELP,
    RISK_NAMES,
    RISK_STATEMENT,
    is_muted,
    risk_band,
    risk_label,
    risk_mentions,
    risk_summary,
)

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies),
# always paired with a text label, a line dash and a point shape: never colour alone.
STYLE: dict[str, dict[str, str]] = {
    "psychic_equivalence": {"name": "psychic equivalence", "short": "PE", "colour": "#D55E00",
                            "tint": "#FBE1CF", "dash": "", "border": "solid"},
    "teleological": {"name": "teleological", "short": "TEL", "colour": "#0072B2",
                     "tint": "#D3E8F5", "dash": "9 5", "border": "dashed"},
    "pretend": {"name": "pretend", "short": "PRE", "colour": "#CC79A7",
                "tint": "#F6E1ED", "dash": "2 4", "border": "dotted"},
    "mentalizing": {"name": "mentalizing", "short": "MENT", "colour": "#009E73",
                    "tint": "#D4EFE6", "dash": "", "border": "double"},
    "none": {"name": "none", "short": "–", "colour": "#6B6B6B", "tint": "#EEEEEE",
             "dash": "", "border": "solid"},
}
PROFILE_POLES = {  # dimension -> (pole at -1, pole at +1); see components/profile.py
    "self_other": ("other", "self"),
    "internal_external": ("external", "internal"),
    "cognitive_affective": ("affective", "cognitive"),
    "automatic_controlled": ("automatic", "controlled"),
}
MOMENTS = 5
DISCLAIMER = ("The model misses some slips and flags some ordinary talk: read each flag "
              "against the words and the context.")


class OutputExistsError(MbtError):
    """An output file exists and overwriting was not asked for."""


def clock(seconds: float) -> str:
    """Seconds from the start of the recording as H:MM:SS."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mbt_nlp.writers", "templates"),
        autoescape=True,  # every template, whatever its name: transcript text is never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    return env


def _script() -> tuple[Markup, str]:
    """The page's inline script and its CSP hash (an injected script would not run)."""
    source = _env().get_template("report.js.j2").render()
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return Markup(source), f"'sha256-{digest}'"  # our own static file, no data in it


# -- figures -----------------------------------------------------------------------------------

def client_turns(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r.get("role") == "client"]


def _words(record: dict[str, Any]) -> int:
    return int((record.get("discourse") or {}).get("words", 0))


def session_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Turns, client words, flagged client turns per mode (count, rate per 100 client
    words), share of mentalizing client turns and the mean profile of client turns."""
    clients = client_turns(records)
    words = sum(_words(r) for r in clients)
    labelled = [r for r in clients if r.get("mode")]
    modes = {}
    for mode in MODES:
        count = sum(r["mode"] == mode for r in labelled)
        modes[mode] = {"count": count, "rate100w": 100 * count / words if words else 0.0}
    mentalizing = sum(r["mode"] == "mentalizing" for r in labelled)
    mentalizing_rate = 100 * mentalizing / words if words else 0.0
    markers = {f: sum(m["family"] == f for r in clients for m in r.get("markers", []))
               for f in FAMILIES}
    profile = {}
    for dim in PROFILE_POLES:
        values = [(r.get("profile") or {}).get(dim, 0.0) for r in clients]
        profile[dim] = sum(values) / len(values) if values else 0.0
    return {
        "turns": len(records),
        "client_turns": len(clients),
        "clinician_turns": len(records) - len(clients),
        "client_words": words,
        "classified": bool(labelled),
        "modes": modes,
        "flagged": sum(m["count"] for m in modes.values()),
        "mentalizing": {"count": mentalizing, "rate100w": mentalizing_rate},
        "share_mentalizing": mentalizing / len(labelled) if labelled else None,
        "markers": markers,
        "profile": profile,
    }


def session_entry(records: list[dict[str, Any]], href: str) -> dict[str, Any]:
    """One row of the index page."""
    summary = session_summary(records)
    return {
        "session": records[0]["session"],
        "href": href,
        "client_turns": summary["client_turns"],
        "client_words": summary["client_words"],
        "flagged": {mode: summary["modes"][mode]["count"] for mode in MODES},
        "share_mentalizing": summary["share_mentalizing"],
        # By turn length, so that the index can say how often the run flagged and warn
        # when that is far above ordinary sessions (annotation/flag_rates.py).
        "flag_rates": FlagRates().add(records).to_dict(),
    }


# -- evidence ----------------------------------------------------------------------------------

def _family_rank(family: str) -> int:
    return FAMILIES.index(family) if family in FAMILIES else len(FAMILIES)


def _priority(marker: dict[str, Any]) -> tuple[int, int, int]:
    return _family_rank(marker["family"]), marker["start"], -marker["end"]


def evidence(markers: list[dict[str, Any]], reasons: dict[str, str]) -> list[dict[str, Any]]:
    """Markers by family priority (non-mentalizing first), each with its rule's reason."""
    return [{**m, "reason": reasons.get(m["rule"], ""),
             "family_name": STYLE.get(m["family"], STYLE["none"])["name"]}
            for m in sorted(markers, key=_priority)]


def evidence_by_rule(markers: list[dict[str, Any]],
                     reasons: dict[str, str]) -> list[dict[str, Any]]:
    """The same evidence with one entry per rule and label, listing the words it matched."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for m in evidence(markers, reasons):
        group = groups.setdefault((m["rule"], m["label"]), {**m, "words": []})
        group["words"].append(m["text"])
    return list(groups.values())


def text_pieces(text: str, markers: list[dict[str, Any]], reasons: dict[str, str],
                risk: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The text cut at every marker and risk-word boundary into non-overlapping pieces.

    A piece covered by several markers is shown as the first by family priority
    and lists them all; a piece in a risk mention carries it (`risk`), and the
    mention's last piece its label (`risk_tag`). Pieces join back to exactly `text`.
    """
    spans = [m for m in evidence(markers, reasons) if 0 <= m["start"] < m["end"] <= len(text)]
    mentions = [_risk_piece(m) for m in risk
                if 0 <= m["start_char"] < m["end_char"] <= len(text)]
    cuts = sorted({0, len(text), *(m["start"] for m in spans), *(m["end"] for m in spans),
                   *(m["start_char"] for m in mentions), *(m["end_char"] for m in mentions)})
    pieces = []
    for start, end in pairwise(cuts):
        covering = [m for m in spans if m["start"] <= start and end <= m["end"]]
        families = list(dict.fromkeys(m["family"] for m in covering))
        mention = next((m for m in mentions if m["start_char"] <= start
                        and end <= m["end_char"]), None)
        pieces.append({"text": text[start:end], "markers": covering,
                       "family": families[0] if families else None, "tag": None,
                       "risk": mention,
                       "risk_tag": mention["tag"] if mention and end == mention["end_char"]
                       else None})
    # One visible label per cluster of overlapping markers, naming every family in it
    # (nested markers would otherwise repeat the label word by word).
    run: list[dict[str, Any]] = []
    for piece, following in zip_longest(pieces, pieces[1:]):  # a turn with no text: none
        if piece["family"] is None:
            continue
        run += piece["markers"]
        if following is None or not any(m in run for m in following["markers"]):
            families = sorted({m["family"] for m in run}, key=_family_rank)
            piece["tag"] = "+".join(STYLE.get(f, STYLE["none"])["short"] for f in families)
            run = []
    return pieces


def _risk_piece(mention: dict[str, Any]) -> dict[str, Any]:
    """A risk mention as the transcript marks it: muted or not, and its label."""
    return {**mention, "muted": is_muted(mention), "tag": f"risk: {risk_label(mention)}"}


def _next_clinician(records: list[dict[str, Any]], position: int) -> dict[str, Any] | None:
    return next((r for r in records[position + 1:] if r.get("role") == "clinician"), None)


def _passages(records: list[dict[str, Any]]) -> list[list[int]]:
    """Positions of the client records of each passage (lines judged together), in order."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for position, record in enumerate(records):
        if record.get("role") == "client":
            span = record.get("passage") or [record["turn"], record["turn"]]
            groups.setdefault((record["session"], *span), []).append(position)
    return list(groups.values())


def moments(records: list[dict[str, Any]], reasons: dict[str, str],
            limit: int = MOMENTS) -> list[dict[str, Any]]:
    """The strongest flagged client passages, by P(mode), with evidence and the clinician's
    next turn. Without a classifier (rules only): the passages with most non-mentalizing
    markers. A passage is one line unless the client's turn was split over several."""
    candidates = []
    for positions in _passages(records):
        lines = [records[p] for p in positions]
        first = lines[0]
        if first.get("mode") in MODES:
            mode = first["mode"]
            strength = (first.get("proba") or {}).get(mode, 0.0)
            probability: float | None = strength
        elif first.get("proba") is None:
            found = [m["family"] for r in lines for m in r.get("markers", [])
                     if m["family"] in MODES]
            if not found:
                continue
            mode = max(MODES, key=found.count)
            strength, probability = float(len(found)), None
        else:
            continue
        candidates.append((strength, -positions[0], positions, mode, probability))
    candidates.sort(reverse=True)
    result = []
    for _, _, positions, mode, probability in candidates[:limit]:
        lines = [records[p] for p in positions]
        result.append({
            "position": positions[0], "positions": positions, "record": lines[0],
            "last": lines[-1], "mode": mode, "probability": probability,
            "flagged_by": lines[0].get("flagged_by"),
            "proba": lines[0].get("proba"), "start": lines[0].get("start"),
            "evidence": evidence_by_rule([m for r in lines for m in r.get("markers", [])],
                                         reasons),
            "mode_evidence": lines[0].get("mode_evidence") or [],
            # A segment that is its whole line repeats what the moment already shows.
            "segments": [{**s, "text": r["text"][s["start"]:s["end"]]}
                         for r in lines for s in r.get("segments") or []
                         if r["text"][s["start"]:s["end"]].strip() != r["text"].strip()],
            "next": (nxt := _next_clinician(records, positions[-1])),
            "fit": judge(mode, nxt.get("intervention"), len(str(nxt.get("text", "")).split()))
            if nxt is not None and nxt.get("intervention") else None,
        })
    return result


# -- timeline ----------------------------------------------------------------------------------

def smooth(values: list[float], window: int = 3) -> list[float]:
    """Centred moving average; the ends average what is there."""
    half = window // 2
    windows = [values[max(0, i - half):i + half + 1] for i in range(len(values))]
    return [sum(w) / len(w) for w in windows]


def timeline(records: list[dict[str, Any]], width: int = 960, height: int = 230) -> dict[str, Any]:
    """Geometry of the session curve: smoothed P(mode) per client turn, flagged turns."""
    points = [(pos, r) for pos, r in enumerate(records)
              if r.get("role") == "client" and r.get("proba")]
    left, right, top, bottom = 46, 14, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(points)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    def y(p: float) -> float:
        return top + (1 - p) * plot_h

    lines = []
    for mode in MODES:
        values = smooth([r["proba"].get(mode, 0.0) for _, r in points])
        lines.append({"mode": mode, "points": " ".join(f"{x(i):.1f},{y(v):.1f}"
                                                       for i, v in enumerate(values))})
    flagged = [{"mode": r["mode"], "x": x(i), "y": y(r["proba"][r["mode"]]),
                "p": r["proba"][r["mode"]], "turn": r["turn"], "position": pos}
               for i, (pos, r) in enumerate(points) if r.get("mode") in MODES]
    step = max(1, -(-n // 16))  # at most ~16 turn labels on the axis
    ticks = [{"x": x(i), "label": r["turn"]} for i, (_, r) in enumerate(points) if i % step == 0]
    grid = [{"y": y(p), "label": f"{p:.2f}".rstrip("0").rstrip(".")}
            for p in (0, 0.25, 0.5, 0.75, 1)]
    band = plot_w / max(n - 1, 1) if n > 1 else 24.0
    return {"width": width, "height": height, "left": left, "right": width - right,
            "top": top, "bottom": top + plot_h, "n": n, "lines": lines, "flagged": flagged,
            "ticks": ticks, "grid": grid, "band": min(band, 24.0)}


# -- pages -------------------------------------------------------------------------------------

def render_report(records: list[dict[str, Any]], *, reasons: dict[str, str], model_name: str,
                  model_version: str, title: str | None = None,
                  notices: Sequence[str] = ()) -> str:
    """The HTML page for ONE session's turn records (as `annotate` returns them);
    `notices`: how the file was read (e.g. who was taken as the clinician), one line each."""
    if not records:
        raise ValueError("render_report needs the records of one session; got none")
    sessions = list(dict.fromkeys(r["session"] for r in records))
    if len(sessions) > 1:
        raise ValueError(f"render_report takes one session; got {len(sessions)}")
    previous_client: dict[str, Any] | None = None
    turns = []
    for position, record in enumerate(records):
        after = None
        if record.get("role") == "client":
            previous_client = record
        elif previous_client is not None:
            after = previous_client.get("mode")
        mode = record.get("mode") if record.get("role") == "client" else None
        turns.append({
            "position": position, "record": record, "after": after, "mode": mode,
            "p": (record.get("proba") or {}).get(mode), "flagged": mode in MODES,
            "pieces": text_pieces(record["text"], record.get("markers", []), reasons,
                                  record.get("risk") or []),
            "cancelled": record.get("cancelled") or [],
            "risk": [risk_label(m) for m in record.get("risk") or []],
        })
    script, script_hash = _script()
    summary = session_summary(records)
    mentions = risk_mentions(records)
    curve = timeline(records)
    return _env().get_template("report.html.j2").render(
        title=title or f"Supervisor's report: {sessions[0]}", session=sessions[0],
        source=records[0].get("source_file") or "", summary=summary,
        timeline=curve, moments=moments(records, reasons), turns=turns,
        risk=mentions, risk_summary=risk_summary(mentions),
        risk_band=risk_band(records, mentions, curve), risk_statement=RISK_STATEMENT,
        risk_help=RISK_HELP, risk_names=RISK_NAMES,
        style=STYLE, modes=MODES, poles=PROFILE_POLES, model_name=model_name,
        model_version=model_version, disclaimer=DISCLAIMER, script=script,
        script_hash=script_hash, notices=list(notices),
        clinician=clinician_section(records),
    )


def render_index(sessions: list[dict[str, Any]], *, title: str | None = None,
                 model: str | None = None, flags: FlagRates | None = None,
                 uncounted: int = 0) -> str:
    """A page listing session reports (dicts as `session_entry` returns). `flags`: how
    often the sessions' client turns were flagged, by length, said under the title with
    the terminal's note when that is unusual; `uncounted`: listed sessions whose counts
    were not recorded (listings written before they were)."""
    judged = flags is not None and flags.total_judged > 0
    return _env().get_template("index.html.j2").render(
        title=title or "Session reports", sessions=sessions, style=STYLE, modes=MODES,
        model=model, disclaimer=DISCLAIMER,
        flag_summary=_sentence(flags.summary()) if judged else None,
        flag_warning=_sentence(flags.warning()) if judged else None, uncounted=uncounted,
    )


def _sentence(text: str | None) -> str | None:
    """The terminal's lower-case line as a sentence on the page."""
    return text[:1].upper() + text[1:] if text else text


def model_identity(nlp: Language) -> tuple[str, str]:
    """Name and version from `nlp.meta`; a rules-only pipeline has spaCy's placeholders."""
    if not nlp.has_pipe("mbt_classifier"):
        from mbt_nlp import __version__

        return "mbt-nlp rules only (no classifier)", __version__
    meta = nlp.meta or {}
    decision = nlp.get_pipe("mbt_classifier").decision()
    # The page says which decision rule flagged the turns: a named operating point or a
    # threshold on P(any mode), and the lower bar of the marker floor.
    rule = (f"operating point '{decision['operating_point']}'"
            if decision["operating_point"] else "threshold")
    name = f"{meta.get('name') or 'pipeline'}, {rule} P(any mode) ≥ {decision['threshold']:g}"
    if floor := decision.get("marker_floor"):
        name += f" (≥ {floor['min_p']:g} with a {' or '.join(floor['labels'])} marker)"
    return name, str(meta.get("version") or "")


def relative_href(path: str | Path) -> str:
    """A link to `path` relative to the page: './' plus each part percent-encoded, so a
    file named 'javascript:alert(1)' can never become a URL scheme."""
    parts = [part for part in Path(path).parts if part not in ("", ".")]
    return "./" + "/".join(urllib.parse.quote(part, safe="") for part in parts)


def page_names(sessions: Iterable[str], stem: str) -> list[str]:
    """`<stem>-<session>.html` per session: safe in a file name, unique even ignoring case."""
    names: list[str] = []
    seen: set[str] = set()
    for session in sessions:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", session).strip("._-") or "session"
        name, n = f"{stem}-{slug}.html", 1
        while name.casefold() in seen:
            n += 1
            name = f"{stem}-{slug}-{n}.html"
        seen.add(name.casefold())
        names.append(name)
    return names


def write_report(transcript_path: str | Path, output_path: str | Path, nlp: Language,
                 read_options: ReadOptions | None = None, input_format: str | None = None,
                 *, force: bool = True,
                 on_notice: Callable[[str], None] | None = None) -> list[Path]:
    """Read, annotate and write the report; returns the pages written.

    One session: exactly `output_path`. Several: `<stem>-<session>.html` beside it
    for each, and an index at `output_path`. Without `force`, nothing is written
    when any of these exists. `on_notice` is told each notice of the reading (they
    are also shown on the pages).
    """
    from mbt_nlp.annotation.explain import rule_reasons
    from mbt_nlp.annotation.turns import annotate

    transcript = read_transcript(transcript_path, read_options, input_format)
    if on_notice:
        for notice in transcript.notices:
            on_notice(notice)
    records = annotate(transcript, nlp)
    by_session: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_session.setdefault(record["session"], []).append(record)
    output = Path(output_path)
    single = len(by_session) == 1
    names = [] if single else page_names(by_session, output.stem)
    targets = [output] + [output.with_name(name) for name in names]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise OutputExistsError("exists; use --force to overwrite", existing[0])
    reasons = rule_reasons(nlp)
    model_name, model_version = model_identity(nlp)
    pages = {output: next(iter(by_session.values()))} if single else dict(
        zip(targets[1:], by_session.values(), strict=True))
    for path, session_records in pages.items():
        html = render_report(session_records, reasons=reasons, model_name=model_name,
                             model_version=model_version,
                             notices=session_notices(transcript.notices,
                                                     session_records[0]["session"]))
        with atomic_output(path) as handle:
            handle.write(html)
    if not single:
        entries = [session_entry(recs, relative_href(path.name)) for path, recs in pages.items()]
        with atomic_output(output) as handle:
            handle.write(render_index(entries, title=f"Sessions in {Path(transcript_path).name}",
                                      model=f"{model_name} {model_version}".strip(),
                                      flags=FlagRates().add(records)))
    return targets

"""Prodigy: one task per turn in JSONL, for a `choice` block beside a `spans_manual` block.

A task holds `text`; `options`, the five turn labels and `secondary:<label>` for the
optional secondary label; `accept`, the options chosen (the recipe's textcat-style
pre-selection); `spans` ({start, end, label}, code points as Prodigy counts them) as
pre-annotations; `meta` with who said it (session, turn, speaker, role, writer) and where
`accept`/`spans` came from: earlier codes (`"prefill": "annotation"`) or the model's
suggestion (`"prefill": "model"`, with its `score`). A sidecar `<stem>.prodigy.json` holds
the label colours (`custom_theme`) and the multiple-choice style. With a codebook the
options are its codes (no secondary), offered on turns of its role only.

Import reads `prodigy db-out` output (and the exported file itself): `answer` "accept"
takes the task's accept/spans; "reject" leaves the turn uncoded; "ignore" or no answer
keeps earlier codes, but never takes the model's suggestion as a code. Give the exported
file with the annotated ones and every turn comes back, annotated or not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mbt_nlp.errors import InputError
from mbt_nlp.readers.json_text import json_lines
from mbt_nlp.research.exchange.codebook import (
    MBT,
    Scheme,
    chosen_options,
    marker_codes,
    secondary_option,
)
from mbt_nlp.research.exchange.output import sidecar, write_json, write_jsonl
from mbt_nlp.research.exchange.turns import (
    ExchangeTurn,
    check_codes,
    from_identity,
    labels_from_options,
    make_span,
    same_words,
)

OUTPUT = "file"
ANSWERS = ("accept", "reject", "ignore")


def options(scheme: Scheme = MBT) -> list[dict[str, str]]:
    found = [{"id": c.name, "text": f"{c.name}: {c.definition}"} for c in scheme.codes]
    if scheme.secondary:
        found += [{"id": secondary_option(label), "text": f"secondary: {label}"}
                  for label in scheme.labels]
    return found


def task(turn: ExchangeTurn) -> dict[str, Any]:
    meta: dict[str, Any] = turn.identity()
    if turn.from_model:  # tagged output: pre-select the model's mode, as textcat.correct does
        label, secondary = (turn.suggestion.mode if turn.suggestion else None), None
        meta["prefill"] = "model"
        if turn.suggestion is not None:
            meta["score"] = turn.suggestion.probability
    else:
        label, secondary = turn.label, turn.secondary
        meta["prefill"] = "annotation"
    return {
        "text": turn.text,
        "options": options(turn.scheme) if turn.scheme.labels_role(turn.role) else [],
        "accept": chosen_options(label, secondary),
        "spans": [span.to_dict() for span in sorted(turn.spans)],
        "meta": meta,
        "config": {"choice_style": "multiple"},
    }


def write(turns: Sequence[ExchangeTurn], out: Path, scheme: Scheme = MBT) -> list[Path]:
    theme = {"custom_theme": {"labels": {**{c.name: c.colour for c in marker_codes()},
                                         **{c.name: c.colour for c in scheme.codes}}},
             "choice_style": "multiple"}
    return [write_jsonl(out, (task(t) for t in turns)),
            write_json(sidecar(out, ".prodigy.json"), theme)]


def read(paths: Sequence[Path], scheme: Scheme = MBT) -> list[ExchangeTurn]:
    """Turns in first-seen order; an answered task wins over the unanswered export."""
    chosen: dict[tuple[str, int], tuple[ExchangeTurn, bool]] = {}
    for path in paths:
        for number, record in json_lines(path):
            turn, answered = from_task(record, str(path), number, scheme)
            earlier = chosen.get(turn.key)
            if earlier is not None and earlier[1] and answered:
                raise turn.where("answered twice (merge the annotators' answers first, "
                                 "e.g. with Prodigy's review recipe)")
            if earlier is None or answered:
                chosen[turn.key] = (turn, answered)
    return [turn for turn, _ in chosen.values()]


def from_task(record: object, source: str, line: int,
              scheme: Scheme = MBT) -> tuple[ExchangeTurn, bool]:
    if not isinstance(record, Mapping) or not isinstance(record.get("text"), str):
        raise InputError("not a Prodigy task (an object with 'text')", source, line)
    meta = record.get("meta")
    turn = from_identity(meta, record["text"], source, line, scheme=scheme)
    answer = record.get("answer")
    if answer is not None and answer not in ANSWERS:
        raise turn.where(f"unknown answer {answer!r} (expected {', '.join(ANSWERS)})")
    prefill = meta.get("prefill", "annotation") if isinstance(meta, Mapping) else "annotation"
    if answer == "accept" or (answer in (None, "ignore") and prefill != "model"):
        accept = record.get("accept", [])
        if not isinstance(accept, list):
            raise turn.where("'accept' must be a list of option ids")
        turn.label, turn.secondary = labels_from_options(accept, turn)
        spans = record.get("spans") or []
        if not isinstance(spans, list) or not all(isinstance(s, Mapping) for s in spans):
            raise turn.where("'spans' must be a list of {start, end, label}")
        turn.spans = [make_span(s.get("start"), s.get("end"), s.get("label"), turn)
                      for s in spans]
        for span, given in zip(turn.spans, spans, strict=True):
            if "text" in given and not same_words(str(given["text"]),
                                                 turn.text[span.start:span.end]):
                raise turn.where(f"the text of span {span.start}-{span.end} does not match "
                                 "its offsets")
    return check_codes(turn), answer is not None


"""doccano: one JSONL line per turn, for a sequence-labelling or intent-and-slots project.

A line holds `text`; `label`, the marker spans as [start, end, label] triples (code points);
`cats`, the turn label and `secondary:<label>`; who said it (session, turn, speaker, role,
writer) as metadata fields, which doccano keeps and exports again; for tagged output the
model's `model_mode` and `model_p`, shown beside the text, never put in `cats`. Sidecars
`<stem>.span-labels.json` and `<stem>.category-labels.json` hold the codebook for doccano's
label import (names and colours). With a codebook, `cats` holds its code (no secondary),
the categories are its codes with their colours and the model's code is `model_code`.

Import reads doccano's JSONL export: spans from `label` (triples) or `entities` (triples or
{start_offset, end_offset, label}); turn labels from `cats` (or `label` as a list of names,
as a text-classification project exports it); metadata at the top level or under `meta`.
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
    Span,
    check_codes,
    check_unique,
    from_identity,
    labels_from_options,
    make_span,
)

OUTPUT = "file"
IDENTITY = ("session", "turn", "speaker", "role", "writer", "extra")


def line_of(turn: ExchangeTurn) -> dict[str, Any]:
    record: dict[str, Any] = {
        "text": turn.text,
        "label": [[s.start, s.end, s.label] for s in sorted(turn.spans)],
        "cats": chosen_options(turn.label, turn.secondary),
        **turn.identity(),
    }
    if turn.suggestion is not None:
        record["model_code" if turn.scheme.codebook else "model_mode"] = turn.suggestion.mode
        record["model_p"] = turn.suggestion.probability
    return record


def label_types(scheme: Scheme = MBT) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(span types, category types) as doccano's label import reads them."""
    spans = [{"text": c.name, "background_color": c.colour, "text_color": "#000000"}
             for c in marker_codes()]
    categories = [{"text": c.name, "background_color": c.colour, "text_color": "#ffffff"}
                  for c in scheme.codes]
    if scheme.secondary:
        categories += [{"text": secondary_option(c.name), "background_color": "#FFFFFF",
                        "text_color": c.colour} for c in scheme.codes]
    return spans, categories


def write(turns: Sequence[ExchangeTurn], out: Path, scheme: Scheme = MBT) -> list[Path]:
    spans, categories = label_types(scheme)
    return [write_jsonl(out, (line_of(t) for t in turns)),
            write_json(sidecar(out, ".span-labels.json"), spans),
            write_json(sidecar(out, ".category-labels.json"), categories)]


def read(paths: Sequence[Path], scheme: Scheme = MBT) -> list[ExchangeTurn]:
    turns = []
    for path in paths:
        turns += [from_line(record, str(path), number, scheme)
                  for number, record in json_lines(path)]
    check_unique(turns)
    return turns


def from_line(record: object, source: str, line: int, scheme: Scheme = MBT) -> ExchangeTurn:
    if not isinstance(record, Mapping) or not isinstance(record.get("text"), str):
        raise InputError("not a doccano example (an object with 'text')", source, line)
    meta = record.get("meta")
    meta = meta if isinstance(meta, Mapping) else {}
    identity = {**{k: meta[k] for k in IDENTITY if k in meta},
                **{k: record[k] for k in IDENTITY if k in record}}
    turn = from_identity(identity, record["text"], source, line, scheme=scheme)
    label = record.get("label")
    names = isinstance(label, list) and bool(label) and all(isinstance(x, str) for x in label)
    spans = record.get("entities", [] if names else label) or []
    cats = record.get("cats", label if names else [])
    turn.spans = [span_of(item, turn) for item in checked_list(spans, "spans", turn)]
    turn.label, turn.secondary = labels_from_options(checked_list(cats, "cats", turn),
                                                      turn)
    return check_codes(turn)


def checked_list(value: object, what: str, turn: ExchangeTurn) -> list[Any]:
    if not isinstance(value, list):
        raise turn.where(f"'{what}' must be a list")
    return value


def span_of(item: object, turn: ExchangeTurn) -> Span:
    if isinstance(item, list) and len(item) == 3:
        return make_span(*item, turn)
    if isinstance(item, Mapping) and {"start_offset", "end_offset", "label"} <= set(item):
        return make_span(item["start_offset"], item["end_offset"], item["label"], turn)
    raise turn.where("a span must be [start, end, label] or {start_offset, end_offset, label}")


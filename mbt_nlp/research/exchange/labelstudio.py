"""Label Studio: a JSON list of tasks, and the labeling config that shows them.

A task's `data` holds the text and who said it (session, turn, speaker, role, writer).
Codes of an annotation file travel as `annotations` (Label Studio imports them as completed
annotations); the model's as `predictions` (model_version, score, result), shown to the
annotator and never taken as codes. Results: `choices` from "label" and "secondary", and
`labels` regions from "marker", all to "text", with start/end in code points (as Label
Studio counts them) and the covered text. `<stem>.config.xml` is the labeling config with
the codebook: choices with their definitions as hints, marker labels with colours. With a
codebook the "label" choices are its codes (with their colours, no "secondary"), and the
model's code is the prediction, scored with its code_proba.

Import reads Label Studio's JSON export (not JSON-MIN): of a task's submitted annotations
that were not cancelled, a ground-truth one if any, else the last updated.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.json_text import parse_json
from mbt_nlp.research.exchange.codebook import MBT, Scheme, marker_codes
from mbt_nlp.research.exchange.output import sidecar, write_json, write_text
from mbt_nlp.research.exchange.turns import (
    ExchangeTurn,
    check_codes,
    check_unique,
    from_identity,
    make_span,
    same_words,
)

OUTPUT = "file"
LABEL, SECONDARY, MARKER, TEXT = "label", "secondary", "marker", "text"


def config(scheme: Scheme = MBT) -> str:
    """The labeling config: speaker line, marker labels over the text, the two choices (one,
    with a codebook)."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$speaker ($role), session $session, turn $turn")
    labels = ET.SubElement(view, "Labels", name=MARKER, toName=TEXT)
    for code in marker_codes():
        ET.SubElement(labels, "Label", value=code.name, background=code.colour,
                      hint=code.definition)
    ET.SubElement(view, "Text", name=TEXT, value="$text")
    controls = [(LABEL, scheme.heading("Turn label"), "single-radio")]
    if scheme.secondary:
        controls.append((SECONDARY, "Secondary label (optional)", "single"))
    for name, title, choice in controls:
        ET.SubElement(view, "Header", value=title)
        choices = ET.SubElement(view, "Choices", name=name, toName=TEXT, choice=choice,
                                showInline="true")
        for code in scheme.codes:
            colour = {"style": f"border-left: 6px solid {code.colour}; padding-left: 4px"}
            ET.SubElement(choices, "Choice", value=code.name, hint=code.definition,
                          **(colour if scheme.codebook else {}))
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def results(turn: ExchangeTurn, label: str | None, secondary: str | None) -> list[dict]:
    found: list[dict[str, Any]] = []
    for name, value in ((LABEL, label), (SECONDARY, secondary)):
        if value is not None:
            found.append({"id": f"{name}", "from_name": name, "to_name": TEXT,
                          "type": "choices", "value": {"choices": [value]}})
    for i, span in enumerate(sorted(turn.spans)):
        found.append({"id": f"marker{i}", "from_name": MARKER, "to_name": TEXT,
                      "type": "labels",
                      "value": {"start": span.start, "end": span.end,
                                "text": turn.text[span.start:span.end],
                                "labels": [span.label]}})
    return found


def task(turn: ExchangeTurn) -> dict[str, Any]:
    found: dict[str, Any] = {"data": {"text": turn.text, **turn.identity()}}
    if turn.from_model:
        prediction: dict[str, Any] = {
            "model_version": turn.suggestion.model if turn.suggestion else "mbt-nlp",
            "result": results(turn, turn.suggestion.mode if turn.suggestion else None, None)}
        if turn.suggestion is not None and turn.suggestion.probability is not None:
            prediction["score"] = turn.suggestion.probability
        found["predictions"] = [prediction]
    elif turn.label is not None or turn.spans:
        found["annotations"] = [{"result": results(turn, turn.label, turn.secondary)}]
    return found


def write(turns: Sequence[ExchangeTurn], out: Path, scheme: Scheme = MBT) -> list[Path]:
    return [write_json(out, [task(t) for t in turns]),
            write_text(sidecar(out, ".config.xml"), config(scheme))]


def read(paths: Sequence[Path], scheme: Scheme = MBT) -> list[ExchangeTurn]:
    turns = []
    for path in paths:
        tasks = parse_json(read_text(path), path)
        if not isinstance(tasks, list):
            raise InputError("not a Label Studio JSON export (a list of tasks)", path)
        turns += [from_task(t, str(path), i, scheme) for i, t in enumerate(tasks, start=1)]
    check_unique(turns)
    return turns


def from_task(task: object, source: str, number: int, scheme: Scheme = MBT) -> ExchangeTurn:
    data = task.get("data") if isinstance(task, Mapping) else None
    if not isinstance(data, Mapping) or not isinstance(data.get("text"), str):
        raise InputError("not a Label Studio task (needs 'data' with 'text'; export as JSON, "
                         "not JSON-MIN)", source, record=number)
    turn = from_identity(data, data["text"], source, record=number, scheme=scheme)
    annotation = chosen(task.get("annotations") or [], turn)  # type: ignore[union-attr]
    result = annotation.get("result") or [] if annotation is not None else []
    if not isinstance(result, list):
        raise turn.where("an annotation's 'result' must be a list")
    for item in result:
        read_result(item, turn)
    return check_codes(turn)


def chosen(annotations: object, turn: ExchangeTurn) -> Mapping[str, Any] | None:
    if not isinstance(annotations, list) or not all(isinstance(a, Mapping) for a in annotations):
        raise turn.where("'annotations' must be a list of objects")
    kept = [a for a in annotations if not a.get("was_cancelled")]
    pool = [a for a in kept if a.get("ground_truth")] or kept
    if not pool:
        return None
    latest = [(str(a.get("updated_at") or a.get("created_at") or ""), i)
              for i, a in enumerate(pool)]
    return pool[max(latest)[1]]


def read_result(item: object, turn: ExchangeTurn) -> None:
    if not isinstance(item, Mapping) or not isinstance(item.get("value"), Mapping):
        raise turn.where("a result must be an object with a 'value'")
    name, kind, value = item.get("from_name"), item.get("type"), item["value"]
    if item.get("to_name", TEXT) != TEXT:
        raise turn.where(f"a result points to {item.get('to_name')!r}, not {TEXT!r}")
    if name in (LABEL, SECONDARY) and kind == "choices":
        picked = value.get("choices")
        if not isinstance(picked, list) or len(picked) > 1:
            raise turn.where(f"'{name}' takes one choice")
        if picked:
            setattr(turn, name, picked[0])
    elif name == MARKER and kind == "labels":
        names = value.get("labels")
        if not isinstance(names, list) or not names:
            raise turn.where("a marker region needs its labels")
        for label in names:
            span = make_span(value.get("start"), value.get("end"), label, turn)
            if "text" in value and not same_words(str(value["text"]),
                                                 turn.text[span.start:span.end]):
                raise turn.where(f"the text of region {span.start}-{span.end} does not match "
                                 "its offsets")
            turn.spans.append(span)
    else:
        raise turn.where(f"unknown control {name!r} of type {kind!r} (the config has "
                         f"{LABEL!r}, {SECONDARY!r} and {MARKER!r})")

"""What can be exported: annotation files, tagged JSONL (`mbt tag`), or transcripts to tag.

Each JSONL file is told apart by its first record: `label` (or a codebook's field) -> an
annotation file (codes kept as they are), `schema` -> tagged output (the model's mode, or
with a codebook its `code`, becomes a suggestion, its markers pre-annotated spans); anything
else is a transcript, tagged here first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbt_nlp import __version__
from mbt_nlp.errors import InputError
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.readers.json_text import json_lines
from mbt_nlp.research.exchange.codebook import BASE_FIELDS, MBT, Scheme, model_codes
from mbt_nlp.research.exchange.turns import (
    ExchangeTurn,
    Suggestion,
    check_codes,
    check_unique,
    make_span,
    parse_spans,
)
from mbt_nlp.transcript import Turn

if TYPE_CHECKING:  # the pipeline's modules load only when a transcript is tagged
    from spacy.language import Language

ANNOTATION, TAGGED, TRANSCRIPT = "annotation", "tagged", "transcript"


def input_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder gives its *.jsonl files (as `mbt train` reads folders)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(path.rglob("*.jsonl"))
            files.extend(f for f in found if f.name != "manifest.jsonl" and not any(
                part.startswith(("_", ".")) for part in f.relative_to(path).parts[:-1]))
        elif not path.exists():
            raise InputError("no such file", path)
        else:
            files.append(path)
    return files


def kind_of(path: Path, input_format: str | None = None, field: str = "label") -> str:
    """annotation, tagged or transcript, from the first record of a JSONL file (`field`:
    a codebook's field, which also tells an annotation file)."""
    if (input_format or path.suffix.lower().lstrip(".")) not in ("jsonl", "ndjson"):
        return TRANSCRIPT
    for _, first in json_lines(path):  # lazily: only the first record is parsed
        if isinstance(first, dict) and "schema" in first and "markers" in first:
            return TAGGED
        if isinstance(first, dict) and ("label" in first or field in first):
            return ANNOTATION
        return TRANSCRIPT
    raise InputError("no records", path)


def load_turns(paths: Sequence[str | Path], nlp: Callable[[], Language] | None = None,
               options: ReadOptions | None = None, input_format: str | None = None,
               scheme: Scheme = MBT) -> list[ExchangeTurn]:
    """Every turn of the inputs, codes checked; `nlp()` is called only if a file needs
    tagging (with a codebook it must have been trained on that codebook's codes)."""
    turns: list[ExchangeTurn] = []
    pipeline: Language | None = None
    for path in input_files(paths):
        kind = kind_of(path, input_format, scheme.field)
        if kind == ANNOTATION:
            turns += [from_annotation(t, scheme)
                      for t in read_transcript(path, input_format="jsonl")]
        elif kind == TAGGED:
            turns += [from_tagged({**t.meta, "session": t.session, "turn": t.index,
                                   "speaker": t.speaker, "text": t.text}, t, "mbt-nlp", scheme)
                      for t in read_transcript(path, input_format="jsonl")]
        else:
            if nlp is None:
                raise InputError("a transcript, not annotations or tagged output: give a "
                                 "pipeline to tag it", path)
            if pipeline is None:
                from mbt_nlp.annotation.turns import annotate_turns

                pipeline = nlp()
                if scheme.codebook is not None:
                    model_codes(pipeline, scheme)
            transcript = read_transcript(path, options, input_format)
            turns += [from_tagged(record, turn, f"mbt-nlp {__version__}", scheme)
                      for record, turn in zip(annotate_turns(pipeline, transcript.turns),
                                              transcript.turns, strict=True)]
    check_unique(turns)
    return turns


def from_annotation(turn: Turn, scheme: Scheme = MBT) -> ExchangeTurn:
    """An annotation record: its codes are the fields the scheme owns on its role (with a
    codebook, the mbt label and secondary travel as other fields)."""
    meta = turn.meta
    owned = scheme.record(turn.role, None, None)
    found = ExchangeTurn(turn.session, turn.index, turn.speaker, turn.role, turn.text,
                         label=_optional_str(meta.get(scheme.field)) if owned else None,
                         secondary=_optional_str(meta.get("secondary"))
                         if scheme.secondary else None,
                         writer=_optional_str(meta.get("writer")),
                         extra={k: v for k, v in meta.items()
                                if k not in BASE_FIELDS and k not in owned},
                         source=turn.source, line=turn.line, record=turn.record, scheme=scheme)
    found.spans = parse_spans(meta.get("spans"), found)
    return check_codes(found)


def from_tagged(record: Mapping[str, Any], turn: Turn, model: str,
                scheme: Scheme = MBT) -> ExchangeTurn:
    """A tagged record: no codes yet; the mode (with a codebook: the code, P from
    code_proba) is a suggestion, the markers pre-annotations."""
    found = ExchangeTurn(str(record["session"]), int(record["turn"]), str(record["speaker"]),
                         turn.role, str(record["text"]), from_model=True, source=turn.source,
                         line=turn.line, record=turn.record, scheme=scheme)
    key = "mode" if scheme.codebook is None else "code"
    value, proba = record.get(key), record.get(f"{key}_proba" if scheme.codebook else "proba")
    if value is not None and scheme.labels_role(found.role):
        if value not in scheme.labels:
            raise found.where(f"unknown {key} {value!r}" + (f" ({scheme.has()})"
                                                             if scheme.codebook else ""))
        p = proba.get(value) if isinstance(proba, Mapping) else None
        found.suggestion = Suggestion(value, float(p) if p is not None else None, model)
    markers = record.get("markers") or []
    if not isinstance(markers, list) or not all(isinstance(m, Mapping) for m in markers):
        raise found.where("'markers' must be a list of marker objects")
    found.spans = [make_span(m.get("start"), m.get("end"), m.get("label"), found)
                   for m in markers]
    return check_codes(found)


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)

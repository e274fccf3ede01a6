"""Transcript -> one output record per turn (schema-versioned, traceable)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .extensions import SPANS_KEY, marker_dict, register_extensions
from .segments import candidate_segments
from .transcript import CLIENT, Transcript, Turn

SCHEMA = "mbt-nlp.turn/1"


def turn_docs(nlp: Language, turns: Iterable[Turn]) -> Iterator[tuple[Turn, Doc]]:
    """Tokenised Docs, each told the previous turn's text (for the echo signal)."""
    register_extensions()
    previous: dict[str, str] = {}
    for turn in turns:
        doc = nlp.make_doc(turn.text)
        doc._.mbt_previous_text = previous.get(turn.session)
        previous[turn.session] = turn.text
        yield turn, doc


def annotate_turns(
    nlp: Language,
    turns: Iterable[Turn],
    *,
    batch_size: int = 256,
    n_process: int = 1,
    label_clinician: bool = False,
) -> Iterator[dict[str, Any]]:
    """Run the pipeline over turns, in order, yielding one record per turn."""
    for record, _ in annotate_pairs(nlp, turns, batch_size=batch_size, n_process=n_process,
                                    label_clinician=label_clinician):
        yield record


def annotate_pairs(
    nlp: Language,
    turns: Iterable[Turn],
    *,
    batch_size: int = 256,
    n_process: int = 1,
    label_clinician: bool = False,
) -> Iterator[tuple[dict[str, Any], Doc]]:
    """(record, Doc) per turn, in order; the Doc for outputs that keep it (DocBin)."""
    # nlp.pipe keeps order, so turns are paired back with a FIFO queue as docs come out.
    queue: deque[Turn] = deque()

    def docs() -> Iterator[Doc]:
        for turn, doc in turn_docs(nlp, turns):
            queue.append(turn)
            yield doc

    for doc in nlp.pipe(docs(), batch_size=batch_size, n_process=n_process):
        turn = queue.popleft()
        labelled = turn.role == CLIENT or label_clinician
        if labelled and doc._.mbt_mode is not None:
            doc._.mbt_segments = candidate_segments(doc, nlp)
        yield to_record(turn, doc, label_clinician=label_clinician), doc


def annotate(
    transcript: Transcript | Iterable[Turn], nlp: Language | None = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """Annotate one transcript (or any turns) with the default pipeline unless given one."""
    if nlp is None:
        from . import load

        nlp = load()
    return list(annotate_turns(nlp, list(transcript), **kwargs))


def to_record(turn: Turn, doc: Doc, *, label_clinician: bool = False) -> dict[str, Any]:
    labelled = turn.role == CLIENT or label_clinician
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "session": turn.session,
        "turn": turn.index,
        "speaker": turn.speaker,
        "role": turn.role,
        "text": turn.text,
        "start": turn.start,
        "end": turn.end,
        "source_file": turn.source,
        "source_line": turn.line,
        "source_record": turn.record,
        "markers": [marker_dict(span) for span in doc.spans.get(SPANS_KEY, [])],
        "cancelled": list(doc._.mbt_cancelled or []),
        "discourse": doc._.mbt_discourse,
        "profile": doc._.mbt_profile,
    }
    if doc._.mbt_proba is not None:
        record["mode"] = doc._.mbt_mode if labelled else None
        record["proba"] = doc._.mbt_proba if labelled else None
        record["segments"] = (doc._.mbt_segments or []) if labelled else []
    return record

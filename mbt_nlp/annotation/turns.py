"""Transcript -> one output record per turn (schema-versioned, traceable)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from mbt_nlp.annotation.passages import Passage, answered, passages
from mbt_nlp.annotation.segments import candidate_segments
from mbt_nlp.pipeline.build import CLASSIFIER, INTERVENTION, OWN_CODES
from mbt_nlp.pipeline.codebook import Codebook
from mbt_nlp.pipeline.extensions import SPANS_KEY, marker_dict, register_extensions
from mbt_nlp.pipeline.tokens import make_doc
from mbt_nlp.transcript import CLIENT, CLINICIAN, Transcript, Turn

SCHEMA = "mbt-nlp.turn/1"


def turn_docs(nlp: Language, turns: Iterable[Turn]) -> Iterator[tuple[Turn, Doc]]:
    """Tokenised Docs, each told the previous turn's text (for the echo signal)."""
    register_extensions()
    previous: dict[str, str] = {}
    for turn in turns:
        yield turn, _make_doc(nlp, turn.text, previous.get(turn.session))
        previous[turn.session] = turn.text


def _make_doc(nlp: Language, text: str, previous_text: str | None) -> Doc:
    doc = make_doc(nlp, text)
    doc._.mbt_previous_text = previous_text
    return doc


def has_classifier(nlp: Language) -> bool:
    return any(nlp.get_pipe_meta(name).factory == CLASSIFIER for name in nlp.pipe_names)


def annotate_turns(
    nlp: Language,
    turns: Iterable[Turn],
    *,
    batch_size: int = 1024,
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
    batch_size: int = 1024,
    n_process: int = 1,
    label_clinician: bool = False,
) -> Iterator[tuple[dict[str, Any], Doc]]:
    """(record, Doc) per turn, in order; the Doc for outputs that keep it (DocBin).

    Each line is processed on its own, for the markers it shows. A passage of
    several lines of one speaker (see passages.py) is also processed joined, and
    its mode and probabilities are given to each of its lines (the classifier
    skips the lines themselves).
    """
    queue: deque[tuple[Passage, Turn | None]] = deque()
    docs = passage_docs(nlp, turns, queue, label_clinician=label_clinician)
    yield from records_from_docs(nlp, nlp.pipe(docs, batch_size=batch_size,
                                               n_process=n_process),
                                 queue, label_clinician=label_clinician)


def passage_docs(nlp: Language, turns: Iterable[Turn],
                 queue: deque[tuple[Passage, Turn | None]], *,
                 label_clinician: bool = False) -> Iterator[Doc]:
    """Unprocessed Docs: each line, then each joined passage the classifier judges.
    Every Doc is told the text of the passage before its own (the turn it answers), as
    the classifiers were trained (learn/corpus.py, learn/turn_codes.py).

    As each Doc is made, (passage, line) is queued for a line's Doc and (passage, None)
    for a joined passage's, so that `records_from_docs` can pair the processed Docs
    back in order (nlp.pipe keeps order)."""
    register_extensions()
    judge_passages = has_classifier(nlp)
    for passage, before in answered(passages(turns)):
        labelled = _labelled(passage, label_clinician)
        joined = judge_passages and len(passage.lines) > 1 and labelled
        for line in passage.lines:
            queue.append((passage, line))
            doc = _make_doc(nlp, line.text, before)
            ext = doc._
            ext.mbt_in_passage = joined
            ext.mbt_unlabelled = not labelled
            ext.mbt_role = line.role
            yield doc
        if joined:
            queue.append((passage, None))
            doc = _make_doc(nlp, passage.text, before)
            doc._.mbt_joined = True
            yield doc


def records_from_docs(nlp: Language, docs: Iterable[Doc],
                      queue: deque[tuple[Passage, Turn | None]], *,
                      label_clinician: bool = False,
                      ) -> Iterator[tuple[dict[str, Any], Doc]]:
    """Processed Docs (in the order `passage_docs` made them) -> (record, Doc) per turn."""
    judge_passages = has_classifier(nlp)
    intervened = any(nlp.get_pipe_meta(name).factory == INTERVENTION for name in nlp.pipe_names)
    codebook = own_codebook(nlp)
    waiting: list[tuple[Turn, Doc]] = []
    for doc in docs:
        passage, line = queue.popleft()
        if line is not None:
            waiting.append((line, doc))
            if doc._.mbt_in_passage:
                continue  # its mode comes with the joined passage, queued after its lines
        else:
            for _, line_doc in waiting:
                line_doc._.mbt_mode, line_doc._.mbt_proba = doc._.mbt_mode, doc._.mbt_proba
                line_doc._.mbt_flagged_by = doc._.mbt_flagged_by
                line_doc._.mbt_mode_evidence = doc._.mbt_mode_evidence
        labelled = _labelled(passage, label_clinician)
        for turn, line_doc in waiting:
            if labelled and line_doc._.mbt_mode is not None:
                line_doc._.mbt_segments = candidate_segments(line_doc, nlp)
            yield to_record(turn, line_doc, passage, label_clinician=label_clinician,
                            classified=judge_passages, intervened=intervened,
                            codebook=codebook), line_doc
        waiting = []


def _labelled(passage: Passage, label_clinician: bool) -> bool:
    return passage.lines[0].role == CLIENT or label_clinician


def annotate(
    transcript: Transcript | Iterable[Turn], nlp: Language | None = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """Annotate one transcript (or any turns) with the default pipeline unless given one."""
    if nlp is None:
        from mbt_nlp import load

        nlp = load()
    return list(annotate_turns(nlp, list(transcript), **kwargs))


def to_record(turn: Turn, doc: Doc, passage: Passage | None = None, *,
              label_clinician: bool = False, classified: bool = False,
              intervened: bool = False, codebook: Codebook | None = None) -> dict[str, Any]:
    """One output record; `classified`: the pipeline has a classifier, so every record
    carries mode, proba and segments (null for turns that get no label); `intervened`:
    it has the intervention classifier, so every clinician record carries
    intervention, intervention_proba and intervention_evidence; `codebook`: a
    research group's own codes (mbt_codes): every record of the role it codes carries
    code, code_proba, code_evidence and code_flag (the code is one of its flags)."""
    labelled = turn.role == CLIENT or label_clinician
    ext = doc._  # one Underscore for all the reads below: spaCy makes one per `doc._`
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
        # First and last turn of the passage whose mode this turn reports (passages.py).
        "passage": list(passage.turn_range) if passage else [turn.index, turn.index],
        "markers": [marker_dict(span) for span in doc.spans.get(SPANS_KEY, [])],
        "cancelled": list(ext.mbt_cancelled or []),
        # Risk words, for every turn and role (empty when none): a reading aid, no judgement.
        "risk": [dict(mention) for mention in ext.mbt_risk or []],
        "discourse": ext.mbt_discourse,
        "profile": ext.mbt_profile,
    }
    if classified or ext.mbt_proba is not None:
        record["mode"] = ext.mbt_mode if labelled else None
        record["proba"] = ext.mbt_proba if labelled else None
        # "probability" or "marker" (a floor marker under the threshold), None: no mode.
        record["flagged_by"] = ext.mbt_flagged_by if labelled else None
        # The word n-grams that added most to a flagged turn's mode ([] when not flagged).
        record["mode_evidence"] = (ext.mbt_mode_evidence or []) if labelled else []
        record["segments"] = (ext.mbt_segments or []) if labelled else []
    if ext.mbt_intervention is not None or (turn.role == CLINICIAN and intervened):
        record["intervention"] = ext.mbt_intervention
        record["intervention_proba"] = ext.mbt_intervention_proba
        record["intervention_evidence"] = ext.mbt_intervention_evidence or []
    if codebook is not None and turn.role == codebook.applies_to:
        record["code"] = ext.mbt_code
        record["code_proba"] = ext.mbt_code_proba
        record["code_evidence"] = ext.mbt_code_evidence or []
        record["code_flag"] = ext.mbt_code in codebook.flags
    return record


def own_codebook(nlp: Language) -> Codebook | None:
    """The codebook of the pipeline's own-codes component, if it has one."""
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory == OWN_CODES:
            return nlp.get_pipe(name).codebook
    return None

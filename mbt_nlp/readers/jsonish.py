"""JSON Lines (one object per line) and JSON conversation files.

A JSON file holds a list of utterance objects, either at top level or under a
key: `--records-key` names it, otherwise the first list of objects found
(breadth-first) is used, e.g. MIBot's `utterances`.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.fields import resolve_fields
from mbt_nlp.readers.json_text import json_lines, parse_json
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.readers.speech_services import service_segments
from mbt_nlp.readers.whisper import is_whisper, whisper_transcript
from mbt_nlp.transcript import Transcript


def read_jsonl(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    turns = []
    notices: list[str] | None = None  # fields are matched to the first record's keys
    for number, record in json_lines(source):
        if notices is None and isinstance(record, dict):
            options, notices = resolve_fields(record, options)
        turns.append(record_to_turn(record, len(turns), source, Path(path).stem, options,
                                    line=number))
    if not turns:
        raise InputError("no records", source)
    return Transcript(source, turns, notices=notices or [])


# Keys that hold a transcript's turns in the exports we know of (MIBot, AssemblyAI, chat
# and dialogue datasets), preferred over other lists of objects in the same file: an
# AssemblyAI file lists its `words` before its `utterances`.
TURN_KEYS = ("utterances", "turns", "segments", "messages", "dialogue", "dialog",
             "conversation", "transcript")


def _find_records(data: object, key: str | None, source: str) -> tuple[list[object], list[str]]:
    """The list of utterance objects, and a notice when the file held several lists and
    one was chosen."""
    if key is not None:
        node = data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise InputError(f"no key {key!r} in the JSON (see --records-key)", source)
            node = node[part]
        if not isinstance(node, list):
            raise InputError(f"{key!r} is not a list of records", source)
        return node, []
    found: list[tuple[str, list[object]]] = []  # (key path, list), breadth-first
    queue: deque[tuple[str, object]] = deque([("", data)])
    while queue:
        path, node = queue.popleft()
        if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            found.append((path, node))
        elif isinstance(node, dict):
            queue.extend((f"{path}.{k}" if path else str(k), v) for k, v in node.items())
    if not found:
        raise InputError("no list of utterance objects found (name it with --records-key)",
                         source)
    named = [(path, node) for path, node in found
             if path.rsplit(".", 1)[-1].casefold() in TURN_KEYS]
    path, records = (named or found)[0]
    notices = [f"read the records under {path!r}, one of {len(found)} lists of objects "
               "(choose another with --records-key)"] if len(found) > 1 and path else []
    return records, notices


def read_json(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    data = parse_json(read_text(path), source)
    if options.records_key is None and is_whisper(data):
        return whisper_transcript(data, source, Path(path).stem, options)
    if options.records_key is None and (service := service_segments(data)) is not None:
        name, segments = service
        if not segments:
            raise InputError(f"{name} JSON without speakers: transcribe with speaker "
                             "diarisation (speaker labels) on, so that client and clinician "
                             "turns can be told apart", source)
        transcript = whisper_transcript({"segments": segments}, source, Path(path).stem,
                                        options)
        transcript.notices.insert(0, f"read as {name} JSON: each run of one speaker's words "
                                     "is a turn (a turn's record is its run's number)")
        return transcript
    records, notices = _find_records(data, options.records_key, source)
    if records and isinstance(records[0], dict):
        options, named = resolve_fields(records[0], options)
        notices += named
    default_session = Path(path).stem
    turns = [
        record_to_turn(record, i, source, default_session, options, record_number=i + 1)
        for i, record in enumerate(records)
    ]
    if not turns:
        raise InputError("the list of records is empty", source)
    return Transcript(source, turns, notices=notices)

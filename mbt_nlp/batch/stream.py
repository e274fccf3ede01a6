"""Tag transcript files into one JSONL output (the `mbt tag -o` form).

A file that cannot be read is reported and skipped; the others go on. Every
turn of every readable file becomes exactly one output record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from mbt_nlp.annotation.flag_rates import FlagRates
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.errors import InputError, MbtError
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.readers.stdin import STDIN, saved_stdin, stdin_format
from mbt_nlp.transcript import Transcript, Turn
from mbt_nlp.writers import JsonlWriter, atomic_output


@dataclass
class TagSummary:
    files: int = 0
    turns: int = 0
    errors: list[MbtError] = field(default_factory=list)
    flags: FlagRates = field(default_factory=FlagRates)


def tag_to_jsonl(
    inputs: Iterable[str | Path],
    output: str | Path | None,
    nlp: Language,
    options: ReadOptions | None = None,
    input_format: str | None = None,
    *,
    n_process: int = 1,
    batch_size: int = 256,
    label_clinician: bool = False,
    stdin: Callable[[], bytes] | None = None,
    on_error: Callable[[MbtError], None] | None = None,
    on_notice: Callable[[str, str], None] | None = None,
) -> TagSummary:
    """Read every input, annotate, and write all records to `output` ('-' = stdout).

    `on_notice(file, notice)` hears how a file was read (e.g. who was taken as the
    clinician)."""
    options = options or ReadOptions()
    summary = TagSummary()

    def turns() -> Iterator[Turn]:
        for path in inputs:
            try:
                if str(path) == STDIN:
                    transcript = read_stdin(stdin, options, input_format)
                else:
                    transcript = read_transcript(path, options, input_format)
            except MbtError as err:
                summary.errors.append(err)
                if on_error:
                    on_error(err)
                continue
            except Exception as err:  # a broken file is one line; the others go on
                error = InputError(f"unexpected {type(err).__name__} while reading", path)
                summary.errors.append(error)
                if on_error:
                    on_error(error)
                continue
            summary.files += 1
            if on_notice:
                for notice in transcript.notices:
                    on_notice(str(path), notice)
            yield from transcript

    with atomic_output(None if output in (None, "-") else output) as handle:
        writer = JsonlWriter(handle)
        for record in annotate_turns(nlp, turns(), n_process=n_process, batch_size=batch_size,
                                     label_clinician=label_clinician):
            writer.write(record)
            summary.flags.add((record,))
        summary.turns = writer.count
    return summary


def read_stdin(read: Callable[[], bytes] | None, options: ReadOptions,
               input_format: str | None) -> Transcript:
    """Standard input as a transcript, its turns and errors named '-'."""
    with saved_stdin(read) as path:
        try:
            transcript = read_transcript(path, options, stdin_format(input_format))
        except InputError as err:
            err.path = STDIN  # name what the user gave, not our temporary file
            raise
    for turn in transcript:
        turn.source = STDIN
    return Transcript(STDIN, transcript.turns, meta=transcript.meta, notices=transcript.notices)

"""Annotation files -> labelled client lines, their passages and features.

Gold labels belong to lines (each line is coded in context); the classifier
reads passages (annotation/passages.py), so a passage's probabilities are
scored on each of its lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from spacy.language import Language

from mbt_nlp.annotation.passages import passage_label, passages
from mbt_nlp.annotation.turns import turn_docs
from mbt_nlp.errors import InputError
from mbt_nlp.pipeline.features import feature_rows
from mbt_nlp.pipeline.resources import LABELS
from mbt_nlp.pipeline.tokens import make_doc
from mbt_nlp.pipeline.windows import window_docs
from mbt_nlp.readers import read_transcript
from mbt_nlp.transcript import CLIENT, Turn


@dataclass
class LabelledTurns:
    """Client turns with gold labels, plus what grouping needs (session, writer)."""

    turns: list[Turn]
    labels: list[str]
    writers: list[str]

    @property
    def sessions(self) -> list[str]:
        return [t.session for t in self.turns]

    def subset(self, index: Iterable[int]) -> LabelledTurns:
        idx = list(index)
        return LabelledTurns([self.turns[i] for i in idx], [self.labels[i] for i in idx],
                             [self.writers[i] for i in idx])


def design_weights(turns: Sequence[Turn]) -> np.ndarray:
    """How many turns of its source each labelled turn stands for (`design_weight`, of a
    part drawn with unequal chances, e.g. rev16); 1 for a turn of a part labelled whole."""
    return np.array([float(t.meta.get("design_weight", 1.0)) for t in turns])


def load_annotations(paths: Sequence[str | Path]) -> tuple[list[Turn], LabelledTurns]:
    """All turns (for context) and the labelled client turns of annotation JSONL files.

    `paths` may be files or directories (searched recursively for *.jsonl).
    """
    files: list[Path] = []
    for path in map(Path, paths):
        found = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        # Session files only: manifests and folders starting with "_" or "." are not turns.
        files.extend(f for f in found if f.name != "manifest.jsonl"
                     and not any(part.startswith(("_", ".")) for part in f.parts[-3:-1]))
    if not files:
        raise InputError("no annotation files (*.jsonl) found", ", ".join(map(str, paths)))
    all_turns: list[Turn] = []
    labelled = LabelledTurns([], [], [])
    for file in files:
        for turn in read_transcript(file, input_format="jsonl"):
            all_turns.append(turn)
            label = turn.meta.get("label")
            # A sampled part keeps its uncoded turns as context only (`"coded": false`).
            if turn.role != CLIENT or turn.meta.get("coded") is False:
                continue
            if label not in LABELS:
                raise InputError(f"client turn {turn.index} has label {label!r}; expected one "
                                 f"of {', '.join(LABELS)}", file, turn.line)
            weight = turn.meta.get("design_weight", 1.0)
            if (isinstance(weight, bool) or not isinstance(weight, int | float)
                    or not 1.0 <= weight < float("inf")):
                raise InputError(f"design_weight {weight!r} of client turn {turn.index} must "
                                 "be a number >= 1 (the turns of the source it stands for)",
                                 file, turn.line)
            labelled.turns.append(turn)
            labelled.labels.append(str(label))
            labelled.writers.append(str(turn.meta.get("writer") or file.parent.name))
    return all_turns, labelled


@dataclass
class Corpus:
    """Labelled client lines, and the passages the classifier is trained and scored on.

    Gold labels belong to lines (each line is coded in context); the model reads
    passages (passages.py), so a passage's probabilities are scored on each of
    its lines.
    """

    lines: LabelledTurns
    units: LabelledTurns  # one per client passage, labelled by passage_label
    unit_of_line: np.ndarray  # for each line, the index of its passage in `units`
    X: pd.DataFrame  # features of `units`
    W: pd.DataFrame  # features of the windows of long units (pipeline/windows.py)
    window_unit: np.ndarray  # for each window, the index of its unit

    @classmethod
    def concat(cls, parts: Sequence[Corpus]) -> Corpus:
        """One corpus of several parts (indices shifted; lines and units stay in order)."""
        lines, units = LabelledTurns([], [], []), LabelledTurns([], [], [])
        unit_of_line, window_unit = [], []
        for part in parts:
            unit_of_line.append(part.unit_of_line + len(units.turns))
            window_unit.append(part.window_unit + len(units.turns))
            for mine, theirs in ((lines, part.lines), (units, part.units)):
                mine.turns += theirs.turns
                mine.labels += theirs.labels
                mine.writers += theirs.writers
        return cls(lines, units, np.concatenate(unit_of_line),
                   pd.concat([p.X for p in parts], ignore_index=True),
                   pd.concat([p.W for p in parts], ignore_index=True),
                   np.concatenate(window_unit))

    def per_line(self, unit_proba: np.ndarray) -> np.ndarray:
        return unit_proba[self.unit_of_line]

    @cached_property
    def unit_words(self) -> np.ndarray:
        return np.array([len(t.text.split()) for t in self.units.turns], dtype=int)

    @cached_property
    def line_weights(self) -> np.ndarray:
        return design_weights(self.lines.turns)

    @cached_property
    def line_words(self) -> np.ndarray:
        return np.array([len(t.text.split()) for t in self.lines.turns], dtype=int)


def load_corpus(nlp: Language, paths: Sequence[str | Path], *, windows: bool = False) -> Corpus:
    """Annotation files -> labelled lines, their passages and the passages' features.

    windows: also featurise the windows of long passages (pipeline/windows.py), which
    only the combiner needs; they cost a second pipeline pass over long passages.
    """
    all_turns, lines = load_annotations(paths)
    line_number = {id(t): i for i, t in enumerate(lines.turns)}
    units = LabelledTurns([], [], [])
    unit_of_line = np.zeros(len(lines.turns), dtype=int)
    context: list[Turn] = []
    for passage in passages(all_turns):
        unit = passage.as_turn()
        context.append(unit)
        numbers = [line_number[id(t)] for t in passage.lines if id(t) in line_number]
        if not numbers:
            continue
        unit_of_line[numbers] = len(units.turns)
        units.turns.append(unit)
        units.labels.append(passage_label([lines.labels[i] for i in numbers]))
        units.writers.append(lines.writers[numbers[0]])
    X, W, window_unit = featurize(nlp, context, units, windows=windows)
    return Corpus(lines, units, unit_of_line, X, W, window_unit)


def featurize(nlp: Language, all_turns: Sequence[Turn], wanted: LabelledTurns,
              batch_size: int = 256, *,
              windows: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Feature rows for the labelled turns (each processed with its previous turn) and
    for their windows, with the index of each window's turn."""
    position = {id(t): i for i, t in enumerate(wanted.turns)}
    pairs = [(t, d) for t, d in turn_docs(nlp, all_turns) if id(t) in position]
    components = [proc for _, proc in nlp.pipeline]
    rows: list[dict[str, object]] = [{}] * len(wanted.turns)
    window_rows: list[dict[str, object]] = []
    window_unit: list[int] = []
    for (turn, _), doc in zip(pairs, nlp.pipe((d for _, d in pairs), batch_size=batch_size),
                              strict=True):
        rows[position[id(turn)]] = feature_rows([doc])[0]
        if windows:
            docs = window_docs(doc, lambda text: make_doc(nlp, text), components)
            window_rows += feature_rows(docs)
            window_unit += [position[id(turn)]] * len(docs)
    columns = list(rows[0]) if rows else None
    return (pd.DataFrame(rows), pd.DataFrame(window_rows, columns=columns),
            np.asarray(window_unit, dtype=int))

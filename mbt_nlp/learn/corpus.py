"""Annotation files -> labelled client lines, their passages and features.

Gold labels belong to lines (each line is coded in context); the classifier
reads passages (annotation/passages.py), so a passage's probabilities are
scored on each of its lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from spacy.language import Language

from mbt_nlp.annotation.passages import passage_label, passages
from mbt_nlp.annotation.turns import turn_docs
from mbt_nlp.errors import InputError
from mbt_nlp.pipeline.features import feature_rows
from mbt_nlp.pipeline.resources import LABELS
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
            if turn.role != CLIENT:
                continue
            if label not in LABELS:
                raise InputError(f"client turn {turn.index} has label {label!r}; expected one "
                                 f"of {', '.join(LABELS)}", file, turn.line)
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

    def per_line(self, unit_proba: np.ndarray) -> np.ndarray:
        return unit_proba[self.unit_of_line]


def load_corpus(nlp: Language, paths: Sequence[str | Path]) -> Corpus:
    """Annotation files -> labelled lines, their passages and the passages' features."""
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
    return Corpus(lines, units, unit_of_line, featurize(nlp, context, units))


def featurize(nlp: Language, all_turns: Sequence[Turn], wanted: LabelledTurns,
              batch_size: int = 256) -> pd.DataFrame:
    """Feature rows for the labelled turns, each processed with its previous turn."""
    keep = {id(t) for t in wanted.turns}
    pairs = [(t, d) for t, d in turn_docs(nlp, all_turns) if id(t) in keep]
    docs = nlp.pipe((d for _, d in pairs), batch_size=batch_size)
    rows = dict(zip((id(t) for t, _ in pairs), feature_rows(docs), strict=True))
    return pd.DataFrame([rows[id(t)] for t in wanted.turns])

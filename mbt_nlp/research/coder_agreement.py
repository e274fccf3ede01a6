"""Agreement between coders' files, and of the model with them: what `mbt agree` reports.

Turns are matched by (session, turn). Every comparison is computed on the same
units and the same bootstrap resamples of the sessions, so human-human and
model-human figures can be read side by side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language

from mbt_nlp.annotation.turns import own_codebook
from mbt_nlp.errors import InputError
from mbt_nlp.pipeline.resources import LABELS
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.research.agreement import Ratings, agreement_report, resample_weights
from mbt_nlp.research.coder_files import (
    CoderFields,
    CoderFile,
    Unit,
    coder_files,
    read_coder_file,
    transcript_turns,
)
from mbt_nlp.research.model_coder import model_labels
from mbt_nlp.transcript import Turn

MODEL = "model"
REFERENCE = "reference"
# Columns of a disagreement record besides the coders' labels; "label" and "reason" are
# left for the adjudicator (as in annotations/*/raw/adjudication.tsv), so a filled-in
# list can be given back with --adjudicated.
RECORD_FIELDS = ("session", "turn", "speaker", "text", "label", "reason")


@dataclass
class Study:
    """Human coders' labels (and the model's), the turns' words and any adjudication."""

    coders: list[CoderFile]
    categories: tuple[str, ...] = LABELS
    turns: list[Turn] = field(default_factory=list)  # the words, where a file has them
    adjudicated: dict[Unit, str] = field(default_factory=dict)
    model: dict[Unit, str | None] | None = None

    @property
    def units(self) -> list[Unit]:
        """Every turn some human coder coded, in session and turn order."""
        return sorted({unit for coder in self.coders for unit in coder.labels})

    @property
    def human_names(self) -> list[str]:
        return [coder.name for coder in self.coders]

    def labels_of(self, name: str) -> dict[Unit, str | None]:
        if name == MODEL and self.model is not None:
            return self.model
        if name == REFERENCE:
            return self.reference()
        return next(c.labels for c in self.coders if c.name == name)

    def ratings(self, names: Sequence[str]) -> Ratings:
        """The named coders' codes on all units (sessions numbered over all units, so every
        comparison shares one set of bootstrap resamples)."""
        units = self.units
        columns = [self.labels_of(name) for name in names]
        return Ratings.from_labels([[c.get(u) for c in columns] for u in units], names,
                                   self.categories, [session for session, _ in units])

    def reference(self) -> dict[Unit, str | None]:
        """The adjudicated label where there is one, else the label most human coders gave
        (more than half of the codes of a unit coded at least twice), else None."""
        out: dict[Unit, str | None] = {}
        for unit in self.units:
            if unit in self.adjudicated:
                out[unit] = self.adjudicated[unit]
                continue
            codes = [c.labels[unit] for c in self.coders if unit in c.labels]
            label, votes = Counter(codes).most_common(1)[0]
            out[unit] = label if len(codes) >= 2 and votes * 2 > len(codes) else None
        return out

    def words(self) -> dict[Unit, Turn]:
        return {(t.session, t.index): t for t in self.turns}


def load_study(paths: Sequence[str | Path], fields: CoderFields | None = None,
               categories: Sequence[str] = LABELS, *,
               adjudicated: str | Path | None = None,
               transcripts: Sequence[str | Path] = (),
               transcript_options: ReadOptions | None = None) -> Study:
    """Read the coders' files (one coder per path) and check that they can be compared.

    The words come from `transcripts` if given, else from the coders' (or the
    adjudication's) files that carry them; a session's turns are taken from one source.
    """
    fields = fields or CoderFields()
    coders = coder_files(paths, fields, categories)
    reserved = {*RECORD_FIELDS, MODEL, REFERENCE}
    for coder in coders:
        if coder.name in reserved:
            coder.name += "_coder"
    if len(coders) >= 2:
        for coder in reversed(coders):  # of two strangers, blame the one added later
            others = {u for c in coders if c is not coder for u in c.labels}
            if not others & coder.labels.keys():
                raise InputError("no turn in common with the other coders' files (turns are "
                                 "matched by session and turn; see --session-field, "
                                 "--turn-field, --id-field)", coder.path)
    judged = read_coder_file(adjudicated, fields, categories) if adjudicated else None
    sources = [transcript_turns(transcripts, transcript_options or ReadOptions())] \
        if transcripts else []
    sources += [c.turns for c in coders] + ([judged.turns] if judged else [])
    return Study(coders, tuple(categories), _one_source_per_session(sources),
                 judged.labels if judged else {})


def add_model(study: Study, nlp: Language) -> None:
    """Tag the coded turns with `nlp`, in context, and add its labels as one more coder:
    its mbt modes, or its own codes (mbt_codes) when the study's labels are those of
    the codebook it was trained on."""
    codebook = own_codebook(nlp)
    if codebook is not None and set(study.categories) == set(codebook.labels):
        study.model = model_labels(nlp, study.turns, study.units, field="code")
        return
    if tuple(study.categories) != LABELS:
        trained = f" or those of its codebook {codebook.name!r}" if codebook else ""
        raise InputError(f"the model gives the mbt labels{trained} only: compare it with "
                         "those labels (--labels / --codebook)")
    study.model = model_labels(nlp, study.turns, study.units)


def comparisons(study: Study) -> list[tuple[str, list[str]]]:
    """(title, coders) of every comparison to report: human coders together and pairwise
    (pairs only when there are more than two), then the model with each and with the
    reference."""
    humans = study.human_names
    out: list[tuple[str, list[str]]] = []
    if len(humans) >= 2:
        out.append((" ~ ".join(humans) if len(humans) == 2 else f"all {len(humans)} coders",
                    humans))
    if len(humans) > 2:
        out += [(f"{a} ~ {b}", [a, b]) for i, a in enumerate(humans) for b in humans[i + 1:]]
    if study.model is not None:
        out += [(f"{MODEL} ~ {h}", [MODEL, h]) for h in humans]
        if len(humans) >= 2 or study.adjudicated:
            out.append((f"{MODEL} ~ {REFERENCE}", [MODEL, REFERENCE]))
    return out


def study_report(study: Study, resamples: int = 1000, seed: int = 0,
                 level: float = 0.95) -> dict[str, Any]:
    """Every comparison's coefficients (overall, per label, confusion matrix) with
    intervals from `resamples` bootstrap resamples of the sessions."""
    units = study.units
    sessions = len({session for session, _ in units})
    weights = resample_weights(sessions, resamples, seed) if resamples else None
    report: dict[str, Any] = {
        "coders": [{"name": c.name, "path": c.path, "coded": len(c.labels)}
                   for c in study.coders],
        "model": study.model is not None,
        "units": len(units),
        "sessions": sessions,
        "bootstrap": {"resamples": resamples, "seed": seed, "level": level,
                      "resampled": "sessions"},
        "comparisons": [],
    }
    if any(REFERENCE in names for _, names in comparisons(study)):
        reference = study.reference()
        report["reference"] = {
            "adjudicated": sum(u in study.adjudicated for u in units),
            "majority": sum(reference[u] is not None and u not in study.adjudicated
                            for u in units),
            "none": sum(reference[u] is None for u in units),
        }
    for title, names in comparisons(study):
        entry = {"name": title, "model": MODEL in names}
        entry.update(agreement_report(study.ratings(names), weights, level))
        report["comparisons"].append(entry)
    return report


def disagreements(study: Study) -> list[dict[str, Any]]:
    """Turns the human coders labelled differently (with a single human coder: the coder
    and the model), ready for adjudication: session, turn, speaker, each coder's label,
    the words, and empty "label" and "reason" for the adjudicator (the adjudicated label
    where --adjudicated gave one)."""
    humans = study.human_names
    judges = humans if len(humans) >= 2 or study.model is None else [*humans, MODEL]
    columns = disagreement_columns(study)[4:-2]
    labels = {name: study.labels_of(name) for name in columns}
    words = study.words()
    out = []
    for unit in study.units:
        given = {labels[name].get(unit) for name in judges} - {None}
        if len(given) < 2:
            continue
        turn = words.get(unit)
        record: dict[str, Any] = {
            "session": unit[0], "turn": unit[1],
            "speaker": turn.speaker if turn else None, "text": turn.text if turn else None,
        }
        record.update({name: labels[name].get(unit) for name in columns})
        record.update({"label": study.adjudicated.get(unit), "reason": None})
        out.append(record)
    return out


def disagreement_columns(study: Study) -> list[str]:
    """The fields of a disagreement record, in order (for tables, even empty ones)."""
    coders = study.human_names + ([MODEL] if study.model is not None else [])
    return [*RECORD_FIELDS[:4], *coders, *RECORD_FIELDS[4:]]


def _one_source_per_session(sources: Sequence[Sequence[Turn]]) -> list[Turn]:
    """Each session's turns from the first source that has the session (never mixed)."""
    chosen: dict[str, list[Turn]] = {}
    for turns in sources:
        mine: dict[str, list[Turn]] = {}
        for turn in turns:
            mine.setdefault(turn.session, []).append(turn)
        for session, session_turns in mine.items():
            chosen.setdefault(session, session_turns)
    return [turn for session_turns in chosen.values() for turn in session_turns]

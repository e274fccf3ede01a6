"""A turn-code classifier for any label set: corpus, model, training and evaluation.

Used for the clinician intervention codes (learn/interventions.py) and for a
research group's own codes (a codebook file, pipeline/codebook.py). The turns are
those of one role whose code sits in one field of the annotation files, each with
the passage it answers; the model is word and character n-grams of the turn, words
of the passage it answers and a few shape signals (pipeline/interventions.py) under a
class-balanced logistic regression. Evaluated as the mode classifier is:
session-grouped CV and leave-one-writer-out, per-code figures, macro-F1, a group
of codes (the risky interventions, a codebook's flags) against the rest, and
calibration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mbt_nlp.annotation.passages import answered, passages
from mbt_nlp.errors import InputError
from mbt_nlp.learn.operating_points import reliability
from mbt_nlp.pipeline.interventions import SIGNALS, feature_frame
from mbt_nlp.readers.json_text import parse_json
from mbt_nlp.transcript import Turn

DEFAULT_C = 4.0


@dataclass
class CodedTurns:
    texts: list[str] = field(default_factory=list)
    previous: list[str | None] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    # The file or folder each turn was read from as given (e.g. "spoken", "sessions"),
    # so figures can be split by part of the corpus.
    parts: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.codes)


def annotation_files(paths: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """Every annotation file under the paths, with the name of the path it came from."""
    found: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += [(p, path.name) for p in sorted(path.rglob("*.jsonl"))
                      if "raw" not in p.parts and p.name != "manifest.jsonl"]
        elif path.exists():
            found.append((path, path.stem))
        else:
            raise InputError("no such file or folder", path)
    return found


def load_coded_turns(paths: Sequence[str | Path], *, role: str, field: str,
                     labels: Sequence[str]) -> CodedTurns:
    """Every turn of `role` whose `field` holds a code, and the passage it answers.

    A code outside `labels` is an error naming the file and line; a turn without a
    code (null or missing) is context only. Groups for leave-one-out are the `writer`
    field, else the `coder` field, else the session.
    """
    turns = CodedTurns()
    allowed = set(labels)
    for path, part in annotation_files(paths):
        lines: list[Turn] = []
        rows: list[dict[str, Any]] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = parse_json(line, path, number)
            if not isinstance(row, dict):
                raise InputError("a record must be a JSON object", path, number)
            code = row.get(field)
            if row.get("role") == role and code not in (None, ""):
                if code not in allowed:
                    raise InputError(f"code {code!r} in field {field!r} is not in the "
                                     f"codebook ({', '.join(labels)})", path, number)
                if "session" not in row or "text" not in row:
                    raise InputError("a coded record needs 'session' and 'text'", path, number)
            # As tagging reads them (annotation/passages.py): a speaker's consecutive
            # lines are one passage, and each line answers the passage before its own.
            lines.append(Turn(session=str(row.get("session", "")), index=len(rows),
                              speaker=str(row.get("speaker") or row.get("role") or ""),
                              role=str(row.get("role", "")), text=str(row.get("text") or "")))
            rows.append(row)
        for passage, before in answered(passages(lines)):
            for turn in passage.lines:
                row = rows[turn.index]
                code = row.get(field)
                if row.get("role") != role or code in (None, ""):
                    continue  # context only
                turns.texts.append(str(row["text"]))
                turns.previous.append(before)
                turns.codes.append(str(code))
                turns.sessions.append(str(row["session"]))
                turns.writers.append(str(row.get("writer") or row.get("coder")
                                         or row["session"]))
                turns.parts.append(part)
    return turns


def build_model(C: float = DEFAULT_C, seed: int = 0) -> Pipeline:
    """Word and character n-grams of the turn, words of the turn it answers, signals."""
    return Pipeline([
        ("features", ColumnTransformer([
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                      max_features=20000), "text"),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3,
                                      sublinear_tf=True, max_features=20000), "text"),
            ("previous", TfidfVectorizer(min_df=3, sublinear_tf=True, max_features=5000),
             "previous"),
            ("signals", StandardScaler(), list(SIGNALS)),
        ])),
        # Balanced: the codes that matter (risky interventions, flags) are the rare ones.
        ("classifier", LogisticRegression(C=C, max_iter=5000, class_weight="balanced",
                                          random_state=seed)),
    ])


def fit(turns: CodedTurns, C: float = DEFAULT_C, seed: int = 0) -> Pipeline:
    if len(set(turns.codes)) < 2:
        raise ValueError("training needs turns with at least two different codes")
    return build_model(C, seed).fit(feature_frame(turns.texts, turns.previous), turns.codes)


def out_of_fold(turns: CodedTurns, groups: Sequence[str], labels: Sequence[str],
                folds: int = 5, C: float = DEFAULT_C, seed: int = 0) -> np.ndarray:
    """Out-of-fold probabilities (columns in `labels` order); no group in its own
    training folds."""
    frame = feature_frame(turns.texts, turns.previous)
    codes = np.asarray(turns.codes)
    out = np.zeros((len(codes), len(labels)))
    n_splits = min(folds, len(set(groups)))
    if n_splits < 2:
        raise ValueError("cannot cross-validate: the turns come from fewer than two groups")
    for train, test in GroupKFold(n_splits=n_splits).split(frame, groups=groups):
        if len(set(codes[train])) < 2:
            continue  # a fold whose training part has one code cannot be fitted: left at 0
        model = build_model(C, seed).fit(frame.iloc[train], codes[train])
        proba = model.predict_proba(frame.iloc[test])
        for j, c in enumerate(model.classes_):
            out[test, list(labels).index(str(c))] = proba[:, j]
    return out


def report(codes: Sequence[str], proba: np.ndarray, labels: Sequence[str],
           group: Sequence[str]) -> dict[str, Any]:
    """Per-code figures, macro-F1, accuracy, the group against the rest, calibration."""
    labels = list(labels)
    predicted = [labels[j] for j in proba.argmax(axis=1)]
    p, r, f, s = precision_recall_fscore_support(codes, predicted, labels=labels,
                                                 zero_division=0)
    gold_group = np.isin(codes, group)
    pred_group = np.isin(predicted, group)
    group_score = proba[:, [labels.index(c) for c in group]].sum(axis=1)
    correct = np.asarray(predicted) == np.asarray(codes)
    # Macro-F1 over the codes that occur: a held-out set without some codes (real
    # speech) would otherwise count each absent code as an F1 of 0.
    present = [c for c in labels if c in set(codes)]
    return {
        "n": len(codes),
        "macro_f1": round(float(f1_score(codes, predicted, labels=present, average="macro",
                                         zero_division=0)), 4),
        "accuracy": round(float(correct.mean()), 4),
        "group_f1": round(float(f1_score(gold_group, pred_group, zero_division=0)), 4),
        "per_code": {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                         "f1": round(float(f[i]), 4), "support": int(s[i])}
                     for i, c in enumerate(labels)},
        "calibration_top_code": reliability(correct, proba.max(axis=1)),
        "calibration_group": reliability(gold_group, group_score),
    }


def evaluate_codes(turns: CodedTurns, labels: Sequence[str], group: Sequence[str],
                   seed: int = 0, held_out: CodedTurns | None = None) -> dict[str, Any]:
    """Session-grouped 5-fold CV and leave-one-writer-out (writer, coder or session);
    `held_out`: turns never trained on, scored by a model fitted on all of `turns`."""
    counts = Counter(turns.codes)
    results: dict[str, Any] = {
        "turns": len(turns), "sessions": len(set(turns.sessions)),
        "writers": len(set(turns.writers)), "group": list(group),
        "codes": {c: counts[c] for c in labels},
    }
    parts = sorted(set(turns.parts))
    for scheme, groups, folds in (("session_cv", turns.sessions, 5),
                                  ("leave_one_writer_out", turns.writers, 99)):
        if len(set(groups)) < 2:
            continue
        proba = out_of_fold(turns, groups, labels, folds, seed=seed)
        results[scheme] = report(turns.codes, proba, labels, group)
        if len(parts) > 1:
            results[scheme]["by_part"] = {}
            for part in parts:
                mask = np.asarray(turns.parts) == part
                r = report(list(np.asarray(turns.codes)[mask]), proba[mask], labels, group)
                results[scheme]["by_part"][part] = {k: r[k] for k in
                                                    ("n", "macro_f1", "accuracy", "group_f1")}
    if held_out is not None and len(held_out):
        model = fit(turns, seed=seed)
        proba = np.zeros((len(held_out), len(labels)))
        scored = model.predict_proba(feature_frame(held_out.texts, held_out.previous))
        for j, c in enumerate(model.classes_):
            proba[:, list(labels).index(str(c))] = scored[:, j]
        results["held_out"] = report(held_out.codes, proba, labels, group)
        results["held_out"]["codes"] = dict(Counter(held_out.codes))
    return results


def format_codes(results: dict[str, Any], title: str, group_name: str) -> str:
    lines = [f"## {title}", "",
             f"{results['turns']} coded turns, {results['sessions']} sessions, "
             f"{results['writers']} writers; codes: "
             + ", ".join(f"{c} {n}" for c, n in results["codes"].items()), ""]
    for scheme in ("session_cv", "leave_one_writer_out", "held_out"):
        if scheme not in results:
            continue
        r = results[scheme]
        title = ("held out: never trained on, scored by the model fitted on all the rest"
                 if scheme == "held_out" else scheme)
        lines += [f"### {title}", "",
                  f"macro-F1 {r['macro_f1']} · accuracy {r['accuracy']} · {group_name} "
                  f"vs rest F1 {r['group_f1']} · ECE (top code) "
                  f"{r['calibration_top_code']['ece']} · ECE ({group_name}) "
                  f"{r['calibration_group']['ece']}", "",
                  *[f"- part `{part}` ({v['n']} turns): macro-F1 {v['macro_f1']} · "
                    f"{group_name} vs rest F1 {v['group_f1']}"
                    for part, v in r.get("by_part", {}).items()],
                  *([""] if r.get("by_part") else []),
                  "| code | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        lines += [f"| {c} | {v['precision']} | {v['recall']} | {v['f1']} | {v['support']} |"
                  for c, v in r["per_code"].items()]
        lines.append("")
    return "\n".join(lines)

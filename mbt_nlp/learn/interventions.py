"""The intervention classifier: corpus, model, training and evaluation.

Clinician turns with an `intervention` code in the annotation files (written/,
spoken/ and clinician/sessions/; see annotations/build_clinician.py), each with the
turn it answers. Evaluated as the mode classifier is: session-grouped CV and
leave-one-writer-out, per-code figures, macro-F1, the risky group against the rest,
and calibration.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
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

from mbt_nlp.errors import InputError
from mbt_nlp.learn.operating_points import reliability
from mbt_nlp.pipeline.interventions import SIGNALS, feature_frame
from mbt_nlp.pipeline.resources import INTERVENTIONS, RISKY_INTERVENTIONS

DEFAULT_C = 4.0


@dataclass
class ClinicianTurns:
    texts: list[str]
    previous: list[str | None]
    codes: list[str]
    sessions: list[str]
    writers: list[str]

    def __len__(self) -> int:
        return len(self.codes)


def _files(paths: Sequence[str | Path]) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += [p for p in sorted(path.rglob("*.jsonl"))
                      if "raw" not in p.parts and p.name != "manifest.jsonl"]
        else:
            found.append(path)
    return found


def load_clinician_turns(paths: Sequence[str | Path]) -> ClinicianTurns:
    """Every clinician turn with an intervention code, and the turn before it."""
    turns = ClinicianTurns([], [], [], [], [])
    for path in _files(paths):
        previous: str | None = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise InputError("not a JSON line", path, number) from None
            code = row.get("intervention")
            if row.get("role") == "clinician" and code is not None:
                if code not in INTERVENTIONS:
                    raise InputError(f"unknown intervention code {code!r}", path, number)
                turns.texts.append(str(row["text"]))
                turns.previous.append(previous)
                turns.codes.append(code)
                turns.sessions.append(str(row["session"]))
                turns.writers.append(str(row.get("writer") or row["session"]))
            previous = str(row.get("text", ""))
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
        # Balanced: the risky codes are rare, and missing them is what a supervisor minds.
        ("classifier", LogisticRegression(C=C, max_iter=5000, class_weight="balanced",
                                          random_state=seed)),
    ])


def fit(turns: ClinicianTurns, C: float = DEFAULT_C, seed: int = 0) -> Pipeline:
    if len(set(turns.codes)) < 2:
        raise ValueError("intervention training needs at least two codes")
    return build_model(C, seed).fit(feature_frame(turns.texts, turns.previous), turns.codes)


def out_of_fold(turns: ClinicianTurns, groups: Sequence[str], folds: int = 5,
                C: float = DEFAULT_C, seed: int = 0) -> np.ndarray:
    """Out-of-fold probabilities (columns in INTERVENTIONS order); no group in its own
    training folds."""
    frame = feature_frame(turns.texts, turns.previous)
    codes = np.asarray(turns.codes)
    out = np.zeros((len(codes), len(INTERVENTIONS)))
    n_splits = min(folds, len(set(groups)))
    if n_splits < 2:
        raise ValueError("cannot cross-validate: the turns come from fewer than two groups")
    for train, test in GroupKFold(n_splits=n_splits).split(frame, groups=groups):
        model = build_model(C, seed).fit(frame.iloc[train], codes[train])
        proba = model.predict_proba(frame.iloc[test])
        for j, c in enumerate(model.classes_):
            out[test, INTERVENTIONS.index(str(c))] = proba[:, j]
    return out


def report(codes: Sequence[str], proba: np.ndarray) -> dict[str, Any]:
    predicted = [INTERVENTIONS[j] for j in proba.argmax(axis=1)]
    p, r, f, s = precision_recall_fscore_support(codes, predicted, labels=list(INTERVENTIONS),
                                                 zero_division=0)
    gold_risky = np.isin(codes, RISKY_INTERVENTIONS)
    pred_risky = np.isin(predicted, RISKY_INTERVENTIONS)
    risky_score = proba[:, [INTERVENTIONS.index(c) for c in RISKY_INTERVENTIONS]].sum(axis=1)
    top = proba.max(axis=1)
    correct = np.asarray(predicted) == np.asarray(codes)
    return {
        "n": len(codes),
        "macro_f1": round(float(f1_score(codes, predicted, labels=list(INTERVENTIONS),
                                         average="macro", zero_division=0)), 4),
        "accuracy": round(float(correct.mean()), 4),
        "risky_group_f1": round(float(f1_score(gold_risky, pred_risky, zero_division=0)), 4),
        "per_code": {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                         "f1": round(float(f[i]), 4), "support": int(s[i])}
                     for i, c in enumerate(INTERVENTIONS)},
        "calibration_top_code": reliability(correct, top),
        "calibration_risky_group": reliability(gold_risky, risky_score),
    }


def evaluate_interventions(turns: ClinicianTurns, seed: int = 0) -> dict[str, Any]:
    counts = Counter(turns.codes)
    results: dict[str, Any] = {
        "turns": len(turns), "sessions": len(set(turns.sessions)),
        "writers": len(set(turns.writers)),
        "codes": {c: counts[c] for c in INTERVENTIONS},
    }
    for scheme, groups, folds in (("session_cv", turns.sessions, 5),
                                  ("leave_one_writer_out", turns.writers, 99)):
        results[scheme] = report(turns.codes, out_of_fold(turns, groups, folds, seed=seed))
    return results


def format_interventions(results: dict[str, Any]) -> str:
    lines = ["## Clinician interventions", "",
             f"{results['turns']} clinician turns, {results['sessions']} sessions, "
             f"{results['writers']} writers; codes: "
             + ", ".join(f"{c} {n}" for c, n in results["codes"].items()), ""]
    for scheme in ("session_cv", "leave_one_writer_out"):
        r = results[scheme]
        lines += [f"### {scheme}", "",
                  f"macro-F1 {r['macro_f1']} · accuracy {r['accuracy']} · risky group "
                  f"(argue, content_focus, join_pretend, doing) vs rest F1 "
                  f"{r['risky_group_f1']} · ECE (top code) {r['calibration_top_code']['ece']}"
                  f" · ECE (risky group) {r['calibration_risky_group']['ece']}", "",
                  "| code | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        lines += [f"| {c} | {v['precision']} | {v['recall']} | {v['f1']} | {v['support']} |"
                  for c, v in r["per_code"].items()]
        lines.append("")
    return "\n".join(lines)

"""Evaluation of the mode classifier: printed figures, never timed unit tests.

- written corpus: session-grouped cross-validation and leave-one-writer-out;
- real turns (MIBot): grouped cross-validation in which every fold trains on
  the written corpus plus the other real sessions, scored after the prior
  adjustment and decision rule, as the tool runs;
- ablation (signals only, n-grams only, both) and a learning curve, each on
  written and on real turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from mbt_nlp.learn.corpus import Corpus
from mbt_nlp.learn.metrics import align, classification_report, expected_calibration_error
from mbt_nlp.learn.training import DEFAULT_C, build_model, class_prior
from mbt_nlp.pipeline.priors import DEFAULT_PRIOR, DEFAULT_THRESHOLD, adjust, any_mode, decide
from mbt_nlp.pipeline.resources import LABELS, MODES


def _fit_predict(X_train, y_train, X_test, view, seed, C) -> np.ndarray:
    model = build_model(view, seed, C).fit(X_train, np.asarray(y_train))
    return align(model.predict_proba(X_test), model.classes_)


def _sample_sessions(sessions: Sequence[str], fraction: float, seed: int) -> np.ndarray:
    """Row mask keeping a random `fraction` of the sessions."""
    unique = sorted(set(sessions))
    rng = np.random.default_rng(seed)
    keep = set(rng.choice(unique, size=max(1, round(fraction * len(unique))), replace=False))
    return np.array([s in keep for s in sessions])


def grouped_cv(corpus: Corpus, groups: Sequence[str], *, view: str, seed: int, C: float,
               fraction: float = 1.0, folds: int = 5) -> np.ndarray:
    """Out-of-fold probabilities for each passage; `groups` are never split."""
    X, y = corpus.X, np.asarray(corpus.units.labels)
    sessions = np.asarray(corpus.units.sessions)
    proba = np.zeros((len(y), len(LABELS)))
    n_groups = len(set(groups))
    for train, test in GroupKFold(n_splits=min(folds, n_groups)).split(X, y, groups):
        if fraction < 1:
            train = train[_sample_sessions(sessions[train], fraction, seed)]
        proba[test] = _fit_predict(X.iloc[train], y[train], X.iloc[test], view, seed, C)
    return proba


def real_cv(written: Corpus, real: Corpus, *, view: str, seed: int, C: float,
            fraction: float = 1.0, folds: int = 5, extra: Sequence[Corpus] = (),
            by_writer: bool = False) -> np.ndarray:
    """Raw probabilities for the passages of `real`, a part at a realistic prevalence.

    Each fold trains on the written corpus (a `fraction` of its sessions), the
    `extra` parts, and the other sessions (or, `by_writer`, writers) of `real`.
    """
    yr, yw = np.asarray(real.units.labels), np.asarray(written.units.labels)
    keep_w = (_sample_sessions(written.units.sessions, fraction, seed) if fraction < 1
              else np.ones(len(yw), bool))
    fixed_X = pd.concat([written.X[keep_w], *(c.X for c in extra)], ignore_index=True)
    fixed_y = np.concatenate([yw[keep_w], *(np.asarray(c.units.labels) for c in extra)])
    proba = np.zeros((len(yr), len(LABELS)))
    groups = real.units.writers if by_writer else real.units.sessions
    splits = GroupKFold(n_splits=min(folds, len(set(groups)))).split(real.X, yr, groups)
    for train, test in splits:
        X_train = pd.concat([fixed_X, real.X.iloc[train]], ignore_index=True)
        y_train = np.concatenate([fixed_y, yr[train]])
        proba[test] = _fit_predict(X_train, y_train, real.X.iloc[test], view, seed, C)
    return proba


def held_out(train: Sequence[Corpus], test: Corpus, *, seed: int, C: float) -> np.ndarray:
    """Raw probabilities for `test` passages from one model that never saw any of it."""
    X = pd.concat([c.X for c in train], ignore_index=True)
    y = np.concatenate([np.asarray(c.units.labels) for c in train])
    return _fit_predict(X, y, test.X, "both", seed, C)


def real_speech_report(y: Sequence[str], raw: np.ndarray, train_prior: dict[str, float],
                       prior: dict[str, float], threshold: float) -> dict[str, Any]:
    """Screening figures on real turns, after the prior adjustment and decision rule."""
    proba = adjust(raw, LABELS, train_prior, prior)
    decided = decide(proba, LABELS, threshold)
    gold_mode = np.array([label in MODES for label in y])
    flagged = np.array([label in MODES for label in decided])
    p_mode = any_mode(proba, LABELS)
    report: dict[str, Any] = {
        "turns": len(y),
        "gold_mode_turns": int(gold_mode.sum()),
        "real_prior": {label: round(float(np.mean([v == label for v in y])), 4)
                       for label in LABELS},
        "false_alarm_rate": round(float(flagged[~gold_mode].mean()), 4),
        "flagged_turns": int(flagged.sum()),
        "recall_of_modes": round(float(flagged[gold_mode].mean()), 4) if gold_mode.any()
        else None,
        "auroc_any_mode": round(float(roc_auc_score(gold_mode, p_mode)), 4)
        if 0 < gold_mode.sum() < len(y) else None,
        "ece": round(expected_calibration_error(y, proba), 4),
        "operating_points": [],
    }
    for t in (0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.5):
        f = p_mode >= t
        report["operating_points"].append({
            "threshold": t,
            "false_alarm_rate": round(float(f[~gold_mode].mean()), 4),
            "recall_of_modes": round(float(f[gold_mode].mean()), 4) if gold_mode.any() else None,
        })
    return report


def evaluate(written: Corpus, real: Corpus, spoken: Corpus | None = None, *, seed: int = 0,
             C: float = DEFAULT_C, prior: dict[str, float] | None = None,
             threshold: float = DEFAULT_THRESHOLD, full: bool = True) -> dict[str, Any]:
    """All figures as one dict (written to models/metrics.json by `mbt evaluate`).

    `real` and `spoken` are the parts labelled at a realistic prevalence: each is
    cross-validated by session with the written corpus and the other part in
    training. `spoken` is also scored leave-one-writer-out (when it has several
    writers) and by a model that never saw any of it. Models are trained and
    applied on passages; every figure is scored on lines.
    """
    prior = dict(prior or DEFAULT_PRIOR)
    parts = [written, real] + ([spoken] if spoken is not None else [])
    train_prior = class_prior([label for c in parts for label in c.units.labels])

    def line_report(corpus: Corpus, unit_proba: np.ndarray) -> dict[str, Any]:
        p = corpus.per_line(unit_proba)
        return classification_report(corpus.lines.labels, [LABELS[i] for i in p.argmax(1)], p)

    def written_scores(view: str, fraction: float = 1.0) -> dict[str, Any]:
        return line_report(written, grouped_cv(written, written.units.sessions, view=view,
                                               seed=seed, C=C, fraction=fraction))

    def realistic_scores(target: Corpus, view: str, fraction: float = 1.0,
                         by_writer: bool = False) -> dict[str, Any]:
        extra = [c for c in parts[1:] if c is not target]
        raw = real_cv(written, target, view=view, seed=seed, C=C, fraction=fraction,
                      extra=extra, by_writer=by_writer)
        return real_speech_report(target.lines.labels, target.per_line(raw), train_prior,
                                  prior, threshold)

    def real_scores(view: str, fraction: float = 1.0) -> dict[str, Any]:
        return realistic_scores(real, view, fraction)

    lowo = grouped_cv(written, written.units.writers, view="both", seed=seed, C=C, folds=99)
    results: dict[str, Any] = {
        "settings": {"seed": seed, "C": C, "threshold": threshold, "prior": prior},
        "written_session_cv": written_scores("both"),
        "written_leave_one_writer_out": line_report(written, lowo),
        "real_cv": real_scores("both"),
    }
    if spoken is not None:
        results["spoken_cv"] = realistic_scores(spoken, "both")
        if len(set(spoken.units.writers)) > 1:
            results["spoken_leave_one_writer_out"] = realistic_scores(spoken, "both",
                                                                      by_writer=True)
        unseen = held_out([written, real], spoken, seed=seed, C=C)
        results["spoken_held_out"] = real_speech_report(
            spoken.lines.labels, spoken.per_line(unseen),
            class_prior(written.units.labels + real.units.labels), prior, threshold)
    if full:
        results["ablation"] = {
            view: {"written_macro_f1": written_scores(view)["macro_f1"],
                   "real": {k: v for k, v in real_scores(view).items()
                            if k in ("auroc_any_mode", "false_alarm_rate", "recall_of_modes")}}
            for view in ("signals", "ngrams", "both")
        }
        results["learning_curve"] = [
            {"fraction": f, "written_macro_f1": written_scores("both", f)["macro_f1"],
             "real": {k: v for k, v in real_scores("both", f).items()
                      if k in ("auroc_any_mode", "false_alarm_rate", "recall_of_modes")}}
            for f in (0.25, 0.5, 0.75, 1.0)
        ]
    return results


def _screening_table(title: str, real: dict[str, Any]) -> list[str]:
    lines = [f"## {title}, prior-adjusted", "",
             f"turns {real['turns']} · gold mode turns {real['gold_mode_turns']} · "
             f"false alarms {real['false_alarm_rate']:.3f} · recall of modes "
             f"{real['recall_of_modes']} · AUROC P(any mode) {real['auroc_any_mode']} · "
             f"ECE {real['ece']:.3f} · flagged {real['flagged_turns']}", "",
             "| threshold on P(any mode) | false alarms | recall |", "|---|---|---|"]
    lines += [f"| {p['threshold']} | {p['false_alarm_rate']:.3f} | {p['recall_of_modes']} |"
              for p in real["operating_points"]]
    lines.append("")
    return lines


def format_report(results: dict[str, Any]) -> str:
    """Markdown tables of the figures (printed by `mbt evaluate`)."""
    lines = []
    for key, title in (("written_session_cv", "Written corpus, session-grouped 5-fold CV"),
                       ("written_leave_one_writer_out", "Written corpus, leave-one-writer-out")):
        r = results[key]
        lines += [f"## {title}", "", f"macro-F1 {r['macro_f1']:.3f} · kappa {r['kappa']:.3f} · "
                  f"ECE {r['ece']:.3f} · n {r['n']}", "",
                  "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        lines += [f"| {label} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | "
                  f"{v['support']} |" for label, v in r["per_label"].items()]
        lines += ["", "confusion (rows gold, columns predicted: "
                  + ", ".join(r["confusion"]["labels"]) + ")", ""]
        lines += ["    " + " ".join(f"{n:5d}" for n in row) for row in r["confusion"]["matrix"]]
        lines.append("")
    for key, title in (
            ("real_cv", "Real turns (MIBot), session-grouped 5-fold CV"),
            ("spoken_cv", "Spoken-style sessions at a realistic prevalence, session-grouped "
                          "5-fold CV"),
            ("spoken_leave_one_writer_out", "Spoken-style sessions, leave-one-writer-out "
                                            "(the other spoken writers in training)"),
            ("spoken_held_out", "Spoken-style sessions, held out (model trained on written "
                                "and real only)")):
        if key in results:
            lines += _screening_table(title, results[key])
    if "ablation" in results:
        lines += ["## Ablation", "", "| view | written macro-F1 | real AUROC | real false alarms "
                  "| real recall |", "|---|---|---|---|---|"]
        for view, r in results["ablation"].items():
            lines.append(f"| {view} | {r['written_macro_f1']:.3f} | {r['real']['auroc_any_mode']} "
                         f"| {r['real']['false_alarm_rate']} | {r['real']['recall_of_modes']} |")
        lines += ["", "## Learning curve (share of written sessions used for training)", "",
                  "| sessions | written macro-F1 | real AUROC | real false alarms | real recall |",
                  "|---|---|---|---|---|"]
        for r in results["learning_curve"]:
            lines.append(f"| {r['fraction']:.0%} | {r['written_macro_f1']:.3f} | "
                         f"{r['real']['auroc_any_mode']} | {r['real']['false_alarm_rate']} | "
                         f"{r['real']['recall_of_modes']} |")
        lines.append("")
    return "\n".join(lines)

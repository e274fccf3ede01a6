"""Evaluation of the mode classifier: printed figures, never timed unit tests.

- the parts balanced for training (`written`, and `balanced` ones such as the
  contrast sets): session-grouped cross-validation and leave-one-writer-out, on
  the raw probabilities (argmax);
- the parts labelled at a realistic prevalence (`realistic`: real MIBot chats,
  spoken sessions, rev16 podcast speech): scored as the tool runs (turn and
  window evidence combined, prior adjustment, decision rule), overall and **by
  turn length**, beside the turn-level model alone;
- both under session-grouped CV and leave-one-writer-out, every part in
  training together as `mbt train` does;
- optionally (`full`) an ablation of the feature views.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from spacy.language import Language

from mbt_nlp.annotation.flag_rates import BUCKETS, length_bucket
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.learn.corpus import Corpus, design_weights, load_annotations
from mbt_nlp.learn.metrics import (
    align,
    auroc_interval,
    classification_report,
    expected_calibration_error,
    macro_f1_by_writer,
)
from mbt_nlp.learn.operating_points import curves, format_curves, format_points, named_points
from mbt_nlp.learn.training import (
    DEFAULT_C,
    class_prior,
    combiner_features,
    fit_combiner,
    length_weights,
    out_of_fold,
)
from mbt_nlp.pipeline.priors import (
    DEFAULT_PRIOR,
    DEFAULT_THRESHOLD,
    MARKER_FLOOR,
    adjust,
    any_mode,
    decide,
    flags,
)
from mbt_nlp.pipeline.resources import LABELS, MODES

THRESHOLDS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
# The macro-F1 the sessions of a writer the model never saw are to reach (README).
WRITER_MACRO_F1 = 0.85


def two_level_cv(corpus: Corpus, groups: Sequence[str], *, folds: int = 5, seed: int = 0,
                 C: float = DEFAULT_C, view: str = "both") -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold raw probabilities for every unit: the base model's (turn only) and the
    combined decision's (turn and windows). No group is ever in its own training folds:
    the base scores are out-of-fold, and the combiner is cross-validated on them with
    the same groups."""
    units, windows = out_of_fold(corpus, groups, folds=folds, seed=seed, C=C, view=view)
    features = combiner_features(corpus, units, windows)
    labels, words = np.asarray(corpus.units.labels), corpus.unit_words
    combined = np.zeros_like(units)
    for train, test in GroupKFold(n_splits=min(folds, len(set(groups)))).split(
            features, groups=groups):
        combiner = fit_combiner(features[train], labels[train], words[train])
        combined[test] = align(combiner.predict_proba(features[test]), combiner.classes_)
    return units, combined


def _rates(flagged: np.ndarray, gold_mode: np.ndarray) -> dict[str, Any]:
    ordinary = ~gold_mode
    return {
        "turns": len(flagged),
        "ordinary_turns": int(ordinary.sum()),
        "false_alarm_rate": round(float(flagged[ordinary].mean()), 4) if ordinary.any() else None,
        "mode_turns": int(gold_mode.sum()),
        "modes_found": int(flagged[gold_mode].sum()),
        "recall_of_modes": round(float(flagged[gold_mode].mean()), 4) if gold_mode.any()
        else None,
    }


def _weighted_false_alarms(flagged: np.ndarray, gold_mode: np.ndarray,
                           weights: np.ndarray) -> float | None:
    """The false-alarm rate of the whole source a sample was drawn from: each ordinary
    turn counts as the turns of the source it stands for."""
    ordinary = ~gold_mode
    if not ordinary.any():
        return None
    w = weights[ordinary]
    return round(float((w * flagged[ordinary]).sum() / w.sum()), 4)


def _design_weighted(flagged: np.ndarray, gold_mode: np.ndarray, weights: np.ndarray,
                     buckets: np.ndarray) -> dict[str, Any]:
    return {"false_alarm_rate": _weighted_false_alarms(flagged, gold_mode, weights),
            "by_length": {b: _weighted_false_alarms(flagged[buckets == b],
                                                    gold_mode[buckets == b],
                                                    weights[buckets == b])
                          for b in BUCKETS if (buckets == b).any()}}


def marked_units(corpus: Corpus, floor: Mapping[str, Any] | None) -> np.ndarray | None:
    """Which of the corpus's units carry an active marker the floor names (None: no
    floor). Markers are rules, not learnt, so no fold can leak them."""
    if not floor:
        return None
    columns = [f"marker_{label}" for label in floor["labels"] if f"marker_{label}" in corpus.X]
    return (corpus.X[columns].to_numpy() > 0).any(axis=1) if columns else np.zeros(
        len(corpus.X), dtype=bool)


def screening_report(y: Sequence[str], words: Sequence[int], raw: np.ndarray,
                     train_prior: Mapping[str, float], prior: Mapping[str, float],
                     threshold: float, marked: np.ndarray | None = None,
                     floor: Mapping[str, Any] | None = None,
                     weights: np.ndarray | None = None,
                     sessions: Sequence[str] | None = None) -> dict[str, Any]:
    """Figures on turns at a realistic prevalence, after the prior adjustment and the
    decision rule (threshold, and the marker floor on `marked` turns), overall and by
    turn length. `weights`: the turns of its source each turn stands for (a sample
    drawn with unequal chances); where they are not all 1, false-alarm rates of the
    whole source are added (`design_weighted`) beside the sample's own. `sessions`: each
    turn's session, for a 95% interval of the AUROC that resamples whole sessions
    (`auroc_interval`): real parts hold a handful of mode turns from a few sessions."""
    proba = adjust(raw, LABELS, train_prior, prior)
    decided = decide(proba, LABELS, threshold, marked, floor)
    gold_mode = np.array([label in MODES for label in y])
    flagged = np.array([label in MODES for label in decided])
    p_mode = any_mode(proba, LABELS)
    buckets = np.array([length_bucket(n) for n in words])
    weighted = weights is not None and bool(np.any(np.asarray(weights) != 1.0))
    report: dict[str, Any] = {
        **_rates(flagged, gold_mode),
        "flagged_turns": int(flagged.sum()),
        "prevalence": {label: round(float(np.mean([v == label for v in y])), 4)
                       for label in LABELS},
        "auroc_any_mode": round(float(roc_auc_score(gold_mode, p_mode)), 4)
        if 0 < gold_mode.sum() < len(y) else None,
        "ece": round(expected_calibration_error(y, proba), 4),
        "by_length": {b: _rates(flagged[buckets == b], gold_mode[buckets == b])
                      for b in BUCKETS if (buckets == b).any()},
        "curves": curves(y, proba),
        "operating_points": [],
    }
    if sessions is not None and report["auroc_any_mode"] is not None:
        interval = auroc_interval(gold_mode, p_mode, sessions)
        report["auroc_interval"] = [round(v, 4) for v in interval] if interval else None
        report["auroc_sessions"] = len(set(sessions))
    if weighted:
        weights = np.asarray(weights, dtype=float)
        report["design_weighted"] = _design_weighted(flagged, gold_mode, weights, buckets)
    for t in THRESHOLDS:
        f = flags(p_mode, t, marked, floor)
        by_length = {b: _rates(f[buckets == b], gold_mode[buckets == b])
                     for b in BUCKETS if (buckets == b).any()}
        worst = max((r["false_alarm_rate"] for r in by_length.values()
                     if r["false_alarm_rate"] is not None), default=0.0)
        point = {
            "threshold": t, **{k: v for k, v in _rates(f, gold_mode).items()
                               if k in ("false_alarm_rate", "recall_of_modes")},
            "worst_bucket_false_alarm_rate": worst, "by_length": by_length,
        }
        if weighted:
            whole = _design_weighted(f, gold_mode, weights, buckets)
            point["design_weighted_false_alarm_rate"] = whole["false_alarm_rate"]
            point["worst_bucket_design_weighted_false_alarm_rate"] = max(
                (v for v in whole["by_length"].values() if v is not None), default=0.0)
        report["operating_points"].append(point)
    return report


def balanced_report(corpus: Corpus, raw: np.ndarray,
                    train_prior: Mapping[str, float]) -> dict[str, Any]:
    """Per-label scores on a corpus balanced for training (the written one): the turn
    model's probabilities moved from the training prior to that corpus's own label mix,
    then the most likely label, so that a written corpus is judged at its own prior
    as a real one is judged at a real prior."""
    own = class_prior(corpus.units.labels)
    p = corpus.per_line(adjust(raw, LABELS, train_prior, own))
    predicted = [LABELS[j] for j in p.argmax(1)]
    report = classification_report(corpus.lines.labels, predicted, p)
    report["by_writer"] = macro_f1_by_writer(corpus.lines.labels, predicted,
                                             corpus.lines.writers)
    return report


def evaluate(written: Corpus, realistic: Mapping[str, Corpus], *, seed: int = 0,
             C: float = DEFAULT_C, prior: dict[str, float] | None = None,
             threshold: float = DEFAULT_THRESHOLD, full: bool = True,
             floor: Mapping[str, Any] | None = MARKER_FLOOR,
             balanced: Mapping[str, Corpus] | None = None) -> dict[str, Any]:
    """All figures as one dict (written to models/metrics.json by `mbt evaluate`).

    Every part is trained on together, as `mbt train` does, under two groupings:
    sessions (5-fold) and writers (leave one writer out; MIBot and rev16 are one
    source each, so there the whole part is held out). Models are trained and
    applied on passages; every figure is scored on lines. `balanced` parts (e.g.
    the contrast sets, half modes) are scored as the written one is.
    """
    prior = dict(prior or DEFAULT_PRIOR)
    balanced_parts = {"written": written, **(balanced or {})}
    names = [*balanced_parts, *realistic]
    parts = [*balanced_parts.values(), *realistic.values()]
    union = Corpus.concat(parts)
    offsets = np.cumsum([0] + [len(c.units.labels) for c in parts])
    labels = union.units.labels
    train_prior = class_prior(labels, length_weights(labels, union.unit_words))
    schemes = {
        "session_cv": [f"{n}/{s}" for n, c in zip(names, parts, strict=True)
                       for s in c.units.sessions],
        "leave_one_writer_out": [f"{n}/{w}" for n, c in zip(names, parts, strict=True)
                                 for w in c.units.writers],
        # A model that never saw any data of this kind (e.g. no real speech at all).
        "leave_one_part_out": [n for n, c in zip(names, parts, strict=True)
                               for _ in c.units.labels],
    }
    results: dict[str, Any] = {
        "settings": {"seed": seed, "C": C, "threshold": threshold, "prior": prior,
                     "marker_floor": dict(floor) if floor else None,
                     "length_buckets_words": list(BUCKETS)},
    }
    marked = {name: marked_units(c, floor) for name, c in zip(names, parts, strict=True)}

    def on_lines(name: str) -> np.ndarray | None:
        m = marked[name]
        return None if m is None else realistic[name].per_line(m)

    for scheme, groups in schemes.items():
        folds = 5 if scheme == "session_cv" else 99
        turn_only, combined = two_level_cv(union, groups, folds=folds, seed=seed, C=C)
        pooled: list[tuple[list[str], list[int], np.ndarray]] = []
        for i, (name, corpus) in enumerate(zip(names, parts, strict=True)):
            rows = slice(offsets[i], offsets[i + 1])
            if name in balanced_parts:
                results[f"{name}_{scheme}"] = balanced_report(corpus, turn_only[rows],
                                                              train_prior)
                continue
            line_proba = corpus.per_line(turn_only[rows])
            report = screening_report(corpus.lines.labels, corpus.line_words, line_proba,
                                      train_prior, prior, threshold, on_lines(name), floor,
                                      corpus.line_weights, corpus.lines.sessions)
            pooled.append((list(corpus.lines.labels), list(corpus.line_words),
                           adjust(line_proba, LABELS, train_prior, prior), on_lines(name)))
            both = screening_report(corpus.lines.labels, corpus.line_words,
                                    corpus.per_line(combined[rows]), train_prior, prior,
                                    threshold, on_lines(name), floor)
            # The alternative `mbt train --combine-windows`: turn and window evidence combined.
            report["windows_combined"] = {k: both[k] for k in (
                "auroc_any_mode", "false_alarm_rate", "recall_of_modes", "by_length")}
            results[f"{name}_{scheme}"] = report
        if pooled and scheme != "leave_one_part_out":
            # Named operating points on all realistic parts together (real speech, spoken
            # sessions): the decision rules a user can pick with --operating-point.
            results[f"operating_points_{scheme}"] = named_points(
                [y for p in pooled for y in p[0]], [w for p in pooled for w in p[1]],
                np.vstack([p[2] for p in pooled]), _pool_marked([p[3] for p in pooled]),
                floor)
    if full:
        results["ablation"] = {}
        for view in ("signals", "ngrams"):
            turn_only, _ = two_level_cv(union, schemes["session_cv"], seed=seed, C=C,
                                        view=view)
            row: dict[str, Any] = {}
            for i, (name, corpus) in enumerate(zip(names, parts, strict=True)):
                rows = slice(offsets[i], offsets[i + 1])
                if name in balanced_parts:
                    row[f"{name}_macro_f1"] = balanced_report(corpus, turn_only[rows],
                                                              train_prior)["macro_f1"]
                    continue
                r = screening_report(corpus.lines.labels, corpus.line_words,
                                     corpus.per_line(turn_only[rows]), train_prior, prior,
                                     threshold, on_lines(name), floor)
                row[name] = {k: r[k] for k in ("auroc_any_mode", "false_alarm_rate",
                                                "recall_of_modes")}
            results["ablation"][view] = row
    return results


def _pool_marked(parts: Sequence[np.ndarray | None]) -> np.ndarray | None:
    return None if any(m is None for m in parts) else np.concatenate(parts)


def _screening_table(title: str, r: dict[str, Any]) -> list[str]:
    lines = [f"## {title}", "",
             f"turns {r['turns']} · gold mode turns {r['mode_turns']} · false alarms "
             f"{r['false_alarm_rate']} · recall of modes {r['recall_of_modes']} "
             f"({r['modes_found']} of {r['mode_turns']}) · AUROC P(any mode) "
             f"{r['auroc_any_mode']}{_interval(r)} · ECE {r['ece']:.3f} · flagged "
             f"{r['flagged_turns']}", "",
             "| words | turns | false alarms | ordinary turns | recall | mode turns |",
             "|---|---|---|---|---|---|"]
    for bucket, b in r["by_length"].items():
        lines.append(f"| {bucket} | {b['turns']} | {b['false_alarm_rate']} | "
                     f"{b['ordinary_turns']} | {b['recall_of_modes']} | {b['mode_turns']} |")
    if "design_weighted" in r:
        d = r["design_weighted"]
        lines += ["", "The sample was drawn with unequal chances (`design_weight`). Over the "
                  "whole source, each turn counted as the turns it stands for: false alarms "
                  f"{d['false_alarm_rate']}; by length "
                  + " · ".join(f"{b} {v}" for b, v in d["by_length"].items())]
    if "windows_combined" in r:
        c = r["windows_combined"]
        lines += ["", f"With turn and window evidence combined (`--combine-windows`): false "
                  f"alarms {c['false_alarm_rate']} · recall {c['recall_of_modes']} · AUROC "
                  f"{c['auroc_any_mode']}"]
    whole = "design_weighted" in r
    lines += ["", "| threshold on P(any mode) | false alarms | worst length bucket | recall |"
              + (" worst bucket, whole source |" if whole else ""),
              "|---|---|---|---|" + ("---|" if whole else "")]
    lines += [f"| {p['threshold']} | {p['false_alarm_rate']} | "
              f"{p['worst_bucket_false_alarm_rate']} | {p['recall_of_modes']} |"
              + (f" {p['worst_bucket_design_weighted_false_alarm_rate']} |" if whole else "")
              for p in r["operating_points"]]
    lines.append("")
    return lines


def _interval(r: dict[str, Any]) -> str:
    """' (95% interval a-b over n sessions)' when the report has one."""
    if not r.get("auroc_interval"):
        return ""
    low, high = r["auroc_interval"]
    return f" (95% interval {low:.2f}-{high:.2f} over {r['auroc_sessions']} sessions)"


TITLES = {"real": "Real typed chats (MIBot)", "spoken": "Spoken sessions",
          "rev16": "Real verbatim speech (rev16 podcasts)"}
BALANCED_TITLES = {"written": "Written corpus", "contrast": "Contrast sets"}


def _balanced_table(title: str, r: dict[str, Any]) -> list[str]:
    lines = [f"## {title}", "", f"macro-F1 {r['macro_f1']:.3f} · kappa {r['kappa']:.3f} · "
             f"ECE {r['ece']:.3f} · n {r['n']}", "",
             "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    lines += [f"| {label} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | "
              f"{v['support']} |" for label, v in r["per_label"].items()]
    lines += ["", "confusion (rows gold, columns predicted: "
              + ", ".join(r["confusion"]["labels"]) + ")", ""]
    lines += ["    " + " ".join(f"{n:5d}" for n in row) for row in r["confusion"]["matrix"]]
    lines.append("")
    if len(r.get("by_writer", {})) > 1:
        lines += [_writer_spread(r["by_writer"]), ""]
    return lines


def _writer_spread(by_writer: dict[str, float]) -> str:
    """One line: the lowest, median and highest writer, and every writer under the
    macro-F1 a new writer's sessions are expected to reach."""
    ranked = sorted(by_writer.items(), key=lambda item: item[1])
    (low, low_f1), (high, high_f1) = ranked[0], ranked[-1]
    under = [f"{w} {f1:.3f}" for w, f1 in ranked if f1 < WRITER_MACRO_F1]
    return (f"macro-F1 by writer ({len(ranked)} writers): lowest {low_f1:.3f} ({low}) · median "
            f"{float(np.median([f1 for _, f1 in ranked])):.3f} · highest {high_f1:.3f} ({high}); "
            f"under {WRITER_MACRO_F1}: " + (", ".join(under) or "none"))


def format_report(results: dict[str, Any]) -> str:
    """Markdown tables of the figures (printed by `mbt evaluate`)."""
    floor = results.get("settings", {}).get("marker_floor")
    decision = "prior-adjusted, default threshold" + (
        f", marker floor {floor['min_p']:g} on {' / '.join(floor['labels'])}" if floor else "")
    lines = []
    # Balanced parts carry a macro-F1 where realistic ones carry false-alarm rates.
    balanced = [key.removesuffix("_session_cv") for key, r in results.items()
                if key.endswith("_session_cv") and "macro_f1" in r]
    for name in balanced:
        for scheme, grouping in (("session_cv", "session-grouped 5-fold CV"),
                                 ("leave_one_writer_out", "leave-one-writer-out")):
            lines += _balanced_table(f"{BALANCED_TITLES.get(name, name)}, {grouping}",
                                     results[f"{name}_{scheme}"])
    for key in results:
        for suffix, scheme in (("_session_cv", "session-grouped 5-fold CV"),
                               ("_leave_one_writer_out", "leave-one-writer-out (rev16: "
                                "leave-one-show-out; MIBot, one source, held out whole)"),
                               ("_leave_one_part_out", "whole part held out (no data of "
                                "this kind in training)")):
            if key.endswith(suffix) and not key.startswith((*balanced, "operating_points")):
                name = key.removesuffix(suffix)
                lines += _screening_table(f"{TITLES.get(name, name)}, {scheme}, as tagged "
                                          f"({decision})", results[key])
                lines += format_curves(f"{TITLES.get(name, name)}, {scheme}: precision-recall "
                                       "and calibration", results[key]["curves"])
    for scheme in ("leave_one_writer_out", "session_cv"):
        if f"operating_points_{scheme}" in results:
            lines += [f"## Named operating points ({scheme}, realistic parts pooled)", ""]
            lines += [*format_points(results[f"operating_points_{scheme}"]), ""]
    if "ablation" in results:
        row = next(iter(results["ablation"].values()))
        f1s = [k for k in row if k.endswith("_macro_f1")]
        names = [k for k in row if k not in f1s]
        lines += ["## Ablation (session-grouped CV)", "",
                  "| view | " + " | ".join(f"{k.removesuffix('_macro_f1')} macro-F1"
                                         for k in f1s) + " | " + " | ".join(
                      f"{n} AUROC / false alarms / recall" for n in names) + " |",
                  "|---|" + "---|" * (len(f1s) + len(names))]
        for view, r in results["ablation"].items():
            cells = [f"{r[k]:.3f}" for k in f1s] + [
                f"{r[n]['auroc_any_mode']} / {r[n]['false_alarm_rate']} / "
                f"{r[n]['recall_of_modes']}" for n in names]
            lines.append(f"| {view} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def score_model(nlp: Language, written: Sequence[str | Path] | None,
                realistic: Mapping[str, Sequence[str | Path]]) -> dict[str, Any]:
    """Figures of one trained pipeline on annotation files, without training anything
    (`mbt evaluate --model DIR`): the written part at its own label mix, the others as
    tagged, by turn length. Honest only on files the model was not trained on."""
    classifier = next((nlp.get_pipe(n) for n in nlp.pipe_names
                       if nlp.get_pipe_meta(n).factory == "mbt_classifier"), None)
    if classifier is None:
        raise ValueError("the pipeline has no mbt_classifier to score")
    target = classifier.settings["target_prior"]
    threshold = classifier.settings["threshold"]
    floor = classifier.settings.get("marker_floor")

    def probabilities(paths: Sequence[str | Path]
                      ) -> tuple[list[str], list[int], np.ndarray, np.ndarray, np.ndarray,
                                 list[str], list[str]]:
        all_turns, labelled = load_annotations(paths)
        records = {(r["session"], r["turn"]): r for r in annotate_turns(nlp, all_turns)}
        proba = np.array([[records[(t.session, t.index)]["proba"][label] for label in LABELS]
                          for t in labelled.turns])
        marked = np.array([_passage_marked(records, records[(t.session, t.index)], floor)
                           for t in labelled.turns], dtype=bool)
        return (labelled.labels, [len(t.text.split()) for t in labelled.turns], proba, marked,
                design_weights(labelled.turns), labelled.writers, labelled.sessions)

    results: dict[str, Any] = {"settings": {"prior": target, "threshold": threshold,
                                            "marker_floor": floor,
                                            "length_buckets_words": list(BUCKETS)}}
    if written:
        labels, _, proba, _, _, writers, _ = probabilities(written)
        p = adjust(proba, LABELS, target, class_prior(labels))
        predicted = [LABELS[j] for j in p.argmax(1)]
        results["written"] = classification_report(labels, predicted, p)
        results["written"]["by_writer"] = macro_f1_by_writer(labels, predicted, writers)
    pooled: list[tuple[list[str], list[int], np.ndarray, np.ndarray]] = []
    for name, paths in realistic.items():
        labels, words, proba, marked, weights, _, sessions = probabilities(paths)
        # Probabilities are already at the target prior: the adjustment is the identity.
        results[name] = screening_report(labels, words, proba, target, target, threshold,
                                         marked, floor, weights, sessions)
        pooled.append((labels, words, proba, marked))
    if pooled:
        results["operating_points"] = named_points(
            [y for p in pooled for y in p[0]], [w for p in pooled for w in p[1]],
            np.vstack([p[2] for p in pooled]), np.concatenate([p[3] for p in pooled]), floor)
    return results


def _passage_marked(records: Mapping[tuple[str, int], dict[str, Any]], record: dict[str, Any],
                    floor: Mapping[str, Any] | None) -> bool:
    """Whether the passage a record's mode came from carries a floor marker: flagged by
    one, or one among its lines' markers (the joined text the classifier judged can
    differ only where a match runs across two lines)."""
    if not floor:
        return False
    if record.get("flagged_by") == "marker":
        return True
    first, last = record["passage"]
    return any(m["label"] in floor["labels"]
               for turn in range(first, last + 1)
               for m in records.get((record["session"], turn), {}).get("markers", []))


def format_scores(results: dict[str, Any]) -> str:
    """Markdown for `score_model`'s figures."""
    lines = []
    if "written" in results:
        r = results["written"]
        lines += ["## Written", "", f"macro-F1 {r['macro_f1']:.3f} · kappa {r['kappa']:.3f} · "
                  f"ECE {r['ece']:.3f} · n {r['n']}", ""]
        if len(r.get("by_writer", {})) > 1:
            lines += [_writer_spread(r["by_writer"]), ""]
    for name, r in results.items():
        if name not in ("settings", "written", "operating_points"):
            lines += _screening_table(f"{TITLES.get(name, name)}, as tagged by this model", r)
            lines += format_curves(f"{TITLES.get(name, name)}: precision-recall and "
                                   "calibration", r["curves"])
    if "operating_points" in results:
        lines += ["## Named operating points (parts pooled; in-sample if the model was "
                  "trained on them)", "", *format_points(results["operating_points"])]
    return "\n".join(lines)

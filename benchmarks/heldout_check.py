"""The model on the held-out sets (annotations/heldout/*.tsv): never trained on.

    python benchmarks/heldout_check.py [--set NAME] [--model DIR] [--threshold T]

Each set holds client turns written by someone who read only the codebook, after the
rules and the training data they test: about half are modes of one kind, half look
like them on the surface and are not (see annotations/heldout/README.md). Turns the
two labellers disagree on (mode or not) are left out. For each set: modes found,
false alarms, AUROC of P(any mode), and how often a marker of the gold mode's family
fires (on the not-mode turns: a marker of any mode family), overall and by turn
length; only counts, never text.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score
from spacy.language import Language

import mbt_nlp
from mbt_nlp.annotation.flag_rates import BUCKETS, length_bucket
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.pipeline.resources import MODES
from mbt_nlp.transcript import CLIENT, CLINICIAN, Turn

HELDOUT = Path(__file__).resolve().parents[1] / "annotations" / "heldout"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="names", action="append",
                        help="one set by file name without .tsv (repeatable; default: all)")
    parser.add_argument("--model", help="a pipeline written by mbt train (default: bundled)")
    parser.add_argument("--threshold", type=float, help="flag from this P(any mode)")
    args = parser.parse_args()
    paths = sorted(HELDOUT.glob("*.tsv"))
    if args.names:
        paths = [HELDOUT / f"{name}.tsv" for name in args.names]
        if missing := [p.stem for p in paths if not p.is_file()]:
            parser.error(f"no held-out set {', '.join(missing)} in {HELDOUT}")
    nlp = mbt_nlp.load(model=args.model)
    if args.threshold is not None:
        nlp.get_pipe("mbt_classifier").configure(threshold=args.threshold)
    for path in paths:
        report(nlp, path)


def report(nlp: Language, path: Path) -> None:
    """Print one set's figures."""
    table = pd.read_csv(path, sep="\t", keep_default_na=False, dtype=str)
    agreed = table[table.label_a.isin(MODES) == table.label_b.isin(MODES)]
    turns = []
    for row in agreed.itertuples():  # each turn answers its clinician line
        turns.append(Turn(row.id, 0, "T", CLINICIAN, row.context))
        turns.append(Turn(row.id, 1, "C", CLIENT, row.text))
    gold = dict(zip(agreed.id, agreed.label_a, strict=True))
    counts: Counter[tuple[str, bool, str]] = Counter()
    truth, scores = [], []
    for record in annotate_turns(nlp, turns):
        if record["role"] != CLIENT:
            continue
        label = gold[record["session"]]
        is_mode = label in MODES
        families = {label} if is_mode else set(MODES)
        bucket = length_bucket(len(record["text"].split()))
        counts[(bucket, is_mode, "flagged")] += record["mode"] in MODES
        counts[(bucket, is_mode, "marker")] += any(m["family"] in families
                                                   for m in record["markers"])
        counts[(bucket, is_mode, "turns")] += 1
        truth.append(is_mode)
        scores.append(sum(record["proba"][m] for m in MODES))
    modes = Counter(label for label in gold.values() if label in MODES)
    print(f"\n{path.stem}: {len(agreed)} of {len(table)} turns (the labellers agree on mode "
          f"or not), modes {dict(sorted(modes.items()))}; "
          f"AUROC P(any mode) {roc_auc_score(truth, scores):.3f}")
    print(f"{'words':>8} {'modes found':>12} {'false alarms':>13} {'its marker on modes':>20} "
          f"{'a marker on others':>19}")
    for bucket in [*BUCKETS, "all"]:
        on_modes, others = _counts(counts, bucket, True), _counts(counts, bucket, False)
        if on_modes["turns"] + others["turns"]:
            print(f"{bucket:>8} {on_modes['flagged']:>5} of {on_modes['turns']:<4} "
                  f"{others['flagged']:>6} of {others['turns']:<4} "
                  f"{on_modes['marker']:>13} of {on_modes['turns']:<4} "
                  f"{others['marker']:>11} of {others['turns']:<4}")


def _counts(counts: Counter[tuple[str, bool, str]], bucket: str,
            is_mode: bool) -> Counter[str]:
    """Turns, flags and marker hits of one length bucket ("all": every bucket)."""
    return Counter({what: sum(v for (b, m, w), v in counts.items()
                              if m == is_mode and w == what and bucket in (b, "all"))
                    for what in ("turns", "flagged", "marker")})


if __name__ == "__main__":
    main()

"""The model on the held-out relief-from-act turns (annotations/heldout/relief_acts.tsv).

    python benchmarks/heldout_check.py [--model DIR] [--threshold T]

Sixty turns written after the ACT_AS_RELIEF marker and never trained on: 30 tell how
a drastic act changed a feeling (teleological), 30 are not modes. Turns the two
labellers disagree on (mode or not) are left out. Prints modes found, false alarms,
AUROC of P(any mode) and how often the marker fires, overall and by turn length; only
counts, never text.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

import mbt_nlp
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.learn.metrics import BUCKETS, length_bucket
from mbt_nlp.pipeline.resources import MODES
from mbt_nlp.transcript import CLIENT, CLINICIAN, Turn

TURNS = Path(__file__).resolve().parents[1] / "annotations" / "heldout" / "relief_acts.tsv"
MARKER = "ACT_AS_RELIEF"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a pipeline written by mbt train (default: bundled)")
    parser.add_argument("--threshold", type=float, help="flag from this P(any mode)")
    args = parser.parse_args()
    table = pd.read_csv(TURNS, sep="\t", keep_default_na=False, dtype=str)
    agreed = table[table.label_a.isin(MODES) == table.label_b.isin(MODES)]
    nlp = mbt_nlp.load(model=args.model)
    if args.threshold is not None:
        nlp.get_pipe("mbt_classifier").configure(threshold=args.threshold)
    turns = []
    for row in agreed.itertuples():  # each turn answers its clinician line
        turns.append(Turn(row.id, 0, "T", CLINICIAN, row.context))
        turns.append(Turn(row.id, 1, "C", CLIENT, row.text))
    gold = dict(zip(agreed.id, agreed.label_a.isin(MODES), strict=True))
    counts: Counter[tuple[str, bool, str]] = Counter()
    truth, scores = [], []
    for record in annotate_turns(nlp, turns):
        if record["role"] != CLIENT:
            continue
        is_mode = gold[record["session"]]
        bucket = length_bucket(len(record["text"].split()))
        counts[(bucket, is_mode, "flagged")] += record["mode"] in MODES
        counts[(bucket, is_mode, "marker")] += any(m["label"] == MARKER
                                                   for m in record["markers"])
        counts[(bucket, is_mode, "turns")] += 1
        truth.append(is_mode)
        scores.append(sum(record["proba"][m] for m in MODES))
    print(f"{len(agreed)} of {len(table)} turns (the labellers agree on mode or not); "
          f"AUROC P(any mode) {roc_auc_score(truth, scores):.3f}")
    print(f"{'words':>8} {'modes found':>12} {'false alarms':>13} {MARKER + ' on modes':>22} "
          f"{'on others':>10}")
    for bucket in [*BUCKETS, "all"]:
        modes, others = _counts(counts, bucket, True), _counts(counts, bucket, False)
        if modes["turns"] + others["turns"]:
            print(f"{bucket:>8} {modes['flagged']:>5} of {modes['turns']:<4} "
                  f"{others['flagged']:>6} of {others['turns']:<4} "
                  f"{modes['marker']:>15} of {modes['turns']:<4} {others['marker']:>5}")


def _counts(counts: Counter[tuple[str, bool, str]], bucket: str,
            is_mode: bool) -> Counter[str]:
    """Turns, flags and marker hits of one length bucket ("all": every bucket)."""
    return Counter({what: sum(v for (b, m, w), v in counts.items()
                              if m == is_mode and w == what and bucket in (b, "all"))
                    for what in ("turns", "flagged", "marker")})


if __name__ == "__main__":
    main()

"""The bundled model on real recorded counselling speech it never saw: AnnoMI.

    python benchmarks/annomi_check.py AnnoMI-simple.csv [--model DIR] [--threshold T]
                                      [--held-out]

AnnoMI (Wu et al. 2022, 2023) is 133 transcribed demonstrations of
motivational interviewing, public domain, not bundled: pass your copy of
`AnnoMI-simple.csv` (checked by SHA-256). Its client turns are never used in
training. Prints, by turn length, the share of all client turns flagged, and
on the sample labelled twice blind (annotations/annomi/labels.tsv): false
alarms (a mode flagged on a turn labelled none or mentalizing), modes found
and AUROC of P(any mode). Only counts are printed, never text.

Some marker patterns were written after reading AnnoMI turns the model had
missed, so the default figures are an upper bound; `--held-out` leaves those
patterns out and gives the figure of words no rule was written from.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import mbt_nlp
from mbt_nlp.annotation.flag_rates import BUCKETS, length_bucket
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.errors import MbtError
from mbt_nlp.pipeline.resources import LABELS, MODES

ANNOMI = Path(__file__).resolve().parents[1] / "annotations" / "annomi"
sys.path.insert(0, str(ANNOMI))

from source import read_annomi, turn_id, without_annomi_informed  # noqa: E402


def read_labels(path: Path) -> dict[str, str]:
    """id -> label of labels.tsv; a missing column or an unknown label stops with the line."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if missing := {"id", "label"} - set(table.columns):
        raise SystemExit(f"error: {path}: no {', '.join(sorted(missing))} column")
    for line, (turn, label) in enumerate(zip(table["id"], table["label"], strict=True), 2):
        if label not in LABELS or not turn:
            raise SystemExit(f"error: {path}:{line}: expected an id and one of {', '.join(LABELS)}")
    return dict(zip(table["id"], table["label"], strict=True))


def share(hits: int, n: int) -> str:
    return f"{hits / n:6.1%} ({hits}/{n})" if n else "     –"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="AnnoMI-simple.csv")
    parser.add_argument("--model", default=None, help="a trained pipeline (default: bundled)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="P(any mode) needed to flag (default: the model's; a turn with "
                        "a marker-floor marker needs only the floor)")
    parser.add_argument("--held-out", action="store_true",
                        help="leave out the marker patterns written after reading AnnoMI")
    parser.add_argument("--labels", type=Path, default=ANNOMI / "labels.tsv")
    parser.add_argument("--json", type=Path, default=None,
                        help="also store the figures under 'annomi' in this metrics file")
    args = parser.parse_args()

    gold = read_labels(args.labels) if args.labels.exists() else {}  # fails before the work
    nlp = mbt_nlp.load(model=args.model)
    if args.threshold is not None:
        nlp.get_pipe("mbt_classifier").configure(None, args.threshold, None)
    if args.held_out:
        markers = nlp.get_pipe("mbt_markers")
        try:
            markers.set_data(without_annomi_informed(markers.data()), "annomi_check --held-out")
        except ValueError as err:
            raise SystemExit(f"error: {err}") from None
    try:
        turns = read_annomi(args.csv)
    except (OSError, MbtError) as err:
        raise SystemExit(f"error: {err}") from None
    ids = {(t.session, t.index): turn_id(t) for t in turns}
    records = [r for r in annotate_turns(nlp, turns) if r["role"] == "client"]

    total, flagged = Counter(), Counter()
    by_marker = sum(r.get("flagged_by") == "marker" for r in records)
    rows = []  # (bucket, flagged, gold is a mode, P(any mode)) of the labelled sample
    for record in records:
        bucket = length_bucket(len(record["text"].split()))
        flag = record["mode"] in MODES
        total[bucket] += 1
        flagged[bucket] += flag
        label = gold.get(ids[(record["session"], record["turn"])])
        if label is not None:
            rows.append((bucket, flag, label in MODES, sum(record["proba"][m] for m in MODES)))

    figures: dict[str, object] = {"client_turns": len(records), "labelled": len(rows),
                                  "flagged_by_marker_floor": by_marker}
    print(f"AnnoMI: {len(records)} client turns; {len(rows)} labelled; "
          f"{by_marker} flagged by the marker floor"
          + ("; AnnoMI-informed marker patterns left out" if args.held_out else ""))
    print(f"{'words':>8} {'all turns flagged':>18} {'false alarms':>16} {'modes found':>14}")
    for bucket in (*BUCKETS, "all"):
        n = sum(total.values()) if bucket == "all" else total[bucket]
        f = sum(flagged.values()) if bucket == "all" else flagged[bucket]
        sub = [r for r in rows if bucket in ("all", r[0])]
        fa = [r for r in sub if not r[2]]
        modes = [r for r in sub if r[2]]
        found = sum(r[1] for r in modes)
        print(f"{bucket:>8} {share(f, n):>18} {share(sum(r[1] for r in fa), len(fa)):>16} "
              f"{share(found, len(modes)):>14}")
        figures[bucket] = {"turns": n, "flagged": f, "labelled_ordinary": len(fa),
                           "false_alarms": sum(r[1] for r in fa), "modes": len(modes),
                           "modes_found": found}
    if rows and 0 < sum(r[2] for r in rows) < len(rows):
        auroc = roc_auc_score(np.array([r[2] for r in rows]), np.array([r[3] for r in rows]))
        figures["auroc"] = round(float(auroc), 4)
        print(f"AUROC of P(any mode), modes vs the rest: {auroc:.3f}")
    if args.json:
        metrics = json.loads(args.json.read_text()) if args.json.exists() else {}
        metrics["annomi_held_out" if args.held_out else "annomi"] = figures
        args.json.write_text(json.dumps(metrics, indent=1) + "\n")


if __name__ == "__main__":
    main()

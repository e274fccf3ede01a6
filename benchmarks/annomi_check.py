"""The bundled model on real recorded counselling speech it never saw: AnnoMI.

    python benchmarks/annomi_check.py AnnoMI-simple.csv [--model DIR] [--threshold T]
                                      [--held-out] [--sweep 0.15,0.1,0.06]

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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from spacy.language import Language

import mbt_nlp
from mbt_nlp.annotation.flag_rates import BUCKETS, length_bucket
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.errors import MbtError
from mbt_nlp.learn.metrics import auroc_interval
from mbt_nlp.pipeline.resources import LABELS, MODES
from mbt_nlp.transcript import Turn

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


@dataclass
class Scored:
    """Client turns counted by length bucket, and the labelled sample's rows."""

    total: Counter = field(default_factory=Counter)
    flagged: Counter = field(default_factory=Counter)
    by_marker: int = 0
    rows: list[tuple[str, bool, bool, float]] = field(default_factory=list)
    # (bucket, flagged, gold is a mode, P(any mode)) of each labelled turn
    sessions: list[str] = field(default_factory=list)  # of each row, for the interval

    def false_alarms(self, bucket: str = "all") -> tuple[int, int]:
        ordinary = [r for r in self.rows if not r[2] and bucket in ("all", r[0])]
        return sum(r[1] for r in ordinary), len(ordinary)

    def modes_found(self, bucket: str = "all") -> tuple[int, int]:
        modes = [r for r in self.rows if r[2] and bucket in ("all", r[0])]
        return sum(r[1] for r in modes), len(modes)


def score(nlp: Language, turns: list[Turn], gold: dict[str, str]) -> Scored:
    ids = {(t.session, t.index): turn_id(t) for t in turns}
    scored = Scored()
    for record in annotate_turns(nlp, turns):
        if record["role"] != "client":
            continue
        bucket = length_bucket(len(record["text"].split()))
        flag = record["mode"] in MODES
        scored.total[bucket] += 1
        scored.flagged[bucket] += flag
        scored.by_marker += record.get("flagged_by") == "marker"
        label = gold.get(ids[(record["session"], record["turn"])])
        if label is not None:
            scored.rows.append((bucket, flag, label in MODES,
                                sum(record["proba"][m] for m in MODES)))
            scored.sessions.append(str(record["session"]))
    return scored


def table(scored: Scored, figures: dict[str, object]) -> list[str]:
    """The by-length table (and its figures, added to `figures`)."""
    lines = [f"{'words':>8} {'all turns flagged':>18} {'false alarms':>16} {'modes found':>14}"]
    for bucket in (*BUCKETS, "all"):
        n = sum(scored.total.values()) if bucket == "all" else scored.total[bucket]
        f = sum(scored.flagged.values()) if bucket == "all" else scored.flagged[bucket]
        alarms, ordinary = scored.false_alarms(bucket)
        found, modes = scored.modes_found(bucket)
        lines.append(f"{bucket:>8} {share(f, n):>18} {share(alarms, ordinary):>16} "
                     f"{share(found, modes):>14}")
        figures[bucket] = {"turns": n, "flagged": f, "labelled_ordinary": ordinary,
                           "false_alarms": alarms, "modes": modes, "modes_found": found}
    rows = scored.rows
    if rows and 0 < sum(r[2] for r in rows) < len(rows):
        auroc = roc_auc_score(np.array([r[2] for r in rows]), np.array([r[3] for r in rows]))
        figures["auroc"] = round(float(auroc), 4)
        line = f"AUROC of P(any mode), modes vs the rest: {auroc:.3f}"
        # The modes sit in a few sessions: resample sessions, not turns.
        if len(scored.sessions) == len(rows) and (interval := auroc_interval(
                [r[2] for r in rows], [r[3] for r in rows], scored.sessions)):
            figures["auroc_interval"] = [round(v, 4) for v in interval]
            line += (f" (95% interval {interval[0]:.2f}-{interval[1]:.2f}, "
                     f"{len(set(scored.sessions))} sessions resampled)")
        lines.append(line)
    return lines


def sweep_line(threshold: float, scored: Scored) -> str:
    """One threshold: false alarms overall and in the worst length bucket, modes found."""
    alarms, ordinary = scored.false_alarms()
    worst = max(BUCKETS, key=lambda b: _rate(*scored.false_alarms(b)))
    found, modes = scored.modes_found()
    return (f"{threshold:>9.3g} {share(alarms, ordinary):>16} "
            f"{share(*scored.false_alarms(worst)):>16} {worst:>7} {found:>3} of {modes}")


def _rate(hits: int, n: int) -> float:
    return hits / n if n else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="AnnoMI-simple.csv")
    parser.add_argument("--model", default=None, help="a trained pipeline (default: bundled)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="P(any mode) needed to flag (default: the model's; a turn with "
                        "a marker-floor marker needs only the floor)")
    parser.add_argument("--sweep", default=None, metavar="T1,T2,...",
                        help="instead of the table, one line per threshold: false alarms, "
                        "the worst length bucket and modes found")
    parser.add_argument("--held-out", action="store_true",
                        help="leave out the marker patterns written after reading AnnoMI")
    parser.add_argument("--labels", type=Path, default=ANNOMI / "labels.tsv")
    parser.add_argument("--json", type=Path, default=None,
                        help="also store the figures under 'annomi' in this metrics file")
    args = parser.parse_args()
    try:
        sweep = [float(t) for t in args.sweep.split(",")] if args.sweep else []
    except ValueError:
        raise SystemExit(f"error: --sweep wants thresholds such as 0.15,0.1 "
                         f"(got {args.sweep!r})") from None

    gold = read_labels(args.labels) if args.labels.exists() else {}  # fails before the work
    nlp = mbt_nlp.load(model=args.model)
    classifier = nlp.get_pipe("mbt_classifier")
    if args.threshold is not None:
        classifier.configure(None, args.threshold, None)
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
    left_out = "; AnnoMI-informed marker patterns left out" if args.held_out else ""

    if sweep:
        print(f"AnnoMI, labelled sample{left_out}")
        print(f"{'threshold':>9} {'false alarms':>16} {'worst bucket':>16} {'':>7} modes found")
        for threshold in sweep:
            classifier.configure(None, threshold, None)
            print(sweep_line(threshold, score(nlp, turns, gold)), flush=True)
        return

    scored = score(nlp, turns, gold)
    n_client = sum(scored.total.values())
    figures: dict[str, object] = {"client_turns": n_client, "labelled": len(scored.rows),
                                  "flagged_by_marker_floor": scored.by_marker}
    print(f"AnnoMI: {n_client} client turns; {len(scored.rows)} labelled; "
          f"{scored.by_marker} flagged by the marker floor{left_out}")
    print("\n".join(table(scored, figures)))
    if args.json:
        metrics = json.loads(args.json.read_text()) if args.json.exists() else {}
        metrics["annomi_held_out" if args.held_out else "annomi"] = figures
        args.json.write_text(json.dumps(metrics, indent=1) + "\n")


if __name__ == "__main__":
    main()

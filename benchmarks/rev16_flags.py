"""How often the tagger flags a mode on real verbatim speech, by turn length.

    python benchmarks/rev16_flags.py [--rev16 ../shared/data/rev16/rev16.jsonl] [--model DIR]

rev16 is 8,829 turns of real podcast conversation transcribed verbatim
(fillers, stutters, self-repairs kept). Its labelled sample
(annotations/rev16/) shows the modes are rare there, so the share of turns
flagged is close to a false-alarm rate on ordinary spoken English. Target:
at most 5% in every length bucket.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import mbt_nlp
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.learn.metrics import BUCKETS, length_bucket
from mbt_nlp.pipeline.resources import MODES
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.transcript import RoleMap

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/rev16/rev16.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev16", type=Path, default=DEFAULT)
    parser.add_argument("--model", default=None, help="a trained pipeline (default: bundled)")
    args = parser.parse_args()

    nlp = mbt_nlp.load(model=args.model)
    # Podcast hosts and guests: every speaker is tagged as a client, no role inference.
    turns = list(read_transcript(args.rev16, ReadOptions(roles=RoleMap(clinicians=frozenset()))))
    start = time.perf_counter()
    records = list(annotate_turns(nlp, turns))
    seconds = time.perf_counter() - start
    total, flagged, by_mode = Counter(), Counter(), Counter()
    for record in records:
        bucket = length_bucket(len(record["text"].split()))
        total[bucket] += 1
        if record["mode"] in MODES:
            flagged[bucket] += 1
            by_mode[record["mode"]] += 1
    print(f"rev16: {len(records)} turns tagged in {seconds:.1f} s")
    print(f"{'words':>8} {'turns':>6} {'flagged':>8} {'share':>7}")
    for bucket in BUCKETS:
        share = flagged[bucket] / total[bucket] if total[bucket] else 0.0
        print(f"{bucket:>8} {total[bucket]:>6} {flagged[bucket]:>8} {share:>7.1%}")
    n, f = sum(total.values()), sum(flagged.values())
    print(f"{'all':>8} {n:>6} {f:>8} {f / n:>7.1%}   by mode: {dict(by_mode)}")


if __name__ == "__main__":
    main()

"""Draw the AnnoMI sample to label: client turns of real recorded counselling speech,
weighted to long turns and to turns holding words that the markers look at.

    python annotations/annomi/sample_annomi.py AnnoMI-simple.csv

AnnoMI's text is not bundled (see README.md); this script needs the CSV and
checks its SHA-256. Writes raw/sample.tsv (id, words, bucket). Deterministic
(seed 0): every client turn over 30 words, then turns of 11-30 and 1-10 words,
two thirds of them from turns with a marker word, so that each length bucket
has enough turns for a false-alarm rate. The model plays no part in the draw.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sample_rev16 import MARKER_WORDS  # noqa: E402  (one list of marker words)

sys.path.insert(0, str(HERE))
from source import read_annomi, turn_id  # noqa: E402

from mbt_nlp.learn.metrics import length_bucket  # noqa: E402

PER_BUCKET = {"11-30": 500, "1-10": 350}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="AnnoMI-simple.csv")
    args = parser.parse_args()

    turns = [t for t in read_annomi(args.csv) if t.role == "client"]
    rng = random.Random(0)
    chosen = [t for t in turns if len(t.text.split()) > 30]
    for name, n in PER_BUCKET.items():
        pool = [t for t in turns if length_bucket(len(t.text.split())) == name]
        rng.shuffle(pool)
        marked = [t for t in pool if MARKER_WORDS.search(t.text)]
        picked = marked[: (2 * n) // 3]
        seen = {id(t) for t in picked}
        picked += [t for t in pool if id(t) not in seen][: n - len(picked)]
        chosen += picked
    order = {id(t): i for i, t in enumerate(turns)}
    chosen.sort(key=lambda t: order[id(t)])
    lines = ["id\twords\tbucket"]
    for t in chosen:
        words = len(t.text.split())
        lines.append(f"{turn_id(t)}\t{words}\t{length_bucket(words)}")
    (HERE / "raw").mkdir(exist_ok=True)
    (HERE / "raw" / "sample.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(chosen)} turns drawn")


if __name__ == "__main__":
    main()

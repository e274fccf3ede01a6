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
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sample_rev16 import draw  # noqa: E402  (one way of drawing a sample)

sys.path.insert(0, str(HERE))
from source import read_annomi, turn_id  # noqa: E402

from mbt_nlp.annotation.flag_rates import length_bucket  # noqa: E402

PER_BUCKET = {"11-30": 500, "1-10": 350}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="AnnoMI-simple.csv")
    args = parser.parse_args()

    turns = [t for t in read_annomi(args.csv) if t.role == "client"]
    chosen = draw(turns, [t.text for t in turns], PER_BUCKET)
    lines = ["id\twords\tbucket"]
    for t in chosen:
        words = len(t.text.split())
        lines.append(f"{turn_id(t)}\t{words}\t{length_bucket(words)}")
    (HERE / "raw").mkdir(exist_ok=True)
    (HERE / "raw" / "sample.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(chosen)} turns drawn")


if __name__ == "__main__":
    main()

"""Draw the rev16 sample to label: real verbatim speech, weighted to long turns
and to turns holding words that the markers look at.

    python annotations/sample_rev16.py [--rev16 ../shared/data/rev16/rev16.jsonl]

Writes annotations/rev16/raw/sample.tsv (id, words, bucket). Deterministic
(seed 0): every turn over 30 words, then turns of 11-30 words (those with a
marker word first) and of 1-10 words, so that each length bucket has enough
turns for a false-alarm rate.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import TypeVar

from mbt_nlp.learn.metrics import length_bucket

HERE = Path(__file__).resolve().parent / "rev16"
# Words that the rules and the classifier attend to (certainty, absolutes,
# action, abstraction, mental-state talk): turns holding them are the ones
# where a false alarm can happen.
MARKER_WORDS = re.compile(
    r"\b(always|never|nobody|everyone|everybody|nothing|everything|know|knew|obviously|"
    r"clearly|just is|hate|hates|stupid|idiot|worthless|prove|proof|if you|should|must|"
    r"feel|felt|feeling|think|thought|mind|pattern|process|energy|journey|trauma|"
    r"really|literally)\b",
    re.IGNORECASE,
)
T = TypeVar("T")
PER_BUCKET = {"11-30": 250, "1-10": 100}


def draw(items: list[T], texts: list[str], per_bucket: dict[str, int]) -> list[T]:
    """Every item over 30 words, then `per_bucket[name]` items of each shorter
    bucket, two thirds of them holding a marker word; in input order (seed 0)."""
    rng = random.Random(0)
    words = [len(text.split()) for text in texts]
    chosen = {i for i, n in enumerate(words) if n > 30}
    for name, n in per_bucket.items():
        pool = [i for i, count in enumerate(words) if length_bucket(count) == name]
        rng.shuffle(pool)
        # Two thirds from turns with a marker word, the rest from any turn.
        picked = [i for i in pool if MARKER_WORDS.search(texts[i])][: (2 * n) // 3]
        taken = set(picked)
        picked += [i for i in pool if i not in taken][: n - len(picked)]
        chosen.update(picked)
    return [items[i] for i in sorted(chosen)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared/data/rev16/rev16.jsonl"
    parser.add_argument("--rev16", type=Path, default=default)
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.rev16.read_text(encoding="utf-8").splitlines()]
    chosen = draw(rows, [r["text"] for r in rows], PER_BUCKET)
    lines = ["id\twords\tbucket"]
    for r in chosen:
        words = len(r["text"].split())
        lines.append(f"{r['session']}:{r['turn']}\t{words}\t{length_bucket(words)}")
    (HERE / "raw").mkdir(parents=True, exist_ok=True)
    (HERE / "raw" / "sample.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(chosen)} turns sampled of {len(rows)}")


if __name__ == "__main__":
    main()

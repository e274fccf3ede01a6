"""Draw the rev16 sample to label: real verbatim speech, weighted to long turns
and to turns holding words that the markers look at.

    python annotations/sample_rev16.py [--rev16 ../shared/data/rev16/rev16.jsonl]
    python annotations/sample_rev16.py --scored-by models/mbt_en   # the second draw

Writes annotations/rev16/raw/sample.tsv (id, words, bucket). Deterministic
(seed 0): every turn over 30 words, then turns of 11-30 words (those with a
marker word first) and of 1-10 words, so that each length bucket has enough
turns for a false-alarm rate.

The second draw (`--scored-by`, raw/sample_scored.tsv) takes the turns left
out of the first that a model ranks likeliest to be a mode: every one with
P(any mode) >= 0.02, and as many again drawn at random from the rest of each
length bucket, so the draw is half the model's hardest turns and half ordinary
ones. It was drawn with the bundled model of commit 333165a; re-running it
with another model draws other turns.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import TypeVar

from mbt_nlp.annotation.flag_rates import BUCKETS, length_bucket

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
MIN_SCORED = 0.02


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


def draw_scored(keys: list[str], words: list[int], p_any: list[float],
                taken: set[str]) -> list[tuple[str, str]]:
    """(key, how) pairs in input order: every key outside `taken` with
    P(any mode) >= MIN_SCORED ("model"), and as many keys again from the rest
    of each length bucket, at random (seed 0, "random")."""
    rng = random.Random(0)
    bucket = [length_bucket(n) for n in words]
    scored = {i for i, k in enumerate(keys) if k not in taken and p_any[i] >= MIN_SCORED}
    how = {i: "model" for i in scored}
    wanted = Counter(bucket[i] for i in scored)
    # Longest bucket first, a fixed order: a set's order follows the hash seed,
    # and the random half would with it. This order gives the committed draw.
    for name in [b for b in reversed(BUCKETS) if wanted[b]]:
        pool = [i for i, k in enumerate(keys)
                if k not in taken and i not in scored and bucket[i] == name]
        rng.shuffle(pool)
        how.update({i: "random" for i in pool[:wanted[name]]})
    return [(keys[i], how[i]) for i in sorted(how)]


def score_rows(path: Path, model: str) -> dict[str, float]:
    """P(any mode) of every rev16 turn under `model` by "session:turn", every
    speaker read as a client (as benchmarks/flag_rates.py does)."""
    import mbt_nlp
    from mbt_nlp.annotation.turns import annotate_turns
    from mbt_nlp.pipeline.resources import MODES
    from mbt_nlp.readers import ReadOptions, read_transcript
    from mbt_nlp.transcript import RoleMap

    nlp = mbt_nlp.load(model=model)
    turns = read_transcript(path, ReadOptions(roles=RoleMap(frozenset())))
    return {f"{r['session']}:{r['turn']}": sum((r.get("proba") or {}).get(m, 0.0) for m in MODES)
            for r in annotate_turns(nlp, list(turns))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared/data/rev16/rev16.jsonl"
    parser.add_argument("--rev16", type=Path, default=default)
    parser.add_argument("--scored-by", default=None, metavar="MODEL",
                        help="draw the second sample (raw/sample_scored.tsv) with this model")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.rev16.read_text(encoding="utf-8").splitlines()]
    if args.scored_by:
        first = (HERE / "raw" / "sample.tsv").read_text(encoding="utf-8").splitlines()[1:]
        keys = [f"{r['session']}:{r['turn']}" for r in rows]
        words = [len(r["text"].split()) for r in rows]
        taken = {line.split("\t")[0] for line in first}
        scores = score_rows(args.rev16, args.scored_by)
        picked = draw_scored(keys, words, [scores[k] for k in keys], taken)
        index = {k: i for i, k in enumerate(keys)}
        lines = ["id\twords\tbucket\tdrawn"] + [
            f"{k}\t{words[index[k]]}\t{length_bucket(words[index[k]])}\t{how}" for k, how in picked]
        (HERE / "raw" / "sample_scored.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(picked)} turns drawn, {sum(h == 'model' for _, h in picked)} by the model")
        return
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

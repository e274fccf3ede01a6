"""Where the time of one end-to-end run goes, stage by stage, against the floor.

The floor is what any tagger that writes our records must pay: tokenising, making
the Docs (with their extension attributes) and writing JSON. Each stage runs over
the whole corpus before the next (the functions `annotate_turns` chains lazily), so
each is timed alone; their sum is printed beside the lazy end-to-end run.

    python benchmarks/stages.py [--copies 2] [--full] [--repeats 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections import deque

import spacy
from _corpus import turns as corpus_turns
from _corpus import words
from spacy.language import Language

import mbt_nlp
from mbt_nlp.annotation.turns import annotate_turns, passage_docs, records_from_docs
from mbt_nlp.transcript import Turn
from mbt_nlp.writers import JsonlWriter

DOC_CREATION = "Doc creation (tokenizer, passages, extension attributes)"
RECORDS = "records (segments, to_record)"
JSON = "JSON writing"


def stage_times(nlp: Language, turns: list[Turn]) -> dict[str, float]:
    """Seconds per stage: the same functions `annotate_turns` chains lazily, run one
    stage at a time over the whole corpus (held in memory), so that each is timed alone."""
    stages: dict[str, float] = {}
    queue: deque = deque()

    def timed(name: str, work):
        start = time.perf_counter()
        result = work()
        stages[name] = time.perf_counter() - start
        return result

    docs = timed(DOC_CREATION, lambda: list(passage_docs(nlp, turns, queue)))
    for name, proc in nlp.pipeline:
        docs = timed(name, lambda proc=proc, docs=docs: list(proc.pipe(docs)))
    records = timed(RECORDS, lambda: [r for r, _ in records_from_docs(nlp, docs, queue)])
    timed(JSON, lambda: [JsonlWriter(io.StringIO()).write(r) for r in records])
    stages["total"] = sum(stages.values())
    return stages


def end_to_end_seconds(nlp: Language, turns: list[Turn]) -> float:
    """The same work as it runs (lazily, one batch at a time), for comparison."""
    start = time.perf_counter()
    writer = JsonlWriter(io.StringIO())
    for record in annotate_turns(nlp, turns):
        writer.write(record)
    return time.perf_counter() - start


def tokenizer_seconds(texts: list[str]) -> float:
    """spaCy's blank English tokenizer, fresh (its cache empty), as in throughput.py."""
    tokenizer = spacy.blank("en").tokenizer
    start = time.perf_counter()
    for _ in tokenizer.pipe(texts):
        pass
    return time.perf_counter() - start


def format_stages(stages: dict[str, float], tokenizer: float, lazy: float,
                  n_words: int) -> list[str]:
    """The table, the floor's ratio and the stages that bound the rest."""
    total = stages["total"]
    floor = stages[DOC_CREATION] + stages[JSON]
    lines = [f"{'stage':58s} {'seconds':>8s} {'share':>6s}"]
    for name, seconds in stages.items():
        if name != "total":
            lines.append(f"{name:58s} {seconds:8.2f} {seconds / total:6.1%}")
    lines.append(f"{'sum of the stages':58s} {total:8.2f} {1:6.1%}")
    lines.append(f"tokenizer alone: {tokenizer:.2f} s ({n_words / tokenizer:,.0f} words/s)")
    lines.append(f"end to end as it runs (lazily, in batches): {lazy:.2f} s")
    lines.append(f"ratio to the tokenizer: {tokenizer / lazy:.3f} end to end, "
                 f"{tokenizer / total:.3f} as the sum of the stages; the floor alone "
                 f"(Doc creation + JSON) would give {tokenizer / floor:.3f}")
    above = sorted(((s, n) for n, s in stages.items()
                    if n not in ("total", DOC_CREATION, JSON)), reverse=True)[:3]
    lines.append("bounded above the floor by: " + ", ".join(
        f"{n} ({s / total:.0%})" for s, n in above))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--full", action="store_true", help="the full profile")
    parser.add_argument("--repeats", type=int, default=3, help="medians of this many runs")
    args = parser.parse_args()
    turns = corpus_turns(args.copies)
    texts = [t.text for t in turns]
    nlp = mbt_nlp.load(rules_only=not args.full)
    stage_times(nlp, turns[:200])  # warm-up
    runs, tokenizer_runs, lazy_runs = [], [], []
    for _ in range(args.repeats):  # interleaved, so that a slow moment hits all alike
        tokenizer_runs.append(tokenizer_seconds(texts))
        runs.append(stage_times(nlp, turns))
        lazy_runs.append(end_to_end_seconds(nlp, turns))
    stages = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    tokenizer, lazy = statistics.median(tokenizer_runs), statistics.median(lazy_runs)
    profile = "full" if args.full else "fast"
    print(f"MIBot x{args.copies}, {profile} profile: {len(turns):,} turns, "
          f"{words(texts):,} words")
    print("\n".join(format_stages(stages, tokenizer, lazy, words(texts))))


if __name__ == "__main__":
    main()

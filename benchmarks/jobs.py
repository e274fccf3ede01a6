"""Wall time of `mbt tag --out-dir` with --jobs 1 and --jobs 2 on the replicated corpus,
against the honest ceiling of the machine: the speed-up a pure-Python busy loop gets
from two worker processes in the same run. Also the largest process's peak RSS.

    python benchmarks/jobs.py [--copies 8] [--profile full|fast] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _corpus import replicate

BUSY = 6_000_000  # loop steps per task: about a second of pure Python


def busy(n: int) -> int:
    total = 0
    for i in range(n):
        total += i % 7
    return total


def busy_speedup(tasks: int = 8) -> float:
    """Wall time of `tasks` busy loops on 1 worker over the same on 2 workers."""
    from concurrent.futures import ProcessPoolExecutor

    times = {}
    for workers in (1, 2):
        start = time.perf_counter()
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(busy, [BUSY] * tasks))
        times[workers] = time.perf_counter() - start
    return times[1] / times[2]


def tag_seconds(src: Path, out: Path, jobs: int, flags: list[str]) -> float:
    cmd = [sys.executable, "-m", "mbt_nlp.cli.main", "tag", str(src), "--out-dir", str(out),
           "--jobs", str(jobs), "--quiet", *flags]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)  # MIBot x8, as issue 11 asks
    parser.add_argument("--profile", choices=["full", "fast"], default="full")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    flags = ["--rules-only"] if args.profile == "fast" else []
    print(f"cores: {os.cpu_count()}")
    shares = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        files = replicate(src, args.copies)
        print(f"corpus: {len(files)} files, {args.profile} profile")
        # Interleaved rounds: a slow moment of the machine hits one round, not one side.
        for round_ in range(1, args.repeats + 1):
            one = tag_seconds(src, Path(tmp) / f"out1_{round_}", 1, flags)
            two = tag_seconds(src, Path(tmp) / f"out2_{round_}", 2, flags)
            ceiling = busy_speedup()
            shares.append((one / two) / ceiling)
            print(f"round {round_}: --jobs 1 {one:5.1f} s, --jobs 2 {two:5.1f} s, speed-up "
                  f"{one / two:.2f}x; busy-loop ceiling {ceiling:.2f}x; share {shares[-1]:.2f}")
    # ru_maxrss of the reaped descendants: the peak of the largest single process (KiB).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"share of the ceiling, median of {len(shares)} rounds: {statistics.median(shares):.2f} "
          f"(range {min(shares):.2f}-{max(shares):.2f}; issue 11 target >= 0.9)")
    print(f"largest process peak RSS {peak:.0f} MB (target <= 250 per worker)")


if __name__ == "__main__":
    main()

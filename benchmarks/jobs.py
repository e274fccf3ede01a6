"""Wall time of `mbt tag --out-dir` with --jobs 1 and --jobs 2 on the replicated corpus,
against the honest ceiling of the machine: the speed-up a pure-Python busy loop gets
from two worker processes in the same run. Also the largest process's peak RSS.

    python benchmarks/jobs.py [--copies 4] [--profile full|fast]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--profile", choices=["full", "fast"], default="full")
    args = parser.parse_args()
    flags = ["--rules-only"] if args.profile == "fast" else []
    print(f"cores: {os.cpu_count()}")
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = replicate(Path(tmp) / "in", args.copies)
        print(f"corpus: {len(files)} files")
        for jobs in (1, 2):
            cmd = [sys.executable, "-m", "mbt_nlp.cli.main", "tag", str(Path(tmp) / "in"),
                   "--out-dir", str(Path(tmp) / f"out{jobs}"), "--jobs", str(jobs), "--quiet",
                   *flags]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
            times[jobs] = time.perf_counter() - start
            print(f"--jobs {jobs}: {times[jobs]:6.1f} s")
    speedup = times[1] / times[2]
    ceiling = busy_speedup()
    # ru_maxrss of the reaped descendants: the peak of the largest single process (KiB).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"speed-up jobs 2 / jobs 1 = {speedup:.2f}x; busy-loop ceiling {ceiling:.2f}x; "
          f"share of the ceiling {speedup / ceiling:.2f} (issue 11 target >= 0.9)")
    print(f"largest process peak RSS {peak:.0f} MB (target <= 250 per worker)")


if __name__ == "__main__":
    main()

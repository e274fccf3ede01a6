"""Wall time of `mbt tag --out-dir` with --jobs 1 and --jobs 2 on the replicated corpus.

    python benchmarks/jobs.py [--copies 4] [--profile full|fast]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _corpus import replicate


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
    print(f"speed-up jobs 2 / jobs 1 = {times[1] / times[2]:.2f}x  (target >= 1.7)")


if __name__ == "__main__":
    main()

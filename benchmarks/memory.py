"""Peak resident memory of `mbt tag` on the corpus at 1x and 10x its size.

Each run is a fresh process (`mbt tag DIR -o OUT.jsonl`); its peak RSS is read
from the operating system after it exits.

    python benchmarks/memory.py [--profile full|fast]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _corpus import replicate


def peak_rss_mb(cmd: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one child process; a fresh measuring process each."""
    probe = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], check=True, capture_output=True,
                         text=True).stdout.split()
    return int(out[0]) / 1024, float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["full", "fast"], default="full")
    args = parser.parse_args()
    assert resource  # Linux/macOS only
    flags = ["--rules-only"] if args.profile == "fast" else []
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for copies in (1, 10):
            src = Path(tmp) / f"x{copies}"
            replicate(src, copies)
            cmd = [sys.executable, "-m", "mbt_nlp.cli.main", "tag", str(src), "-o",
                   str(Path(tmp) / f"out{copies}.jsonl"), *flags]
            start = time.perf_counter()
            results[copies] = peak_rss_mb(cmd)
            print(f"{copies:3d}x corpus: peak RSS {results[copies][0]:7.1f} MB "
                  f"({time.perf_counter() - start:.1f} s)")
    ratio = results[10][0] / results[1][0]
    print(f"RSS(10x) / RSS(1x) = {ratio:.3f}  (target <= 1.2)")


if __name__ == "__main__":
    main()

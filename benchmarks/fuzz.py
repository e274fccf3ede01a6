"""Fuzz the readers and `mbt tag` with generated files of every format, valid and broken.

    python benchmarks/fuzz.py [--files 10000] [--seed 0] [--jobs 2] [--keep DIR]

Writes the files of tests/fuzzgen.py into a temporary folder and runs each one
through `read_transcript` and tagging (rules-only, timed), through `run_batch`
(the code of `mbt tag --out-dir`, with --file-timeout) and, for a subset,
through the `mbt tag -o` and `--out-dir` commands. Prints per format: files,
valid and broken ones, files read, tracebacks, timeouts, other violations,
turns expected and found, and the slowest file's time. Exit code 1 on any
violation (listed below the table, each with its file's index: rebuild it with
`fuzzgen.generate(SEED, INDEX)`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzzcheck import (  # after the path to tests/
    PER_FILE_SECONDS,
    Tally,
    path_of,
    run_batch_groups,
    run_cli,
    spread_subset,
    tag_files,
    write_corpus,
)
from fuzzgen import corpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cli-files", type=int, default=400,
                        help="how many files also go through the mbt command (0: none)")
    parser.add_argument("--limit", type=float, default=PER_FILE_SECONDS,
                        help="seconds one file may take, read and tagged")
    parser.add_argument("--keep", type=Path, help="write the files and outputs here and keep them")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mbt-fuzz-") as tmp:
        root = args.keep or Path(tmp)
        folder, out = root / "in", root / "out"
        started = time.perf_counter()
        files = write_corpus(corpus(args.seed, args.files), folder)
        size = sum(len(f.data) for f in files)
        print(f"generated {len(files):,} files ({size / 1e6:,.0f} MB), seed {args.seed}, in "
              f"{time.perf_counter() - started:.0f} s", flush=True)

        started = time.perf_counter()
        paths = [str(path_of(folder, f)) for f in files]
        direct = tag_files(list(zip(paths, (f.group for f in files), strict=True)),
                           workers=args.jobs, hard_limit=max(4 * args.limit, 20))
        print(f"read and tagged each file ({args.jobs} worker(s)) in "
              f"{time.perf_counter() - started:.0f} s", flush=True)

        started = time.perf_counter()
        batch = run_batch_groups(folder, out / "batch", files, jobs=args.jobs,
                                 file_timeout=args.limit)
        print(f"run_batch (mbt tag --out-dir, --jobs {args.jobs}, --file-timeout "
              f"{args.limit:g}) in {time.perf_counter() - started:.0f} s", flush=True)

        tally = Tally()
        for file, path, outcome in zip(files, paths, direct, strict=True):
            tally.add(file, outcome, batch[path], limit=args.limit)
        if args.cli_files:
            started = time.perf_counter()
            subset = spread_subset(files, args.cli_files)
            outcomes = dict(zip(paths, direct, strict=True))
            tally.add_cli(run_cli(folder, out / "cli", subset, outcomes))
            print(f"mbt tag -o and --out-dir on {len(subset)} files in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)

    print()
    print(f"python benchmarks/fuzz.py --files {args.files} --seed {args.seed} --jobs {args.jobs}"
          f"  (cores: {os.cpu_count()}, per-file limit {args.limit:g} s)")
    print(tally.table())
    if tally.ok:
        print("\nno violations")
        return 0
    print(f"\n{len(tally.violations)} violation(s):")
    print(tally.report())
    return 1


if __name__ == "__main__":
    sys.exit(main())

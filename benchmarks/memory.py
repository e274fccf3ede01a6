"""Peak resident memory of `mbt tag` on the corpus at 1x and 10x its size.

Each run is a fresh process (`mbt tag DIR -o OUT.jsonl`); its peak RSS is read
from the operating system after it exits (the largest of the process and its
workers).

    python benchmarks/memory.py [--profile full|fast]

With --files, `mbt tag DIR --out-dir OUT` instead, on that many tiny files each
(memory must stay flat in the number of files, not only in their size). The run
and its worker processes are sampled from /proc (Linux): the peak of their summed
PSS (shared pages counted once) and the peak RSS of the largest of them.

    python benchmarks/memory.py --files 2000 10000 [--format csv --format html] [--jobs 2]
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


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB; (0, 0) once it is gone."""
    values = {"Pss:": 0, "Rss:": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(" ")
            if key in values:
                values[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return values["Pss:"], values["Rss:"]


def peak_tree_mb(cmd: list[str]) -> tuple[float, float, float]:
    """(peak summed PSS in MB, peak RSS of the largest process in MB, seconds) of `cmd`
    and every process it starts, sampled every 50 ms."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    total = largest = 0
    while proc.poll() is None:
        sizes = [_memory_kb(pid) for pid in [proc.pid, *_descendants(proc.pid)]]
        total = max(total, sum(pss for pss, _ in sizes))
        largest = max(largest, *(rss for _, rss in sizes))
        time.sleep(0.05)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return total / 1024, largest / 1024, time.perf_counter() - start


TINY = (
    "T: How was the week, {n}?\nC: He hates me, it just is. Everyone knows it.\n"
    "T: What makes you sure?\nC: Maybe I was scared he would leave.\n"
)


def tiny_files(target: Path, count: int) -> None:
    """`count` four-turn transcripts in folders of 500 (each a session of its own)."""
    for i in range(count):
        folder = target / f"part{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"s{i:06d}.txt").write_text(TINY.format(n=i), encoding="utf-8")


def many_files(counts: list[int], flags: list[str]) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in counts:
            src = Path(tmp) / f"in{count}"
            tiny_files(src, count)
            cmd = [sys.executable, "-m", "mbt_nlp.cli.main", "tag", str(src), "--out-dir",
                   str(Path(tmp) / f"out{count}"), "--quiet", "--rules-only", *flags]
            results[count] = peak_tree_mb(cmd)
            total, largest, seconds = results[count]
            print(f"{count:6d} files: peak {total:7.1f} MB (PSS, all processes), largest "
                  f"process {largest:7.1f} MB RSS ({seconds:.1f} s)", flush=True)
    first, last = counts[0], counts[-1]
    ratio = results[last][0] / results[first][0]
    print(f"memory({last}) / memory({first}) = {ratio:.3f}  (target <= 1.1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["full", "fast"], default="full")
    parser.add_argument("--files", type=int, nargs="+", help="--out-dir runs on this many "
                        "tiny files each (rules only)")
    parser.add_argument("--format", action="append", default=[], help="with --files")
    parser.add_argument("--jobs", type=int, default=1, help="with --files")
    args = parser.parse_args()
    assert resource  # Linux/macOS only
    if args.files:
        many_files(args.files, [f"--format={f}" for f in args.format]
                   + [f"--jobs={args.jobs}"])
        return
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

"""The output directory of a batch run: one run at a time, and temporary files of its own.

A run holds DIR/.mbt-lock from start to end (an operating-system lock, with the
run's pid inside), so a second run into the same directory stops at once
instead of mixing its files with the first one's; the system drops the lock of
a killed run by itself. Everything a run writes goes first into a folder of its
own, DIR/.mbt-tmp-<host>-<pid>-<random>/, and is moved into place by the run's
main process once complete: a file under its final name is whole, and a run
deletes only its own temporary files and those of runs whose process is gone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mbt_nlp.batch.usage import UsageError

try:
    import fcntl
except ImportError:  # Windows: an exclusively created file stands in for the lock
    fcntl = None  # type: ignore[assignment]

LOG = logging.getLogger("mbt_nlp")
LOCK_FILE = ".mbt-lock"
TMP_PREFIX = ".mbt-tmp-"


class OutDirBusy(UsageError):
    """Another run is writing to the output directory."""


def host_name() -> str:
    """This machine's name, safe in a file name."""
    return re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname()) or "host"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:
    # Not os.kill(pid, 0): on Windows, signal 0 is CTRL_C_EVENT.
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists  # type: ignore
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def busy_message(holder: dict[str, Any] | None, out_dir: Path) -> str:
    who = "another mbt run"
    if holder and isinstance(holder.get("pid"), int):
        elsewhere = holder.get("host") not in (None, host_name())
        who += f" (pid {holder['pid']}{' on ' + str(holder['host']) if elsewhere else ''})"
    return f"{who} is writing to {out_dir}; wait or use another --out-dir"


def _holder(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None  # being written just now
    return data if isinstance(data, dict) else None


def _write_holder(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps({"pid": os.getpid(), "host": host_name()}).encode())


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the lock of `out_dir` (created if missing) for the block; `OutDirBusy` at once
    when another run holds it."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError("not a directory", out_dir) from None
    path = out_dir / LOCK_FILE
    if fcntl is None:
        fd = _lock_exclusive(path, out_dir)
        try:
            yield
        finally:
            os.close(fd)  # Windows cannot remove an open file
            path.unlink(missing_ok=True)
        return
    fd = _lock_flock(path, out_dir)
    try:
        yield
    finally:
        if fd is not None:
            # Removed while still held: a run that opened the old file sees it is gone.
            path.unlink(missing_ok=True)
            os.close(fd)


def _lock_flock(path: Path, out_dir: Path) -> int | None:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
            os.close(fd)
            raise OutDirBusy(busy_message(holder, out_dir)) from None
        except OSError as err:  # a file system without locks (some network mounts)
            os.close(fd)
            path.unlink(missing_ok=True)
            LOG.warning("cannot lock %s (%s): nothing stops another run from writing there "
                        "at the same time", out_dir, err.strerror)
            return None
        # The holder before us may have removed the file after we opened it: our lock
        # is then on a file no one else sees, so take the one that is there now.
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        opened = os.fstat(fd)
        if current is not None and (current.st_dev, current.st_ino) == (opened.st_dev,
                                                                         opened.st_ino):
            _write_holder(fd)
            return fd
        os.close(fd)


def _lock_exclusive(path: Path, out_dir: Path) -> int:
    """The lock without fcntl: a file only one process can create; a dead run's is taken
    over (its pid is gone from this machine)."""
    for _ in range(3):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                holder = _holder(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            if holder and holder.get("host") == host_name() and isinstance(
                    holder.get("pid"), int) and not pid_alive(holder["pid"]):
                path.unlink(missing_ok=True)
                continue
            raise OutDirBusy(busy_message(holder, out_dir)) from None
        _write_holder(fd)
        return fd
    raise OutDirBusy(busy_message(None, out_dir))


def remove_stale(out_dir: Path) -> None:
    """Temporary folders of runs on this machine whose process is gone (killed runs)."""
    for folder in out_dir.glob(f"{TMP_PREFIX}*"):
        run = folder.name[len(TMP_PREFIX):].rpartition("-")[0]  # host-pid, without the token
        host, _, pid = run.rpartition("-")
        if host == host_name() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


class Staging:
    """This run's temporary folder inside the output directory.

    Each task writes into a folder of its own here (its outputs under their final
    relative names); `commit` moves them into the output directory, `discard` drops
    them. Only the run's main process commits, so a worker stopped half-way (timeout,
    crash) can leave nothing behind under a final name.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.root = out_dir / f"{TMP_PREFIX}{host_name()}-{os.getpid()}-{secrets.token_hex(4)}"
        self.root.mkdir()

    def folder(self, key: str) -> Path:
        return self.root / key

    def commit(self, folder: Path, last: Sequence[Path] = ()) -> None:
        """Every file under `folder` to the same place under the output directory; the
        ones in `last` (relative, in that order) at the end: they mark the set complete.

        This runs in the main process once per input while the workers tag, so it takes
        the plain os calls: with pathlib's globbing and a rmtree per input it cost about
        a millisecond of the run's CPU per file (--jobs 2, fast profile)."""
        rank = {os.path.normpath(p): i for i, p in enumerate(last)}
        files: list[str] = []
        folders: list[str] = []
        for here, _, names in os.walk(folder, topdown=False):
            relative = os.path.relpath(here, folder)
            files += [os.path.normpath(os.path.join(relative, name)) for name in names]
            folders.append(here)  # deepest first
        files.sort(key=lambda rel: rank.get(rel, -1))
        for rel in files:
            target = os.path.join(self.out_dir, rel)
            try:
                os.replace(os.path.join(folder, rel), target)
            except FileNotFoundError:  # its folder is new (or was removed meanwhile)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(os.path.join(folder, rel), target)
        for here in folders:
            with contextlib.suppress(OSError):
                os.rmdir(here)

    def discard(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

"""Where the files of a batch run are tagged: here, in local worker processes, or on Dask.

Each way yields every task with its result as the task ends (in any order) and
keeps only a few tasks in flight, so memory does not grow with the number of files.

A file may take at most `timeout` seconds (0: no limit). Locally it then runs in a
worker process even with one job: a worker whose file overruns is killed and a
fresh one takes its place. A signal-based limit (SIGALRM) in this process would be
lighter, but a signal only interrupts Python code between two bytecodes: a long call
into C (a regular expression, spaCy's tokenizer on a huge turn, a parser) holds it
off, and an exception thrown into arbitrary code can leave the cached pipeline
half-way through a batch. Killing a process always works, and leaves nothing behind:
workers write only into the run's staging folder (outdir.py), which the main process
commits or discards.

Workers die with the run, even with `kill -9`: on Linux the kernel kills them when
their parent dies (prctl PR_SET_PDEATHSIG), elsewhere a thread in each worker
watches for it. They are started with spawn, so that their parent is the run
itself: a fork server (faster to start workers from) would be their parent, and it
lives as long as any of its workers does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import itertools
import math
import multiprocessing
import os
import pickle
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any, TypeVar

from mbt_nlp.batch.outdir import pid_alive
from mbt_nlp.batch.usage import UsageError

T = TypeVar("T")
Result = dict[str, Any]
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
DASK_PORT = 8786
CONNECT_WAIT = 5.0  # seconds for a scheduler to answer
TIMEOUTS = (TimeoutError, asyncio.TimeoutError)  # one class from Python 3.11 on
# Waits are this long at most, then again: a thread blocked for good never sees Ctrl-C
# when the signal lands on another thread (pebble's, Dask's).
POLL = 0.5


@dataclass(frozen=True)
class Failure:
    """Why a task has no result of its own: it overran its time, or its worker died."""

    error: str
    reason: str


def run_tasks(
    tasks: Iterable[T],
    work: Callable[[T], Result],
    *,
    jobs: int = 1,
    timeout: float = 0,
    scheduler: str | None = None,
    warm_up: Callable[[], object] | None = None,
) -> Iterator[tuple[T, Result | Failure]]:
    """`work(task)` for every task: in this process (one job, no time limit), in `jobs`
    local worker processes, or on the Dask scheduler at `scheduler`.

    `work`, `warm_up` and the tasks must pickle (module-level functions, partials).
    `warm_up` runs once in each local worker before its first task (building the
    pipeline), so it does not count against the first file's time.
    """
    if scheduler is not None:
        yield from _on_dask(tasks, work, scheduler, timeout)
    elif jobs == 1 and not timeout:
        for task in tasks:
            yield task, work(task)
    else:
        yield from _in_workers(tasks, work, jobs, timeout, warm_up)


# -- local worker processes ---------------------------------------------------------------------

def _in_workers(tasks: Iterable[T], work: Callable[[T], Result], jobs: int, timeout: float,
                warm_up: Callable[[], object] | None) -> Iterator[tuple[T, Result | Failure]]:
    pool = _worker_pool(jobs, warm_up)
    pending: dict[futures.Future, T] = {}
    todo = iter(tasks)
    finished = False
    try:
        while True:
            # A few tasks queued per worker: a free worker never waits for this loop.
            for task in itertools.islice(todo, 2 * jobs - len(pending)):
                pending[pool.schedule(work, (task,), timeout=timeout or None)] = task
            if not pending:
                break
            done, _ = futures.wait(pending, POLL, return_when=futures.FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), _local_result(future, timeout)
        finished = True
    finally:
        if not finished:  # interrupted (Ctrl-C, an error here): stop its tasks now
            _drop_pool()


_POOL: dict[str, Any] = {}  # "key", "pool": the worker pool kept between runs


def _worker_pool(jobs: int, warm_up: Callable[[], object] | None) -> Any:
    """Workers for `jobs` tasks at a time. Kept between runs with the same settings (as
    joblib keeps its executor): a second run in a notebook or a test session starts on
    warm workers, the pipeline built; the interpreter stops them when it exits."""
    # pebble's pool kills a task's worker when the task overruns and starts another:
    # the per-task limit that joblib/loky and concurrent.futures lack.
    from pebble import ProcessPool

    key = (jobs, pickle.dumps(warm_up))
    pool = _POOL.get("pool")
    if pool is not None and _POOL["key"] == key and pool.active:
        return pool
    _drop_pool()
    pool = ProcessPool(max_workers=jobs, initializer=init_worker,
                       initargs=(os.getpid(), warm_up),
                       context=multiprocessing.get_context("spawn"))
    _POOL.update(key=key, pool=pool)
    return pool


def _drop_pool() -> None:
    pool = _POOL.pop("pool", None)
    if pool is not None:
        pool.stop()
        pool.join()


def _local_result(future: futures.Future, timeout: float) -> Result | Failure:
    from pebble import ProcessExpired

    try:
        return future.result()
    except futures.TimeoutError:
        return Failure("Timeout", f"took longer than {timeout:g} s")
    except ProcessExpired as err:
        return Failure("WorkerDied", f"the worker process died while tagging it "
                                     f"(exit code {err.exitcode})")
    except Exception as err:  # work() reports bad input itself; this is anything else
        return Failure(type(err).__name__, f"unexpected {type(err).__name__} while tagging")


def init_worker(run_pid: int, warm_up: Callable[[], object] | None) -> None:
    """First thing in each worker process: die with the run, then build what tasks share."""
    die_with_parent(run_pid)
    if warm_up is not None:
        # A failure (e.g. a model that does not load) is reported by each task instead.
        with contextlib.suppress(Exception):
            warm_up()


def die_with_parent(run_pid: int) -> None:
    """End this process when its parent, the run, ends, even by `kill -9` (which runs no
    cleanup in the run)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            # A parent that died before the call sends no signal: look once ourselves.
            if os.getppid() != parent or not pid_alive(run_pid):
                os._exit(1)
            return
    threading.Thread(target=_watch_parent, args=(parent, run_pid), daemon=True,
                     name="mbt-watch-parent").start()


def _watch_parent(parent: int, run_pid: int) -> None:
    while os.getppid() == parent and pid_alive(run_pid):
        time.sleep(0.5)
    os._exit(1)


# -- Dask ---------------------------------------------------------------------------------------

def no_scheduler(address: str) -> UsageError:
    return UsageError(
        f"no Dask scheduler answered at {address}: check that the scheduler is running "
        f"(dask scheduler), that the address and port are the ones it printed "
        f"(e.g. tcp://10.0.0.5:{DASK_PORT}) and that no firewall blocks the port")


def check_scheduler(address: str) -> None:
    """A `UsageError` within seconds when nothing listens at a TCP scheduler address
    (the Dask client itself would retry for 30 s and end in a traceback)."""
    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location, default_port=DASK_PORT)
    except ValueError:
        raise UsageError(f"not a Dask scheduler address: {address!r} "
                         f"(e.g. tcp://10.0.0.5:{DASK_PORT})") from None
    if scheme not in ("tcp", "tls"):
        return  # inproc://, ucx://: left to the client
    try:
        socket.create_connection((host, port), timeout=CONNECT_WAIT).close()
    except OSError:
        raise no_scheduler(address) from None


def _on_dask(tasks: Iterable[T], work: Callable[[T], Result], address: str,
             timeout: float) -> Iterator[tuple[T, Result | Failure]]:
    """Dask cannot stop a task that runs: an overrunning file is reported when its time is
    up (counted from when it was handed over, at most one per worker thread) and its
    outputs are discarded; the task itself ends on the worker in its own time (and what
    it writes after the run has ended, the next run into the directory removes)."""
    from distributed import Client, wait

    try:
        client = Client(address, timeout=CONNECT_WAIT * 2)  # default: `wait` uses it
    except (OSError, *TIMEOUTS):
        raise no_scheduler(address) from None
    with client:
        workers = client.scheduler_info().get("workers", {}).values()
        slots = max(1, sum(w.get("nthreads", 1) for w in workers))
        pending: dict[Any, tuple[T, float]] = {}
        todo = iter(tasks)
        while True:
            for task in itertools.islice(todo, slots - len(pending)):
                deadline = time.monotonic() + timeout if timeout else math.inf
                pending[client.submit(work, task, pure=False)] = (task, deadline)
            if not pending:
                break
            first = min(deadline for _, deadline in pending.values())
            wait_for = min(POLL, max(0.05, first - time.monotonic()))
            try:
                done, _ = wait(list(pending), timeout=wait_for, return_when="FIRST_COMPLETED")
            except TIMEOUTS:
                done = set()
            for future in done:
                yield pending.pop(future)[0], _dask_result(future)
            now = time.monotonic()
            for future, (task, deadline) in list(pending.items()):
                if deadline <= now:
                    del pending[future]
                    future.release()
                    yield task, Failure("Timeout", f"took longer than {timeout:g} s")


def _dask_result(future: Any) -> Result | Failure:
    try:
        return future.result()
    except Exception as err:  # e.g. KilledWorker: the worker died on it
        return Failure(type(err).__name__, f"unexpected {type(err).__name__} on the Dask "
                                           "cluster while tagging")

"""Where the tasks run: serially here, on a LocalCluster, or on an existing Dask scheduler.

``Runner`` hides the difference: ``share`` an input once (``client.scatter``, broadcast to every
worker), ``submit`` tasks, and iterate ``as_completed`` outcomes. Serially the same calls run in
order in this process, so ``--workers 1`` and a minimal install without Dask give the same
results by the same code path.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from planner.errors import PlannerError

#: Dask retries a task whose worker died (never one that raised): twice, then it is reported.
RETRIES = 2


def dask_available() -> bool:
    """Whether the optional ``scale`` extra (dask[distributed]) is installed."""
    return importlib.util.find_spec("distributed") is not None


def default_workers() -> int:
    """Worker processes for a LocalCluster: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class TaskOutcome:
    """One task's end: its key, the value (a task's own return) or the error that ended it."""

    key: Any
    value: Any = None
    error: str | None = None


class Runner:
    """Run independent tasks serially, on a LocalCluster or on the scheduler at ``scheduler``.

    Use as a context manager; ``serial`` says which it is. A LocalCluster binds to loopback
    (scheduler, workers and dashboard), one thread per worker process, as the engine is
    single-threaded Python and HiGHS runs one solve per process.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 dashboard: bool = True) -> None:
        self.workers = default_workers() if workers is None else workers
        self.scheduler = scheduler
        self.dashboard = dashboard
        self.client: Any = None
        self.cluster: Any = None
        self.dashboard_link: str | None = None
        self.n_workers = 1
        self._serial_queue: list[tuple[Any, Callable[..., Any], tuple[Any, ...]]] = []
        #: future key -> (task key, future, fn, args, resubmissions)
        self._futures: dict[Any, tuple[Any, Any, Callable[..., Any], tuple[Any, ...], int]] = {}
        self._shared: dict[Any, Any] = {}
        self.resubmitted = 0
        if self.workers < 1:
            raise PlannerError("--workers must be 1 or more")
        if scheduler is None and self.workers == 1:
            self.serial = True
        elif not dask_available():
            if scheduler is not None:
                raise PlannerError("--scheduler needs Dask: pip install "
                                   "'dr-contract-planner[scale]'")
            self.serial = True
        else:
            self.serial = False

    def __enter__(self) -> Runner:
        if self.serial:
            return self
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                self.client = Client(self.scheduler, timeout="10s")
            except OSError as exc:
                raise PlannerError(f"cannot reach the Dask scheduler at {self.scheduler}: "
                                   f"{exc}") from None
            self.n_workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        else:
            dash = "127.0.0.1:0" if self.dashboard and _has_bokeh() else None
            self.cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=dash, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
            self.n_workers = self.workers
        if _has_bokeh() and self.dashboard:
            self.dashboard_link = self.client.dashboard_link
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def share(self, value: Any, broadcast: bool = True) -> Any:
        """Send an input to the workers once; tasks then take the handle instead of the value.

        ``broadcast``: a copy on every worker (what the planner shares: a worker that dies
        then loses no input, and its retried tasks find theirs elsewhere); otherwise on one
        worker, and any other worker that needs it fetches it once.
        """
        if self.serial:
            return value
        # in a list of one: scatter would send a list's (or dict's) items one by one
        (fut,) = self.client.scatter([value], broadcast=broadcast, hash=False)
        self._shared[fut.key] = value
        return fut

    def submit(self, key: Any, fn: Callable[..., Any], *args: Any) -> Any:
        """Queue ``fn(*args)`` as a task (retried on another worker if its worker dies).

        Returns the Dask future (None serially); another task may take it as an argument.
        """
        if self.serial:
            self._serial_queue.append((key, fn, args))
            return None
        return self._submit(key, fn, args, 0)

    def _submit(self, key: Any, fn: Callable[..., Any], args: tuple[Any, ...], n: int) -> Any:
        fut = self.client.submit(fn, *args, retries=RETRIES, pure=False)
        self._futures[fut.key] = (key, fut, fn, args, n)
        return fut

    def outcomes(self) -> Iterator[TaskOutcome]:
        """Each task's outcome as it finishes (serially: in submission order)."""
        if self.serial:
            while self._serial_queue:
                key, fn, args = self._serial_queue.pop(0)
                try:
                    value = fn(*args)
                except Exception as exc:  # as Dask reports a task that raised
                    yield TaskOutcome(key, error=f"{type(exc).__name__}: {exc}")
                    continue
                yield TaskOutcome(key, value)
            return
        from distributed import Future, as_completed

        done = as_completed([f[1] for f in self._futures.values()])
        for fut in done:
            if fut.key not in self._futures:  # cancelled
                continue
            key, _, fn, args, n = self._futures.pop(fut.key)
            try:  # a result on a worker that died before it was fetched fails here
                value = fut.result()
            except Exception as err:
                if _lost(err) and n < RETRIES:
                    # Dask gave the task up with its worker (or its scattered input with it):
                    # submit it again, the inputs this time shipped with the task
                    self.resubmitted += 1
                    plain = tuple(self._shared.get(a.key, a) if isinstance(a, Future) else a
                                  for a in args)
                    done.add(self._submit(key, fn, plain, n + 1))
                else:
                    yield TaskOutcome(key, error=f"{type(err).__name__}: {err}")
            else:
                yield TaskOutcome(key, value)
            fut.release()

    def cancel(self) -> int:
        """Cancel every task not finished yet (Ctrl-C); how many were cancelled."""
        n = len(self._futures) + len(self._serial_queue)
        self._serial_queue.clear()
        if self._futures and self.client is not None:
            self.client.cancel([f[1] for f in self._futures.values()])
        self._futures.clear()
        return n

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet reported."""
        return len(self._futures) + len(self._serial_queue)

    def where(self) -> str:
        """A line saying where the tasks run (and the Dask dashboard link)."""
        if self.serial:
            return "running serially in this process"
        at = self.scheduler or f"a LocalCluster of {self.n_workers} worker processes"
        link = f"; Dask dashboard {self.dashboard_link}" if self.dashboard_link else ""
        return f"running on {at}{link}"


def _lost(err: BaseException) -> bool:
    """Whether a task failed for its worker, not for its own code (then it is run again)."""
    from distributed.client import FutureCancelledError
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    return isinstance(err, FutureCancelledError | KilledWorker | CommClosedError)


def _has_bokeh() -> bool:
    return importlib.util.find_spec("bokeh") is not None


class Clock:
    """Wall time since creation, for rates and estimates."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def seconds(self) -> float:
        """Seconds elapsed."""
        return time.perf_counter() - self.t0

"""Thin helpers around highspy: a quiet solver instance and status reading."""

from __future__ import annotations

import os
import sys
import threading

import highspy
import numpy as np

INF = highspy.kHighsInf
_banner_lock = threading.Lock()
_banner_done = False


def new_highs(time_limit: float | None = None, threads: int = 1) -> highspy.Highs:
    """A HiGHS instance that prints nothing (its copyright banner goes to fd 1 once a process)."""
    global _banner_done
    with _banner_lock:
        if not _banner_done:
            sys.stdout.flush()
            saved = os.dup(1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
            _banner_done = True
        else:
            h = highspy.Highs()
    # highspy (1.16) keeps the locks of its interruptible solve (startSolve, wait) on the class,
    # shared by every instance: two solves in two threads of one process (the dashboard's
    # background plans) then see each other as "Solver is already running". Each instance
    # gets its own locks.
    h._Highs__solver_stopped = threading.RLock()  # type: ignore[attr-defined]
    h._Highs__solver_started = threading.Lock()  # type: ignore[attr-defined]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", 0)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    return h


def run_highs(h: highspy.Highs) -> highspy.HighsStatus:
    """``h.run()``, the same whatever HiGHS code ran before in this thread.

    HiGHS keeps a task scheduler per thread, sized by the ``threads`` option of the first
    solve run in that thread; a later solve asking for another count is refused at once
    (status error, model status not set: no solution, no bound). Code outside the planner
    (a plain ``highspy.Highs()`` asks for the machine's thread count) may have run first in
    this thread, e.g. in the dashboard's process or a test: then the scheduler is rebuilt
    with this model's count and the solve run again, as it would run in a fresh process.
    """
    status = h.run()
    if status == highspy.HighsStatus.kError \
            and h.getModelStatus() == highspy.HighsModelStatus.kNotset \
            and _scheduler_mismatch(int(h.getOptionValue("threads")[1])):
        highspy.Highs.resetGlobalScheduler(True)
        status = h.run()
    if status == highspy.HighsStatus.kError \
            and h.getModelStatus() == highspy.HighsModelStatus.kNotset:
        raise RuntimeError("HiGHS refused to start the solve (status error, no model status); "
                           "rerun with output_flag on to see why")
    return status


def _scheduler_mismatch(threads: int) -> bool:
    """Whether this thread's HiGHS scheduler was started with a thread count other than ours."""
    probe = new_highs(threads=threads)  # an empty model: run only checks the scheduler
    return bool(probe.run() == highspy.HighsStatus.kError)


def ivec(values: list[int]) -> np.ndarray:
    """Index array as HiGHS wants it."""
    return np.asarray(values, dtype=np.int32)


def fvec(values: list[float]) -> np.ndarray:
    """Value array as HiGHS wants it."""
    return np.asarray(values, dtype=np.float64)


def status_name(h: highspy.Highs) -> str:
    """The model status as a short lowercase word (optimal, time_limit, infeasible, ...)."""
    return h.modelStatusToString(h.getModelStatus()).lower().replace(" ", "_")


def is_optimal(h: highspy.Highs) -> bool:
    """Whether HiGHS proved optimality (not merely stopped with a solution)."""
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def run_interruptible(h: highspy.Highs) -> bool:
    """Solve in HiGHS's worker thread so Ctrl-C stops it at once; return whether it was stopped.

    The blocking ``run`` only sees Ctrl-C when it returns, which for a long MILP may be the
    whole time limit; here the solver is cancelled and its incumbent kept.
    """
    h.HandleUserInterrupt = True
    thread = h.startSolve()
    try:
        while not h.wait(0.1)[0]:
            pass
        return False
    except KeyboardInterrupt:
        h.cancelSolve()
        while not h.wait(0.1)[0]:
            pass
        thread.join()
        return True


def set_start(h: highspy.Highs, values: np.ndarray | list[float]) -> None:
    """Give HiGHS a starting solution (a MIP incumbent to prune from)."""
    warm = highspy.HighsSolution()
    warm.col_value = list(values)
    warm.value_valid = True
    h.setSolution(warm)

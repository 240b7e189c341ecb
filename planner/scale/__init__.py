"""Scale-out: the independent solves of a sweep and a batch of client estates as Dask tasks.

The engine stays single-process; this package only decides *where* each solve runs: serially in
this process (``workers=1``, or Dask not installed: it is the optional ``scale`` extra), on a
``LocalCluster`` sized to the machine's cores, or on an existing scheduler (``tcp://HOST:8786``).
"""

from planner.scale.batch import BatchResult, EstateResult, find_estates, run_batch
from planner.scale.cluster import Runner, TaskOutcome, dask_available
from planner.scale.sweep import scaled_sweep
from planner.scale.tasks import SolveResult, solve

__all__ = ["BatchResult", "EstateResult", "Runner", "SolveResult", "TaskOutcome",
           "dask_available", "find_estates", "run_batch", "scaled_sweep", "solve"]

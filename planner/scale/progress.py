"""A progress bar over tasks on stderr: done, running, failed, time left; silent when piped."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)


class TaskBar:
    """``done/total``, running and failed counts and an estimate of the time left.

    Drawn only when stderr is a terminal (and not ``quiet``); ``note`` lines (where the tasks
    run, the dashboard link, a failed estate) go to stderr unless quiet.
    """

    def __init__(self, total: int, label: str, workers: int, quiet: bool = False) -> None:
        self.total = total
        self.workers = workers
        self.quiet = quiet
        self.done = 0
        self.failed = 0
        self.console = Console(stderr=True)
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        if sys.stderr.isatty() and not quiet:
            self.progress = Progress(
                TextColumn(f"{label}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[state]}"), TimeRemainingColumn(),
                console=self.console, transient=True)

    def __enter__(self) -> TaskBar:
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task("", total=self.total, state=self._state())
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.progress is not None:
            self.progress.stop()

    def _state(self) -> str:
        left = self.total - self.done - self.failed
        return f"running {min(self.workers, left)}, failed {self.failed}"

    def advance(self, failed: bool = False) -> None:
        """One task finished (or failed)."""
        if failed:
            self.failed += 1
        else:
            self.done += 1
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=self.done + self.failed,
                                 state=self._state())

    def note(self, text: str) -> None:
        """A line for the user on stderr (above the bar), unless quiet."""
        if not self.quiet:
            self.console.print(text, highlight=False, markup=False, soft_wrap=True)

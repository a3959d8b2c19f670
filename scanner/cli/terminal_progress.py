"""The live display behind scanner.cli.progress on an interactive terminal (rich)."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column
from rich.text import Text

from scanner.cli.phase_labels import phase_label

# At most this many display updates a second: the scan calls us once per blob, and
# forwarding every call to rich would cost more than the matching it reports on.
UPDATES_PER_SECOND = 10
_MIN_INTERVAL_S = 1.0 / UPDATES_PER_SECOND


class _CountColumn(ProgressColumn):
    """`1,234/3,000` for phases with a known size; blank for the others."""

    def render(self, task: Task) -> Text:
        if task.total is None or not task.fields.get("counted"):
            return Text("")
        return Text(f"{int(task.completed):,}/{int(task.total):,}", style="progress.download")


class _RateColumn(ProgressColumn):
    """Throughput in blobs/s, computed when the task was last updated."""

    def render(self, task: Task) -> Text:
        return Text(str(task.fields.get("rate", "")), style="progress.data.speed")


class TerminalProgress:
    """A transient rich display: a spinner line per phase, a bar with throughput for blobs."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._display = Progress(
            SpinnerColumn(finished_text=Text("✓", style="green")),
            TextColumn("{task.description}", table_column=Column(no_wrap=True)),
            BarColumn(bar_width=20),
            _CountColumn(table_column=Column(no_wrap=True)),
            _RateColumn(table_column=Column(no_wrap=True)),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            refresh_per_second=UPDATES_PER_SECOND,
            # The report goes to stdout; never let the display capture it.
            redirect_stdout=False,
            redirect_stderr=False,
            get_time=clock,
        )
        self._tasks: dict[str, TaskID] = {}
        self._phase: str | None = None
        self._phase_started = 0.0
        self._last_update = float("-inf")
        self._started = False
        self._closed = False
        self.shown: tuple[str, int, int] | None = None  # the last state drawn

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = self._clock()
        finished = total > 0 and done >= total
        if phase == self._phase and not finished and now - self._last_update < _MIN_INTERVAL_S:
            return
        self._last_update = now
        self._show(phase, done, total, now)

    def close(self) -> None:
        """Erase the display and restore the cursor. Safe to call more than once."""
        if self._started and not self._closed:
            self._display.stop()
        self._closed = True

    def _show(self, phase: str, done: int, total: int, now: float) -> None:
        if self._closed:
            return
        if not self._started:
            self._display.start()
            self._started = True
        if phase != self._phase:
            self._finish_current()
            self._phase = phase
            self._phase_started = now
        description = self._description(phase, total)
        size = total if total > 0 else None
        rate = self._rate(phase, done, now - self._phase_started)
        task = self._tasks.get(phase)
        if task is None:  # add_task draws at once, so it gets the full state
            self._tasks[phase] = self._display.add_task(
                description, total=size, completed=done, counted=size is not None, rate=rate
            )
        else:
            self._display.update(
                task,
                description=description,
                total=size,
                completed=done,
                counted=size is not None,
                rate=rate,
            )
            self._display.refresh()
        self.shown = (phase, done, total)

    def _finish_current(self) -> None:
        """Tick off the phase that just ended; it stays visible until close()."""
        if self._phase is None:
            return
        task = self._tasks[self._phase]
        current = next(t for t in self._display.tasks if t.id == task)
        if current.total is None:
            self._display.update(task, total=1, completed=1)
        else:
            self._display.update(task, completed=current.total)

    @staticmethod
    def _description(phase: str, total: int) -> str:
        if phase == "scan" and total > 0:
            return f"scanning {total:,} blobs"
        return phase_label(phase)

    def _rate(self, phase: str, done: int, elapsed: float) -> str:
        if phase != "scan" or elapsed <= 0:
            return ""
        return f"{done / elapsed:,.0f} blobs/s"

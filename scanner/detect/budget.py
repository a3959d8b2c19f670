"""A time budget for matching one blob: past it, the blob is reported as not fully scanned.

The regex guard (`scanner.rules.regex_guard`) bounds what one match attempt can cost, but a regex
is tried at every position of a line or region, and a blob can be megabytes of crafted
near-misses: matching a blob must still end. Each blob gets `budget_seconds(size)` of CPU
time: a fixed allowance (`LEAKWINDOW_BLOB_SECONDS`, default 20 s, far beyond what any real
file takes) plus a second per megabyte (scaled with the allowance). CPU time, not wall
time: a loaded machine must not cut a scan short. It is enforced two ways, sharing one
`Deadline` (the first to see it pass disarms it, so a blob is stopped once):

- between regex calls: `Matcher.scan` checks the deadline before each rule, every 64 regions
  of a rule and before each decoded span, and raises `BlobTimedOut` with the matches found
  so far;
- inside one call: CPython's regex engine checks for signals every few thousand steps, so an
  interval timer (SIGALRM, in the main thread on POSIX: the blob workers, and a scan run
  inline) raises `BlobTimedOut` there once the deadline has passed.

A timed-out blob keeps the matches found before the deadline, is counted in
`stats.blobs_timed_out`, listed in `scan.incomplete` (exit code 3) and never remembered as
clean. Without the timer (another thread, or no SIGALRM) only the checks between calls
apply, and the guard's bound on a call is what limits the overrun.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from scanner.matches import Match

_SECONDS_VARIABLE = "LEAKWINDOW_BLOB_SECONDS"
DEFAULT_SECONDS = 20.0
SECONDS_PER_MIB = 1.0
_TICK_SECONDS = 0.05  # how often the timer looks at the deadline
_SETTLE_SECONDS = 0.05  # before this, a blob's matching is not worth reading the CPU clock for


class BlobTimedOut(Exception):
    """Matching a blob ran past its deadline; `matches` are those found before it."""

    def __init__(self, matches: list[Match] | None = None) -> None:
        super().__init__("matching ran past the blob's time budget")
        self.matches: list[Match] = matches or []


def base_seconds() -> float:
    """The fixed part of every blob's budget (`LEAKWINDOW_BLOB_SECONDS`, else 20 s)."""
    try:
        seconds = float(os.environ.get(_SECONDS_VARIABLE, ""))
    except ValueError:
        return DEFAULT_SECONDS
    return seconds if seconds > 0 else DEFAULT_SECONDS


def budget_seconds(size: int, base: float | None = None) -> float:
    """The CPU seconds matching a blob of `size` bytes may take: the fixed allowance (read
    from the environment unless given) plus, per megabyte, a twentieth of it (a second per
    megabyte by default)."""
    if base is None:
        base = base_seconds()
    return base + size / (1 << 20) * SECONDS_PER_MIB * base / DEFAULT_SECONDS


class Deadline:
    """When matching one blob must stop: after `seconds` of the matching thread's CPU time
    from `start()`, which `Matcher.scan` calls once screening found something to look at (the
    screening pass is linear and quick, and most blobs end there).

    A check costs a wall-clock read. The CPU clock (a system call, 1 us: more than many a
    blob's whole matching) is first read once the blob has taken `_SETTLE_SECONDS` of wall
    time, when at most that much CPU has gone into it, and then only once the wall clock is
    past the budget too (CPU time cannot run ahead of wall time)."""

    __slots__ = ("_cpu_at", "_seconds", "_settle_at", "_wall_at")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._settle_at = math.inf  # not started
        self._wall_at: float | None = math.inf
        self._cpu_at: float | None = None

    def start(self) -> None:
        """Start the clock, if it has not started (a blob matched chunk by chunk keeps
        the first start)."""
        if self._settle_at == math.inf:
            now = time.monotonic()
            self._settle_at = now + _SETTLE_SECONDS
            if self._wall_at is not None:
                self._wall_at = now + self._seconds

    def check(self) -> None:
        """Raise BlobTimedOut once, the first time this is called past the deadline."""
        now = time.monotonic()
        if now < self._settle_at:
            return
        wall_at = self._wall_at
        if wall_at is None:
            return  # already stopped: the timer must not raise again while unwinding
        if self._cpu_at is None:
            self._cpu_at = time.thread_time() + self._seconds
        if now >= wall_at and time.thread_time() >= self._cpu_at:
            self._wall_at = None
            raise BlobTimedOut()


class Watch:
    """While active (`running()`), raises BlobTimedOut in the main thread when the deadline
    of the blob being matched (`current`, None between blobs) has passed."""

    def __init__(self) -> None:
        self.current: Deadline | None = None

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        current = self.current
        if current is not None:
            current.check()

    @contextmanager
    def running(self) -> Iterator[Watch]:
        if not _timer_available():
            yield self
            return
        previous: Any = signal.signal(signal.SIGALRM, self._on_alarm)
        signal.setitimer(signal.ITIMER_REAL, _TICK_SECONDS, _TICK_SECONDS)
        try:
            yield self
        finally:
            self.current = None
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _timer_available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

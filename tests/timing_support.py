"""How much CPU time a piece of Python takes, given up on after a limit: SIGPROF interrupts
it (a regex search that backtracks for minutes is stopped in the middle), so a test that
proves a pattern is slow costs no more than the limit. CPU time, not wall time: the suite runs
on every core next to other work, and a test waiting for a core must not read as a slow
regex (wall-clock limits failed under load). Main thread only (signals), which is where
pytest and its xdist workers run tests. bench/pathological.py keeps its own copy: the
benchmarks run without the tests.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class Interrupted(Exception):
    """Raised inside the interrupted code when its time is up."""


@contextmanager
def interrupt_after(seconds: float) -> Iterator[None]:
    """Raise Interrupted in the running code after `seconds` of this process's CPU time; the
    previous handler and timer state are restored on the way out."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Interrupted()

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def seconds_capped(work: Callable[[], object], limit: float) -> float:
    """CPU seconds `work()` takes, stopped at `limit` (which is then the answer)."""
    started = time.process_time()
    try:
        with interrupt_after(limit):
            work()
    except Interrupted:
        return limit
    return time.process_time() - started

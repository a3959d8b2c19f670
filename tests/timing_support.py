"""How long a piece of Python takes, given up on after a limit: SIGALRM interrupts it (a
regex search that backtracks for minutes is stopped in the middle), so a test that proves a
pattern is slow costs no more than the limit. Main thread only (signals), which is where
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
    """Raise Interrupted in the running code after `seconds`; the previous handler and timer
    state are restored on the way out."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Interrupted()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def seconds_capped(work: Callable[[], object], limit: float) -> float:
    """How long `work()` takes, stopped at `limit` (which is then the answer)."""
    started = time.perf_counter()
    try:
        with interrupt_after(limit):
            work()
    except Interrupted:
        return limit
    return time.perf_counter() - started

"""A blob's matching time budget and the clock that enforces it (`scanner.detect.budget`).

tests/test_match_budget.py times out real scans; these tests pin the pieces in this process
and in milliseconds: how big the budget is, that it counts CPU time and not waiting, that a
deadline fires once, and that the interval timer is installed and removed cleanly.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest

from scanner.detect.budget import (
    DEFAULT_SECONDS,
    BlobTimedOut,
    Deadline,
    Watch,
    base_seconds,
    budget_seconds,
)
from scanner.matches import Match

MIB = 1 << 20


def _burn_cpu(seconds: float) -> None:
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        pass


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(None, DEFAULT_SECONDS), ("5", 5.0), ("0.5", 0.5), ("0", 20.0), ("-3", 20.0), ("x", 20.0)],
)
def test_the_fixed_allowance_comes_from_the_environment_when_it_is_a_positive_number(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: float
) -> None:
    if setting is None:
        monkeypatch.delenv("LEAKWINDOW_BLOB_SECONDS", raising=False)
    else:
        monkeypatch.setenv("LEAKWINDOW_BLOB_SECONDS", setting)
    assert base_seconds() == expected


def test_the_budget_adds_a_second_per_megabyte_scaled_with_the_allowance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert budget_seconds(0, base=20.0) == 20.0
    assert budget_seconds(MIB, base=20.0) == 21.0
    assert budget_seconds(3 * MIB, base=40.0) == 46.0
    monkeypatch.setenv("LEAKWINDOW_BLOB_SECONDS", "10")
    assert budget_seconds(2 * MIB) == 11.0


def test_a_timed_out_blob_carries_the_matches_found_before_the_deadline() -> None:
    match = Match(rule_id="r", secret=b"s", line=1, column=1)
    assert BlobTimedOut([match]).matches == [match]
    assert BlobTimedOut().matches == []
    assert "time budget" in str(BlobTimedOut())


def test_a_deadline_that_was_never_started_never_fires() -> None:
    deadline = Deadline(0.0)
    time.sleep(0.06)
    deadline.check()


def test_a_deadline_fires_once_past_its_time() -> None:
    deadline = Deadline(0.0)
    deadline.start()
    deadline.check()  # not yet settled: the clocks are not even read
    time.sleep(0.06)
    with pytest.raises(BlobTimedOut):
        deadline.check()
    deadline.check()  # stopped already: unwinding must not be interrupted again


def test_a_second_start_keeps_the_first() -> None:
    deadline = Deadline(0.0)
    deadline.start()
    time.sleep(0.06)
    deadline.start()  # a blob matched window by window starts once per window
    with pytest.raises(BlobTimedOut):
        deadline.check()


def test_a_deadline_counts_cpu_time_not_waiting() -> None:
    deadline = Deadline(0.1)
    deadline.start()
    time.sleep(0.2)  # the wall clock is past the budget; the CPU clock is not
    deadline.check()
    _burn_cpu(0.15)
    with pytest.raises(BlobTimedOut):
        deadline.check()


def test_a_deadline_waits_for_the_wall_clock_too() -> None:
    deadline = Deadline(5.0)
    deadline.start()
    _burn_cpu(0.1)
    deadline.check()  # settled, but far from the budget on either clock


def test_the_watch_interrupts_a_long_call_once_the_deadline_passes() -> None:
    previous = signal.getsignal(signal.SIGALRM)
    watch = Watch()
    with pytest.raises(BlobTimedOut), watch.running():
        deadline = Deadline(0.1)
        deadline.start()
        watch.current = deadline
        _burn_cpu(5.0)  # one long call: only the timer can stop it
    assert watch.current is None
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == previous


def test_the_watch_between_blobs_does_not_fire() -> None:
    with Watch().running():
        _burn_cpu(0.15)  # several timer ticks before any blob is matched


def test_the_watch_sets_no_timer_outside_the_main_thread() -> None:
    seen: list[object] = []

    def run() -> None:
        with Watch().running():
            seen.append(signal.getitimer(signal.ITIMER_REAL))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert seen == [(0.0, 0.0)]

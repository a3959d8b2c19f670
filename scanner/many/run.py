"""Submit one task per repository and hand each outcome back the moment it completes.

A task that raises (a source git cannot fetch, a scan that timed out or failed) is retried
by Dask up to `retries` times; a worker that dies mid-task has its task moved to another
worker by the scheduler. Either way a source that still fails becomes an error outcome and
the rest go on: nothing one repository does stops the run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from scanner.errors import LeakwindowError
from scanner.many.sources import Source
from scanner.many.task import Outcome, Previous, Settings, scan_source

if TYPE_CHECKING:
    from distributed import Client


def failure_text(exc: BaseException) -> str:
    """One line for a task that failed: our own message, or the exception's type and text."""
    if isinstance(exc, LeakwindowError):
        return str(exc)
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def scan_all(
    client: Client,
    sources: Sequence[Source],
    settings: Settings,
    previous: Mapping[str, Previous],
    retries: int,
    on_outcome: Callable[[Outcome], None],
) -> None:
    """Run every source's task on the cluster; `on_outcome` gets each as it completes.
    `previous` maps a source's display text to the digests of its last good report."""
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]  # task keys unique per run: a rerun never gets old results
    futures = {
        client.submit(
            scan_source,
            source,
            settings,
            previous.get(source.display),
            key=f"leakwindow-scan-{run}-{source.key}",
            pure=False,
            retries=retries,
        ): source
        for source in sources
    }
    for future in as_completed(futures):
        source = futures.pop(future)
        try:
            outcome: Outcome = future.result()
        except Exception as exc:
            outcome = Outcome(source, "error", error=failure_text(exc))
        future.release()
        on_outcome(outcome)

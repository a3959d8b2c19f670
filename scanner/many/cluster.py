"""The Dask client `scan-many` submits its tasks to: an existing cluster's scheduler, or a
local cluster of worker processes started for this run and stopped after it.

Dask is imported here and nowhere else the other commands reach, so neither the commit hook
nor a single-repository scan pays its start-up. Each worker runs one task at a time (one
thread): a task's scan runs in a process of its own that uses a core, and a worker with more
threads would only start more of them than there are cores.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import LeakwindowError

if TYPE_CHECKING:
    from distributed import Client

INSTALL_HINT = "scan-many needs Dask: pip install 'leakwindow[distributed]'"
_CONNECT_TIMEOUT = "20s"


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None,
    scheduler_file: Path | None = None,
    workers: int | None = None,
) -> Iterator[Client]:
    """A connected client: to `scheduler` (an address) or the one `scheduler_file` names,
    else to a new local cluster of `workers` processes (default: one per core)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise LeakwindowError(INSTALL_HINT) from None
    if scheduler is not None or scheduler_file is not None:
        where = scheduler or str(scheduler_file)
        try:
            client = Client(
                address=scheduler,
                scheduler_file=None if scheduler_file is None else str(scheduler_file),
                timeout=_CONNECT_TIMEOUT,
            )
        except (OSError, ValueError) as exc:  # TimeoutError is an OSError
            raise LeakwindowError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=workers or default_workers(),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",  # the local cluster serves no one else
        dashboard_address=None,
        # The scheduler's HTTP server (health, metrics) on any free port, not on 8787,
        # which another cluster on the machine may hold.
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.CRITICAL,
    )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()

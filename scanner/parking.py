"""Objects kept alive until the process ends, when it ends without a teardown.

Freeing a big scan's structures one object at a time (a 60,000-commit history's records and
change lists, a 100,000-blob inventory, per-commit states) takes about a tenth of a second.
A command-line run leaves with `os._exit` (scanner.entry), so it parks them here and the exit
drops them at no cost. Anything else (tests, a library caller) never enables parking: the
structures are freed as usual when a scan returns.
"""

from __future__ import annotations

_parked: list[object] | None = None


def enable() -> None:
    """Park from now on: only for a process that ends with `os._exit`."""
    global _parked
    if _parked is None:
        _parked = []


def park(*objects: object) -> None:
    """Keep `objects` alive until the process ends, if parking is enabled."""
    if _parked is not None:
        _parked.append(objects)

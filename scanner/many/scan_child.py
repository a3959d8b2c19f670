"""One repository's scan in a process of its own: `python -m scanner.many.scan_child`.

A Dask worker runs each repository's scan here rather than in its own thread, so that a
per-repository timeout can really stop it (a thread cannot be killed), a scan that runs out
of memory or crashes takes only itself down, and the scan may start its own blob workers
(a Dask worker process is a daemon, which Python forbids to have child processes). The scan
itself is the one every command uses (`scan_repository`), so each repository's report is the
one `leakwindow scan` would write.

The request comes as one JSON object on stdin; the answer is one JSON object on stdout:
`{"report": ..., "sarif": ...}` or `{"error": "one line"}`.
"""

from __future__ import annotations

import errno
import json
import os
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scanner.errors import LeakwindowError


def _exit_with_parent(parent: int) -> None:
    """End this process when the worker that started it is gone (killed, restarted): its
    answer would have no reader, and an orphaned scan would hold a core for nothing."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(70)

    threading.Thread(target=watch, daemon=True).start()


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """Scan the repository the request names; the report (and SARIF when asked) or an error."""
    from scanner.scan.service import scan_repository

    as_of = request.get("as_of")
    try:
        outcome = scan_repository(
            Path(request["path"]),
            as_of=(
                datetime.fromisoformat(as_of)
                if as_of
                else datetime.now(timezone.utc).replace(microsecond=0)
            ),
            max_blob_size=int(request["max_blob_size"]),
            engine=str(request["engine"]),
            target=str(request["target"]),
            **_verification(request.get("verify")),
        )
    except LeakwindowError as exc:
        return {"error": str(exc)}
    sarif = None
    if request.get("sarif"):
        from scanner.report.sarif import render_sarif

        sarif = render_sarif(outcome.report, outcome.pack.by_id)
    return {"report": outcome.report, "sarif": sarif}


def _verification(asked: dict[str, Any] | None) -> dict[str, Any]:
    """scan_repository's --verify arguments from the request's settings (none when not asked)."""
    if not asked:
        return {}
    from scanner.verify.model import VerifySettings

    return {"verify": True, "verify_settings": VerifySettings(**asked)}


def _limit_memory(megabytes: int | None) -> None:
    """Cap this process's address space (and its blob workers', which inherit it): a scan
    past it fails with MemoryError instead of pushing the machine into swap."""
    if megabytes is None:
        return
    import resource

    limit = megabytes << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _failure(exc: Exception, max_memory_mb: int | None) -> str:
    """The one line a failed scan sends back. Past an address-space cap, memory runs out as a
    MemoryError, as ENOMEM where the scan starts a git process, or as a thread that cannot
    start: all of them are "out of memory"."""
    capped = max_memory_mb is not None
    out_of_memory = (
        isinstance(exc, MemoryError)
        or (capped and isinstance(exc, OSError) and exc.errno == errno.ENOMEM)
        or (capped and isinstance(exc, RuntimeError) and "can't start new thread" in str(exc))
    )
    if out_of_memory:
        return f"out of memory (--max-memory {max_memory_mb} MB)"
    return f"internal error: {type(exc).__name__}"


def main() -> int:
    _exit_with_parent(os.getppid())
    request: dict[str, Any] = {}
    try:
        request = json.loads(sys.stdin.buffer.read())
        _limit_memory(request.get("max_memory_mb"))
        result = answer(request)
    except Exception as exc:  # one line back, never a traceback that could quote content
        result = {"error": _failure(exc, request.get("max_memory_mb"))}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

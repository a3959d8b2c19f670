"""Run one function in a forked child process while the parent keeps working.

The history scan has two independent halves: parsing the commit graph (git log) and
scanning blob contents (git cat-file + matching). Each is a Python process plus a git
process; running the blob half in a child uses both cores. Only the child's result (small:
matches per blob and counters) crosses back, pickled through a pipe. Progress reports from
the child are relayed to the parent's callback by a reader thread.

Where fork is unavailable (Windows, or a caller that asks for it), the function simply runs
in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from scanner.errors import LeakwindowError

T = TypeVar("T")
Progress = Callable[[str, int, int], None]

_RESULT, _PROGRESS, _ERROR = "result", "progress", "error"


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and os.name == "posix"


class Pending(Generic[T]):
    """A result that is being computed; `result()` waits for it."""

    def __init__(
        self,
        outcome: Callable[[], T],
        cleanup: Callable[[], None] = lambda: None,
    ) -> None:
        self._outcome = outcome
        self._cleanup = cleanup

    def result(self) -> T:
        try:
            return self._outcome()
        finally:
            self._cleanup()


def _child(
    connection: Connection, work: Callable[..., Any], args: tuple[Any, ...], relay: bool
) -> None:
    def report(phase: str, done: int, total: int) -> None:
        connection.send((_PROGRESS, (phase, done, total)))

    try:
        result = work(*args, report if relay else None)
        connection.send((_RESULT, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)))
    except LeakwindowError as exc:
        connection.send((_ERROR, str(exc)))
    except BaseException as exc:
        # The type and where it was raised, never the message: it could quote content.
        where = ""
        trace = exc.__traceback__
        while trace is not None and trace.tb_next is not None:
            trace = trace.tb_next
        if trace is not None:
            frame = trace.tb_frame.f_code
            where = f" at {os.path.basename(frame.co_filename)}:{trace.tb_lineno}"
        connection.send((_ERROR, f"blob scan failed: {type(exc).__name__}{where}"))
    finally:
        connection.close()


def start(
    work: Callable[..., T],
    *args: Any,
    progress: Progress | None = None,
    parallel: bool = True,
) -> Pending[T]:
    """Start `work(*args, progress)` in a child process (or inline when that is not possible).

    `work` must accept a final `progress` argument (a callback or None).
    """
    if not parallel or not fork_available():
        value = work(*args, progress)
        return Pending(lambda: value)
    context = multiprocessing.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(child_end, work, args, progress is not None), daemon=True
    )
    process.start()
    child_end.close()
    box: dict[str, Any] = {}

    def read() -> None:
        try:
            while True:
                kind, payload = parent_end.recv()
                if kind == _PROGRESS:
                    if progress is not None:
                        progress(*payload)
                    continue
                box[kind] = payload
                return
        except EOFError:
            box[_ERROR] = "blob scan stopped unexpectedly"

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def outcome() -> T:
        reader.join()
        process.join()
        if _ERROR in box:
            raise LeakwindowError(str(box[_ERROR]))
        value: T = pickle.loads(box[_RESULT])
        return value

    def cleanup() -> None:
        parent_end.close()
        if process.is_alive():
            process.terminate()

    return Pending(outcome, cleanup)

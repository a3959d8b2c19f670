"""The last word on a failure: one line on stderr and exit code 2, never a traceback.

Exit code 1 means "findings", so a crash must never end with it: a CI gate would read a
traceback as a result. A reader that goes away (`leakwindow rules list | head -2`) is no
failure: the rest of the output is thrown away and the command ends with its own status.
An unexpected exception is reported by its type and the place in leakwindow's code where it
was raised; its message is left out because it may quote a value that was being processed (a
line of a file, a secret). `LEAKWINDOW_DEBUG=1` prints the whole
traceback instead, for a bug report: such output is for the user's own eyes.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from types import TracebackType

EXIT_ERROR = 2
DEBUG_VARIABLE = "LEAKWINDOW_DEBUG"
_PACKAGE = Path(__file__).resolve().parent


def _where(trace: TracebackType | None) -> str:
    """`scanner/module.py:line` of the innermost frame in this package, or ''."""
    place = ""
    while trace is not None:
        file = Path(trace.tb_frame.f_code.co_filename)
        try:
            relative = file.resolve().relative_to(_PACKAGE.parent)
        except (OSError, ValueError):
            relative = None
        if relative is not None and relative.parts[:1] == (_PACKAGE.name,):
            place = f"{relative.as_posix()}:{trace.tb_lineno}"
        trace = trace.tb_next
    return place


def internal_error(exc: BaseException) -> int:
    """Report an exception nobody expected; returns the exit code (2)."""
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    where = _where(exc.__traceback__)
    line = (
        f"leakwindow: internal error: {name}{f' at {where}' if where else ''} "
        f"(a bug in leakwindow; set {DEBUG_VARIABLE}=1 to see the traceback)\n"
    )
    try:
        if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
            import traceback

            traceback.print_exception(kind, exc, exc.__traceback__, file=sys.stderr)
        sys.stderr.write(line)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr itself is gone: the exit code still says what happened
    return EXIT_ERROR


class OutputLost(Exception):
    """Standard output could not be written: the report did not (all) arrive."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause.strerror or type(cause).__name__)
        self.cause = cause


def write_standard_output(text: str) -> None:
    """Write to stdout; OutputLost when it cannot be written (a reader that went away is
    not an error: see `standard_output_failed`)."""
    try:
        sys.stdout.write(text)
    except OSError as exc:
        standard_output_failed(exc)


def flush_standard_output() -> None:
    """Flush stdout now, so that a failure to write it surfaces while it can be reported
    (OutputLost); at interpreter exit it would be too late."""
    try:
        sys.stdout.flush()
    except OSError as exc:
        standard_output_failed(exc)
    except ValueError:  # stdout was closed: nothing is waiting in it
        pass


def standard_output_failed(exc: OSError) -> None:
    """Writing stdout failed. A closed pipe means the reader has all it wanted (`| head`):
    the rest goes to the null device, as the Python documentation recommends for
    BrokenPipeError, and the command carries on to its own exit status (a scan with findings
    still exits 1). Anything else (a full disk) lost the output: OutputLost."""
    if exc.errno != errno.EPIPE:
        raise OutputLost(exc) from None
    discard_standard_output()


def discard_standard_output() -> None:
    """Point stdout at the null device, so neither later writes nor the final flush fail."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
    except (OSError, ValueError, AttributeError):  # no file descriptor behind stdout
        pass


def standard_output_reader_gone() -> bool:
    """True when stdout is a pipe whose reading end is closed (`| head` has exited)."""
    try:
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), no descriptor
        return False


def standard_output_is_null() -> bool:
    """True when stdout is the null device (where rich points it when its reader leaves)."""
    try:
        here, null = os.fstat(sys.stdout.fileno()), os.stat(os.devnull)
    except (AttributeError, OSError, ValueError):
        return False
    return (here.st_dev, here.st_ino) == (null.st_dev, null.st_ino)


def output_lost(exc: OSError) -> int:
    """The report did not arrive (a full disk, or a pipe that closed before the command could
    finish): an error whatever the findings, exit 2. A closed pipe needs no message; anything
    else gets one line."""
    if exc.errno != errno.EPIPE:
        try:
            reason = exc.strerror or type(exc).__name__
            sys.stderr.write(f"leakwindow: error: cannot write to standard output: {reason}\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
    return EXIT_ERROR

"""Progress display on stderr for long scans: one line per phase, erased when the scan ends.

The scanner reports progress as `progress(phase, done, total)`. On an interactive terminal
that drives a transient rich display; anywhere else (a pipe, a file, CI logs, `--quiet`,
TERM=dumb) it is a no-op, so piped output never carries escape codes. rich is imported only
when a display is drawn (scanner.cli.terminal_progress): a quiet rescan should not pay for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from scanner.cli.phase_labels import phase_label

if TYPE_CHECKING:
    from scanner.cli.terminal_progress import TerminalProgress


class NullProgress:
    """Progress for pipes, files and `--quiet`: accepts every call and draws nothing."""

    def __call__(self, phase: str, done: int, total: int) -> None:
        return None

    def close(self) -> None:
        return None


def make_progress(
    enabled: bool,
    stream: TextIO | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> NullProgress | TerminalProgress:
    """A live display on `stream` (stderr by default) when it is an interactive terminal and
    `enabled` (pass `not quiet`); otherwise a no-op with the same methods."""
    target = sys.stderr if stream is None else stream
    if not enabled or not _is_tty(target):
        return NullProgress()
    from rich.console import Console

    from scanner.cli.terminal_progress import TerminalProgress

    console = Console(file=target)
    if not console.is_interactive:  # TERM=dumb and friends cannot move the cursor
        return NullProgress()
    return TerminalProgress(console, clock)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or file-like objects without a terminal
        return False


def phase_timings_text(phases: dict[str, float]) -> str:
    """`--verbose`: how long each phase took, in the order they ran, with their share."""
    if not phases:
        return "phase timings: none recorded\n"
    total = sum(phases.values())
    labels = {name: phase_label(name) for name in phases}
    width = max(len("total"), *(len(label) for label in labels.values()))
    lines = ["phase timings:"]
    for name, seconds in phases.items():
        share = f"  {seconds / total:4.0%}" if total > 0 else ""
        lines.append(f"  {labels[name]:<{width}}  {seconds:8.3f} s{share}")
    lines.append(f"  {'total':<{width}}  {total:8.3f} s")
    return "\n".join(lines) + "\n"

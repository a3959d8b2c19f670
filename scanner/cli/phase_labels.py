"""Human names of the scan's phases, shared by the live display and `--verbose` timings.

A leaf module: scanner.cli.progress (light, no rich) and scanner.cli.terminal_progress (rich) both
read these, and neither may import the other's way back.
"""

from __future__ import annotations

PHASE_LABELS: dict[str, str] = {
    "history": "reading history",
    "scan": "scanning blobs",
    "blobs": "scanning blobs",
    "windows": "computing windows",
    "verify": "verifying keys",
    "saved result": "reusing the saved result",
}


def phase_label(phase: str) -> str:
    return PHASE_LABELS.get(phase, phase)

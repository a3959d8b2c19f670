"""When a command fails: the blocking policy `scan`, `staged` and `pre-push` share, and the
--fail-on / --exit-zero definitions that the typer command line and the argparse hook path
both use.

Exit codes: 0 nothing blocks; 1 a finding at or above --fail-on blocks (with --fail-on-live:
a live key); 2 an error (decided by the command lines, never here); 3 nothing blocks but the
answer is incomplete. --exit-zero reports without failing.

The commit hook imports this module at start-up: it needs nothing but the standard library,
scanner.errors and scanner.severity (the verification verdicts load only for --fail-on-live).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.confidence import CONFIDENCES, DEFAULT_MIN_CONFIDENCE, Confidence, is_confidence
from scanner.errors import LeakwindowError
from scanner.severity import LOWEST, SEVERITIES, Severity, at_least, is_severity

EXIT_CLEAN = 0
EXIT_BLOCKED = 1
EXIT_INCOMPLETE = 3

# --fail-on and --exit-zero as every command line offers them.
FAIL_ON_CHOICES: tuple[Severity, ...] = SEVERITIES
FAIL_ON_DEFAULT: Severity = LOWEST
EXIT_ZERO_HELP = "Always exit 0 when the scan completes."
# --min-confidence as every command line offers it: less sure findings are left out of the
# report and the exit status (and counted in a note).
MIN_CONFIDENCE_DEFAULT: Confidence = DEFAULT_MIN_CONFIDENCE
MIN_CONFIDENCE_HELP = (
    f"Least sure findings to report and fail on: {'|'.join(CONFIDENCES)} "
    f"(default {DEFAULT_MIN_CONFIDENCE})."
)


def fail_on_help(outcome: str) -> str:
    """--fail-on's help: "Lowest severity that `outcome`: critical..low."."""
    return f"Lowest severity that {outcome}: {SEVERITIES[0]}..{SEVERITIES[-1]}."


def check_fail_on(value: str) -> Severity:
    """A --fail-on value as a severity, or the one-line error every command gives."""
    if is_severity(value):
        return value
    raise LeakwindowError(f"bad --fail-on {value!r}: choose one of {', '.join(FAIL_ON_CHOICES)}")


def check_min_confidence(value: str) -> Confidence:
    """A --min-confidence value as a grade, or the one-line error every command gives."""
    if is_confidence(value):
        return value
    raise LeakwindowError(f"bad --min-confidence {value!r}: choose one of {', '.join(CONFIDENCES)}")


class BlockingPolicy:
    """What makes a command fail, from its --fail-on, --exit-zero and --fail-on-live.

    A plain class, not a dataclass: building a dataclass costs the commit hook about a
    millisecond of start-up."""

    __slots__ = ("exit_zero", "fail_on", "fail_on_live")

    def __init__(
        self,
        fail_on: Severity = FAIL_ON_DEFAULT,
        *,
        exit_zero: bool = False,
        fail_on_live: bool = False,
    ) -> None:
        self.fail_on = fail_on
        self.exit_zero = exit_zero
        # Only a live key fails (and one that could not be checked leaves the answer
        # incomplete); --fail-on then does not apply.
        self.fail_on_live = fail_on_live

    def blocks(self, severity: str) -> bool:
        """A finding of this severity blocks (whatever --exit-zero says)."""
        return at_least(severity, self.fail_on)

    def blocking_findings(self, findings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """A report's findings that block: not suppressed, at or above --fail-on."""
        return [f for f in findings if not f.get("suppressed") and self.blocks(f["severity"])]

    def exit_code(self, *, blocking: bool, incomplete: bool = False) -> int:
        if self.exit_zero:
            return EXIT_CLEAN
        if blocking:
            return EXIT_BLOCKED
        return EXIT_INCOMPLETE if incomplete else EXIT_CLEAN

    def report_exit_code(self, report: Mapping[str, Any]) -> int:
        """A history scan's exit code: incomplete when the scan could not read everything
        the repository names (unreadable objects, refs to missing objects, blobs missing or
        not available locally, blobs past the time budget)."""
        if self.exit_zero:  # the findings are not even looked at
            return EXIT_CLEAN
        incomplete = bool(report["scan"].get("incomplete"))
        if not self.fail_on_live:
            blocking = bool(self.blocking_findings(report["findings"]))
            return self.exit_code(blocking=blocking, incomplete=incomplete)
        # Findings whose rules have no verification endpoint are outside the live gate (the
        # report says so); a key whose check errored or never ran may be live: not a pass.
        from scanner.report.verdict import LIVE, NOT_CHECKED, verification_state

        states = {verification_state(f) for f in report["findings"] if not f.get("suppressed")}
        return self.exit_code(
            blocking=LIVE in states, incomplete=incomplete or NOT_CHECKED in states
        )

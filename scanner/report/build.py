"""Turn a scan result into the JSON report dict (schema leakwindow.report/1; see
docs/report-format.md).

Every renderer works from this dict, so a saved JSON report renders exactly like a fresh scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scanner import __version__
from scanner.model import Finding, Window
from scanner.report.verdict import LIVE, NOT_CHECKED, verdict, verification_state
from scanner.rules.pack import Rule

SCHEMA = "leakwindow.report/1"


def _window(window: Window) -> dict[str, Any]:
    return {
        "ref": window.ref,
        "opened": {"sha": window.opened.sha, "committed_at": window.opened.committed_at},
        "closed": (
            {"sha": window.closed.sha, "committed_at": window.closed.committed_at}
            if window.closed
            else None
        ),
        "days": window.days,
        "opened_at_boundary": window.opened_at_boundary,
        "opened_after_as_of": window.opened_after_as_of,
        "closed_after_as_of": window.closed_after_as_of,
    }


def finding_dict(finding: Finding, rules: Mapping[str, Rule]) -> dict[str, Any]:
    first = finding.first_commit
    lead = rules.get(finding.rules[0])
    return {
        "fingerprint": finding.fingerprint,
        "rules": list(finding.rules),
        "title": finding.title,
        "severity": finding.severity,
        "secret_preview": finding.secret_preview,
        "remediation": lead.remediation if lead else "",
        "decoded": finding.decoded,
        "verification": {
            "status": finding.verification.status,
            "detail": finding.verification.detail,
            "checked_at": finding.verification.checked_at,
        },
        "first_commit": (
            {
                "sha": first.sha,
                "committed_at": first.committed_at,
                "authored_at": first.authored_at,
                "author": first.author,
                "path": first.path,
                "line": first.line,
                "at_shallow_boundary": first.at_shallow_boundary,
            }
            if first
            else None
        ),
        "locations": [
            {"commit": loc.commit, "path": loc.path, "line": loc.line, "column": loc.column}
            for loc in finding.locations
        ],
        "windows": [_window(window) for window in finding.windows],
        "in_head": finding.in_head,
        "reachable_from": list(finding.reachable_from),
        "dangling": finding.dangling,
        "suppressed": finding.suppressed,
    }


def build_report(
    *,
    target: str,
    mode: str,
    head_ref: str | None,
    head_sha: str | None,
    refs: list[str],
    as_of: datetime,
    seconds: float,
    stats: Mapping[str, int],
    findings: list[Finding],
    rules: Mapping[str, Rule],
) -> dict[str, Any]:
    rendered = [finding_dict(finding, rules) for finding in findings]
    return {
        "schema": SCHEMA,
        "tool": {"name": "leakwindow", "version": __version__},
        "scan": {
            "target": target,
            "mode": mode,
            "head": {"ref": head_ref, "sha": head_sha},
            "refs": refs,
            "as_of": as_of.isoformat(),
            "seconds": seconds,
            "stats": dict(stats),
        },
        "findings": rendered,
        "summary": summarize(rendered),
    }


def summarize(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts over the findings the report shows (suppressed ones only counted as such)."""
    active = [f for f in findings if not f.get("suppressed")]
    return {
        "findings": len(active),
        "in_head": sum(1 for f in active if f.get("in_head")),
        "live": sum(1 for f in active if verification_state(f) == LIVE),
        "not_checked": sum(1 for f in active if verification_state(f) == NOT_CHECKED),
        "longest_days": max(
            (w["days"] for f in active for w in f.get("windows") or []), default=0.0
        ),
        "suppressed": len(findings) - len(active),
    }


def finish_report(report: dict[str, Any]) -> None:
    """(Re)compute what a report derives from its findings and scan facts: each finding's
    verdict, the summary and the notes. Called once a scan's report is complete, and again
    after --only-live drops findings."""
    head_ref = (report["scan"].get("head") or {}).get("ref")
    for finding in report["findings"]:
        said = verdict(finding, head_ref)
        finding["verdict"] = {"kind": said.kind, "text": said.text}
    report["summary"] = summarize(report["findings"])
    report["scan"]["notes"] = report_notes(report)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def report_notes(report: dict[str, Any]) -> list[dict[str, str]]:
    """What a reader must know to trust the numbers, one note each; every format shows them
    (SARIF as tool notifications) and the command line repeats them on stderr."""
    scan = report["scan"]
    active = [f for f in report["findings"] if not f.get("suppressed")]
    notes: list[dict[str, str]] = []
    boundary = scan.get("shallow_boundary") or []
    if boundary:
        notes.append(
            {
                "kind": "shallow_clone",
                "message": (
                    f"shallow clone (history cut at {_plural(len(boundary), 'boundary commit')}): "
                    "first commits, their authors and window starts at the boundary are lower "
                    "bounds - a secret may be older and added by someone else; fetch the whole "
                    "history (git fetch --unshallow) for exact answers"
                ),
            }
        )
    windows = [w for f in report["findings"] for w in f.get("windows") or []]
    opened_after = sum(1 for w in windows if w.get("opened_after_as_of"))
    closed_after = sum(1 for w in windows if w.get("closed_after_as_of"))
    if opened_after or closed_after:
        parts = []
        if opened_after:
            parts.append(f"{_plural(opened_after, 'window')} opened after it (0 days counted)")
        if closed_after:
            parts.append(f"{_plural(closed_after, 'window')} closed after it (counted up to it)")
        notes.append(
            {
                "kind": "as_of_before_history",
                "message": (
                    f"--as-of {scan.get('as_of')} is earlier than part of the history: "
                    f"{' and '.join(parts)}; days are exposure as of that date"
                ),
            }
        )
    unchecked = [f for f in active if verification_state(f) == NOT_CHECKED]
    if unchecked:
        reasons = sorted(
            {(f.get("verification") or {}).get("detail") or "no reason given" for f in unchecked}
        )
        notes.append(
            {
                "kind": "verification_incomplete",
                "message": (
                    f"{_plural(len(unchecked), 'key')} could not be checked with the provider "
                    f"({', '.join(reasons[:3])}{', ...' if len(reasons) > 3 else ''}): "
                    f"treat {'it' if len(unchecked) == 1 else 'them'} as possibly live"
                ),
            }
        )
    hidden = (scan.get("only_live") or {}).get("hidden", 0)
    if hidden:
        notes.append(
            {
                "kind": "only_live",
                "message": (
                    f"--only-live: {_plural(hidden, 'finding')} not shown (verified invalid, "
                    "without a verification endpoint, or suppressed)"
                ),
            }
        )
    return notes

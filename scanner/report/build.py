"""Turn a scan result into the JSON report dict (schema leakwindow.report/1, see DESIGN.md).

Every renderer works from this dict, so a saved JSON report renders exactly like a fresh scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scanner import __version__
from scanner.model import Finding, Window
from scanner.rules import Rule

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
    active = [f for f in rendered if not f["suppressed"]]
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
        "summary": {
            "findings": len(active),
            "in_head": sum(1 for f in active if f["in_head"]),
            "live": sum(1 for f in active if f["verification"]["status"] == "live"),
            "longest_days": max((w["days"] for f in active for w in f["windows"]), default=0.0),
            "suppressed": len(rendered) - len(active),
        },
    }

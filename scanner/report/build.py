"""Build the JSON report (schema leakwindow.report/1, its shape typed in document.py; see
docs/report-format.md) from a scan's facts and findings.

The one place a report is made, in one pass: the findings arrive final (baseline
suppression marked, verified, days counted at --as-of), --only-live leaves out what it does
not show, and only then are the verdicts, the summary and the notes computed, once, from the
findings the report shows, so no count can describe findings that are not there. Every
renderer works from this document, so a saved JSON report renders exactly like a fresh scan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from scanner import __version__
from scanner.confidence import Confidence, at_least_as_sure
from scanner.model import Finding, Window
from scanner.report import document
from scanner.report.document import REPORT_SCHEMA, Note, Report, Scan, Stats, Summary
from scanner.report.scope import plural
from scanner.report.verdict import LIVE, NOT_CHECKED, check_state, verdict, verification_state
from scanner.rules.pack import Rule
from scanner.severity import LOWEST, Severity, at_least


@dataclass(frozen=True)
class ScanFacts:
    """What a scan found out besides its findings: the report's `scan` section."""

    target: str
    head_ref: str | None
    head_sha: str | None
    refs: tuple[str, ...]
    as_of: datetime
    seconds: float
    stats: Stats
    engine: str
    cache: str  # how the incremental cache answered
    gitlinks: tuple[str, ...]  # submodules: listed, not followed
    shallow_boundary: tuple[str, ...]
    partial_clone: bool
    alternates: tuple[str, ...]  # object directories borrowed from
    incomplete: tuple[str, ...]
    phases: Mapping[str, float]
    range: str | None = None  # range mode: what was scanned ("A..B" or "pushed commits")
    contacted: Mapping[str, int] | None = None  # --verify: requests per provider host


def build_report(
    facts: ScanFacts,
    findings: Sequence[Finding],
    rules: Mapping[str, Rule],
    *,
    only_live: bool = False,
    min_confidence: Confidence = "low",
    fail_on: Severity = LOWEST,
) -> Report:
    """The report of `findings`, in the order given, less sure than `min_confidence` left
    out (`scan.min_confidence` says how many); with `only_live`, of the keys that are live
    or could not be checked (they may be live), and `scan.only_live` says how many findings
    are left out."""
    sure = [f for f in findings if at_least_as_sure(f.confidence, min_confidence)]
    unsure = len(findings) - len(sure)
    shown = [f for f in sure if _live_or_unchecked(f)] if only_live else sure
    hidden = len(sure) - len(shown) if only_live else None
    entries = [finding_entry(finding, rules, facts.head_ref) for finding in shown]
    scan = _scan_section(facts)
    scan["min_confidence"] = {"level": min_confidence, "hidden": unsure}
    scan["notes"] = report_notes(scan, entries, hidden, unsure=unsure)
    if hidden is not None:
        scan["only_live"] = {"hidden": hidden}
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": "leakwindow", "version": __version__},
        "scan": scan,
        "findings": entries,
        "summary": summarize(entries, fail_on),
    }


def _live_or_unchecked(finding: Finding) -> bool:
    """What --only-live keeps: a key found live, or one whose check errored or never ran."""
    state = check_state(finding.verification.status, finding.verification.detail)
    return not finding.suppressed and state in (LIVE, NOT_CHECKED)


def _scan_section(facts: ScanFacts) -> Scan:
    scan: Scan = {
        "target": facts.target,
        "mode": "history" if facts.range is None else "range",
        "head": {"ref": facts.head_ref, "sha": facts.head_sha},
        "refs": list(facts.refs),
        "as_of": facts.as_of.isoformat(),
        "seconds": facts.seconds,
        "stats": facts.stats.copy(),
    }
    if facts.range is not None:
        scan["range"] = facts.range
    if facts.contacted is not None:
        scan["verification"] = {"contacted": dict(sorted(facts.contacted.items()))}
    scan["engine"] = facts.engine
    scan["cache"] = facts.cache
    scan["gitlinks"] = list(facts.gitlinks)
    scan["shallow_boundary"] = list(facts.shallow_boundary)
    scan["partial_clone"] = facts.partial_clone
    scan["alternates"] = list(facts.alternates)
    scan["incomplete"] = list(facts.incomplete)
    scan["phases"] = dict(facts.phases)
    return scan


def _window(window: Window) -> document.Window:
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


def finding_entry(
    finding: Finding, rules: Mapping[str, Rule], head_ref: str | None
) -> document.Finding:
    """One finding of the report, with its verdict (which reads the entry itself)."""
    first = finding.first_commit
    lead = rules.get(finding.rules[0])
    entry: document.Finding = {
        "fingerprint": finding.fingerprint,
        "rules": list(finding.rules),
        "title": finding.title,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "context": finding.context,
        "secret_preview": finding.secret_preview,
        "context_line": finding.context_line,
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
    said = verdict(entry, head_ref)
    entry["verdict"] = {"kind": said.kind, "text": said.text}
    return entry


def summarize(findings: Sequence[document.Finding], fail_on: Severity = LOWEST) -> Summary:
    """Counts over the findings the report shows (suppressed ones only counted as such). The
    longest exposure is that of the findings that fail the run (at or above `fail_on`), so a
    headline is not set by a finding the run lets pass; of all shown when none fails."""
    active = [f for f in findings if not f["suppressed"]]
    failing = [f for f in active if at_least(f["severity"], fail_on)] or active
    return {
        "findings": len(active),
        "in_head": sum(1 for f in active if f["in_head"]),
        "live": sum(1 for f in active if verification_state(f) == LIVE),
        "not_checked": sum(1 for f in active if verification_state(f) == NOT_CHECKED),
        "longest_days": max((w["days"] for f in failing for w in f["windows"]), default=0.0),
        "suppressed": len(findings) - len(active),
    }


def report_notes(
    scan: Scan, findings: Sequence[document.Finding], hidden: int | None, *, unsure: int = 0
) -> list[Note]:
    """What a reader must know to trust the numbers, one note each; every format shows them
    (SARIF as tool notifications) and the command line repeats them on stderr. `hidden`:
    how many findings --only-live left out (None without it); `unsure`: how many were less
    sure than --min-confidence."""
    active = [f for f in findings if not f["suppressed"]]
    notes: list[Note] = []
    boundary = scan.get("shallow_boundary") or []
    if boundary:
        notes.append(
            {
                "kind": "shallow_clone",
                "message": (
                    f"shallow clone (history cut at {plural(len(boundary), 'boundary commit')}): "
                    "first commits, their authors and window starts at the boundary are lower "
                    "bounds - a secret may be older and added by someone else; fetch the whole "
                    "history (git fetch --unshallow) for exact answers"
                ),
            }
        )
    windows = [w for f in findings for w in f["windows"]]
    opened_after = sum(1 for w in windows if w.get("opened_after_as_of"))
    closed_after = sum(1 for w in windows if w.get("closed_after_as_of"))
    if opened_after or closed_after:
        parts = []
        if opened_after:
            parts.append(f"{plural(opened_after, 'window')} opened after it (0 days counted)")
        if closed_after:
            parts.append(f"{plural(closed_after, 'window')} closed after it (counted up to it)")
        notes.append(
            {
                "kind": "as_of_before_history",
                "message": (
                    f"--as-of {scan['as_of']} is earlier than part of the history: "
                    f"{' and '.join(parts)}; days are exposure as of that date"
                ),
            }
        )
    unchecked = [f for f in active if verification_state(f) == NOT_CHECKED]
    if unchecked:
        reasons = sorted({f["verification"]["detail"] or "no reason given" for f in unchecked})
        notes.append(
            {
                "kind": "verification_incomplete",
                "message": (
                    f"{plural(len(unchecked), 'key')} could not be checked with the provider "
                    f"({', '.join(reasons[:3])}{', ...' if len(reasons) > 3 else ''}): "
                    f"treat {'it' if len(unchecked) == 1 else 'them'} as possibly live"
                ),
            }
        )
    if unsure:
        scan_level = scan.get("min_confidence", {}).get("level", "medium")
        notes.append(
            {
                "kind": "min_confidence",
                "message": (
                    f"{plural(unsure, 'finding')} less sure than --min-confidence "
                    f"{scan_level} not shown (--min-confidence low shows every finding)"
                ),
            }
        )
    if hidden:
        notes.append(
            {
                "kind": "only_live",
                "message": (
                    f"--only-live: {plural(hidden, 'finding')} not shown (verified invalid, "
                    "without a verification endpoint, or suppressed)"
                ),
            }
        )
    return notes

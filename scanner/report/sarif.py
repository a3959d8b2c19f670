"""Render a `leakwindow.report/1` dict as SARIF 2.1.0 (GitHub code scanning and other viewers).

One SARIF result per place a secret was seen; the exposure facts (windows, reachability,
verification) ride along in each result's property bag, and the secret's fingerprint is the
stable partial fingerprint. Only the redacted preview is ever written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from scanner.report import verdict as judged
from scanner.report.qualifiers import qualified_title

if TYPE_CHECKING:
    from scanner.report.document import Report

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "leakwindow/v1"
# A second partial fingerprint tells apart results of one secret found in several files, so
# viewers that merge results by fingerprint keep one alert per place.
LOCATION_FINGERPRINT_KEY = "leakwindow/location/v1"

# SARIF levels and GitHub's "security-severity" scores (critical >= 9.0, high >= 7.0,
# medium >= 4.0, low below that).
_LEVELS: dict[str, str] = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SECURITY_SEVERITY: dict[str, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.0",
    "low": "2.0",
}
_DEFAULT_SEVERITY = "medium"
# CWE-798: Use of Hard-coded Credentials; GitHub shows CWE tags in this form.
_RULE_TAGS: tuple[str, ...] = ("security", "secret", "external/cwe/cwe-798")


class RuleMeta(Protocol):
    """What the renderer needs from a rule (`scanner.rules.pack.Rule` satisfies it)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def remediation(self) -> str: ...


def sarif_level(severity: str) -> str:
    """SARIF result level for a leakwindow severity; unknown severities count as medium."""
    return _LEVELS.get(severity, _LEVELS[_DEFAULT_SEVERITY])


def security_severity(severity: str) -> str:
    """GitHub code scanning's numeric `security-severity` for a leakwindow severity."""
    return _SECURITY_SEVERITY.get(severity, _SECURITY_SEVERITY[_DEFAULT_SEVERITY])


def render_sarif(report: Report, rules: Mapping[str, RuleMeta]) -> str:
    """Return the SARIF 2.1.0 log for `report` as indented JSON text."""
    findings: list[Mapping[str, Any]] = list(report.get("findings") or [])
    rule_ids = _rule_ids_in_order(findings)
    descriptors = [_rule_descriptor(rule_id, rules.get(rule_id), findings) for rule_id in rule_ids]
    index_of = {rule_id: index for index, rule_id in enumerate(rule_ids)}
    tool = report.get("tool") or {}
    scan = report.get("scan") or {}
    head_ref = (scan.get("head") or {}).get("ref")
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "leakwindow",
                "version": str(tool.get("version", "unknown")),
                "rules": descriptors,
            }
        },
        "invocations": [_invocation(scan)],
        "results": [result for f in findings for result in _results_for(f, index_of, head_ref)],
        "properties": _run_properties(report, scan),
    }
    log = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _invocation(scan: Mapping[str, Any]) -> dict[str, Any]:
    """The run succeeded; its notes (shallow clone, --as-of, keys not checked) are warnings."""
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notes = [note for note in scan.get("notes") or [] if isinstance(note, Mapping)]
    if notes:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "warning",
                "message": {"text": str(note.get("message", ""))},
                "descriptor": {"id": str(note.get("kind", "note"))},
            }
            for note in notes
        ]
    return invocation


def _rule_ids_in_order(findings: list[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for finding in findings:
        for rule_id in finding.get("rules") or []:
            seen.setdefault(str(rule_id), None)
    return list(seen)


def _pascal_name(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in rule_id.split("-") if part)


def _rule_descriptor(
    rule_id: str, rule: RuleMeta | None, findings: list[Mapping[str, Any]]
) -> dict[str, Any]:
    if rule is not None:
        title, severity, remediation = rule.title, rule.severity, rule.remediation
    else:
        # A saved report may name rules this installation does not have: describe the rule
        # from the first finding that used it.
        source = next(f for f in findings if rule_id in (f.get("rules") or []))
        title = str(source.get("title") or rule_id)
        severity = str(source.get("severity") or _DEFAULT_SEVERITY)
        remediation = str(source.get("remediation") or "")
    remediation = remediation or "Revoke or rotate the credential at its provider."
    full = (
        f"Leaked credential: {title}. Deleting it from the working tree does not remove it "
        "from git history; revoke or rotate it."
    )
    return {
        "id": rule_id,
        "name": _pascal_name(rule_id),
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{full}\nRemediation: {remediation}",
            "markdown": f"{full}\n\n**Remediation:** {remediation}",
        },
        "defaultConfiguration": {"level": sarif_level(severity)},
        "properties": {
            "security-severity": security_severity(severity),
            "severity": severity,
            "tags": list(_RULE_TAGS),
        },
    }


def _places(finding: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Where the secret was seen: its locations, else its first commit, else nowhere."""
    locations = [dict(loc) for loc in finding.get("locations") or []]
    if locations:
        return locations
    first = finding.get("first_commit")
    if first:
        return [{"commit": first.get("sha"), "path": first.get("path"), "line": first.get("line")}]
    return []


def _results_for(
    finding: Mapping[str, Any], index_of: Mapping[str, int], head_ref: str | None
) -> list[dict[str, Any]]:
    places = _places(finding)
    if not places:
        return [_result(finding, index_of, None, head_ref)]
    return [_result(finding, index_of, place, head_ref) for place in places]


def _result(
    finding: Mapping[str, Any],
    index_of: Mapping[str, int],
    place: Mapping[str, Any] | None,
    head_ref: str | None,
) -> dict[str, Any]:
    rule_ids = [str(r) for r in finding.get("rules") or []]
    fingerprint = str(finding.get("fingerprint", ""))
    result: dict[str, Any] = {}
    if rule_ids:
        result["ruleId"] = rule_ids[0]
        result["ruleIndex"] = index_of[rule_ids[0]]
    result["level"] = sarif_level(str(finding.get("severity", _DEFAULT_SEVERITY)))
    result["message"] = {"text": result_message(finding, place, head_ref)}
    physical = _physical_location(place) if place else None
    if physical:
        result["locations"] = [{"physicalLocation": physical}]
    result["partialFingerprints"] = {
        FINGERPRINT_KEY: fingerprint,
        LOCATION_FINGERPRINT_KEY: _location_fingerprint(fingerprint, place),
    }
    if finding.get("suppressed"):
        result["suppressions"] = [{"kind": "external", "justification": str(finding["suppressed"])}]
    result["properties"] = _result_properties(finding, place)
    said = judged.verdict(finding, head_ref)
    result["properties"]["verdict"] = {"kind": said.kind, "text": said.text}
    return result


def _location_fingerprint(fingerprint: str, place: Mapping[str, Any] | None) -> str:
    path = str(place.get("path") or "") if place else ""
    return hashlib.sha256(f"{fingerprint}\0{path}".encode()).hexdigest()


def _physical_location(place: Mapping[str, Any]) -> dict[str, Any] | None:
    path = place.get("path")
    if not path:
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(str(path))}}
    region: dict[str, int] = {}
    line, column = place.get("line"), place.get("column")
    if isinstance(line, int) and line >= 1:
        region["startLine"] = line
        if isinstance(column, int) and column >= 1:
            region["startColumn"] = column
    if region:
        physical["region"] = region
    return physical


def artifact_uri(path: str) -> str:
    """A repository-relative path as a URI reference (paths from git history are untrusted:
    spaces, `|`, `<`, `:` or `#` would otherwise make an invalid or misleading URI)."""
    return quote(path.lstrip("/"), safe="/")


def _result_properties(
    finding: Mapping[str, Any], place: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        "commit": place.get("commit") if place else None,
        "fingerprint": finding.get("fingerprint"),
        "secret_preview": finding.get("secret_preview"),
        "rules": list(finding.get("rules") or []),
        "severity": finding.get("severity"),
        "confidence": finding.get("confidence") or "high",
        "context": finding.get("context"),
        "decoded": finding.get("decoded"),
        "first_commit": finding.get("first_commit"),
        "windows": list(finding.get("windows") or []),
        "reachable_from": list(finding.get("reachable_from") or []),
        "in_head": bool(finding.get("in_head")),
        "dangling": bool(finding.get("dangling")),
        "verification": finding.get("verification")
        or {"status": "unchecked", "detail": None, "checked_at": None},
        "remediation": finding.get("remediation"),
        "suppressed": finding.get("suppressed"),
    }


def _run_properties(report: Mapping[str, Any], scan: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "report_schema": report.get("schema"),
        "mode": scan.get("mode"),
        "as_of": scan.get("as_of"),
        "head": scan.get("head"),
        "refs": list(scan.get("refs") or []),
        "seconds": scan.get("seconds"),
        "stats": dict(scan.get("stats") or {}),
        "summary": dict(report.get("summary") or {}),
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def exposure_summary(finding: Mapping[str, Any], head_ref: str | None = None) -> str:
    """How long the secret was exposed, then the verdict (scanner.report.verdict): where it
    still is and what to do."""
    windows = [w for w in finding.get("windows") or [] if isinstance(w, Mapping)]
    parts: list[str] = []
    if windows:
        longest = max(windows, key=lambda w: float(w.get("days") or 0.0))
        days = float(longest.get("days") or 0.0)
        text = f"exposed {days:.1f} days on {longest.get('ref')}"
        if longest.get("closed") is None:
            text += " (window still open)"
        remark = judged.window_remark(longest)
        if remark:
            text += f" ({remark})"
        if len(windows) > 1:
            text += f", {_count(len(windows) - 1, 'more window')}"
        parts.append(text)
    parts.append(judged.verdict(finding, head_ref).text)
    return "; ".join(parts)


def result_message(
    finding: Mapping[str, Any],
    place: Mapping[str, Any] | None = None,
    head_ref: str | None = None,
) -> str:
    """The result's plain-text message: title, redacted preview, exposure and verdict,
    verification."""
    title = qualified_title(finding) or "Secret"
    preview = finding.get("secret_preview") or "(redacted)"
    text = f"{title} {preview} {exposure_summary(finding, head_ref)}"
    commit = place.get("commit") if place else None
    if commit:
        text += f". Seen in commit {str(commit)[:12]}"
    first_remark = judged.first_commit_remark(finding)
    if first_remark:
        text += f". {first_remark[:1].upper()}{first_remark[1:]}"
    state = judged.verification_state(finding)
    if state == judged.LIVE:
        text += ". Verified LIVE: revoke it now"
    elif state == judged.INVALID:
        text += ". Verified invalid (revoked or never valid)"
    elif state == judged.NOT_CHECKED:
        text += f". Verification: {judged.verification_label(finding)}: it may be live"
    return text + "."

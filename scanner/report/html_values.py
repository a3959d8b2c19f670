"""The small pieces every part of the HTML report is built from: escaping, reading a finding's
fields, dates and day counts as text, severity colours and the two badges.

A saved report may be older than this code or edited by hand, so every reader here tolerates a
missing or oddly typed field and falls back to a placeholder instead of failing the page.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

from scanner.confidence import CONFIDENCES
from scanner.printable import printable
from scanner.report import verdict as judged
from scanner.report.scope import parse_time
from scanner.severity import SEVERITIES, rank

# The table sorts by this, largest first: critical 4 .. low 1 (0 for anything else).
SEVERITY_RANK: dict[str, int] = {name: len(SEVERITIES) - rank(name) for name in SEVERITIES}
SEVERITY_COLOUR: dict[str, str] = {
    "critical": "#a40e26",
    "high": "#bc4c00",
    "medium": "#8a5a00",
    "low": "#4f5a66",
}
UNKNOWN_SEVERITY_COLOUR = "#4f5a66"
# Sort keys, surest largest: a table sorted by severity breaks ties by confidence.
CONFIDENCE_RANK: dict[str, int] = {name: len(CONFIDENCES) - i for i, name in enumerate(CONFIDENCES)}
VERIFICATION_LABEL: dict[str, str] = {
    "live": "LIVE",
    "invalid": "invalid",
    "unchecked": "unchecked",
    "error": "not checked",
}
# The badge (and its CSS class) for what --verify found out (scanner.report.verdict).
_STATE_STATUS: dict[str, str] = {
    judged.LIVE: "live",
    judged.INVALID: "invalid",
    judged.NOT_CHECKED: "error",
    judged.NO_ENDPOINT: "unchecked",
    judged.NOT_VERIFIED: "unchecked",
}


def esc(value: object) -> str:
    # Controls and bidi overrides spelled out too: a path must not reorder what is shown.
    return html.escape(printable("" if value is None else value), quote=True)


def text_or(value: object, fallback: str = "—") -> str:
    return fallback if value is None or value == "" else str(value)


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def date_text(moment: datetime | None) -> str:
    # isoformat, not strftime("%Y"): year 1 is "0001", as in the JSON report
    return moment.astimezone(timezone.utc).date().isoformat() if moment else "unknown date"


def moment_text(value: object) -> str:
    """A readable UTC rendering of a timestamp; unparseable text is shown as given."""
    moment = parse_time(value)
    if moment is None:
        return text_or(value)
    utc = moment.astimezone(timezone.utc)
    return f"{utc.date().isoformat()} {utc:%H:%M} UTC"


def short_sha(sha: object) -> str:
    return str(sha)[:8] if sha else "—"


def days_text(days: object) -> str:
    """59.0 → "59", 45.73 → "45.7"; a missing value reads as unknown."""
    if isinstance(days, bool) or not isinstance(days, (int, float)):
        return "?"
    rounded = round(float(days), 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def plural_days(days: object) -> str:
    text = days_text(days)
    return f"{text} day" if text == "1" else f"{text} days"


def ref_label(ref: object) -> str:
    """A short human name for a ref: refs/heads/main → main, refs/remotes/o/x → o/x."""
    text = text_or(ref, "?")
    for prefix in ("refs/heads/", "refs/remotes/"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text[len("refs/") :] if text.startswith("refs/") else text


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def severity_of(finding: dict[str, Any]) -> str:
    value = finding.get("severity")
    return value if isinstance(value, str) and value in SEVERITY_RANK else "unknown"


def severity_colour(severity: str) -> str:
    return SEVERITY_COLOUR.get(severity, UNKNOWN_SEVERITY_COLOUR)


def windows_of(finding: dict[str, Any]) -> list[dict[str, Any]]:
    return [w for w in as_list(finding.get("windows")) if isinstance(w, dict)]


def longest_days(finding: dict[str, Any]) -> float:
    days = [number_or_none(w.get("days")) for w in windows_of(finding)]
    return max((d for d in days if d is not None), default=0.0)


def has_open_window(finding: dict[str, Any]) -> bool:
    return any(w.get("closed") is None for w in windows_of(finding))


def verification_of(finding: dict[str, Any]) -> dict[str, Any]:
    return as_dict(finding.get("verification"))


def verification_status(finding: dict[str, Any]) -> str:
    return _STATE_STATUS[judged.verification_state(finding)]


def first_place(finding: dict[str, Any]) -> str:
    """Where a finding was first seen, as `path:line` (the first location, else the first
    commit's place); "" when the report records neither."""
    locations = [as_dict(loc) for loc in as_list(finding.get("locations"))]
    place = locations[0] if locations else as_dict(finding.get("first_commit"))
    path = place.get("path")
    if not path:
        return ""
    line = place.get("line")
    return f"{path}:{line}" if isinstance(line, int) and not isinstance(line, bool) else str(path)


def breakable(text: str) -> str:
    """`text` escaped, with a line-break opportunity after each slash: a path wraps between
    directories, not inside a name."""
    return esc(text).replace("/", "/<wbr>")


def more_places(finding: dict[str, Any]) -> int:
    """How many locations besides the first one (shown in the details)."""
    return max(0, len(as_list(finding.get("locations"))) - 1)


def preview_text(finding: dict[str, Any], *, beside_title: bool = False) -> str:
    """The redacted preview to show. A private key's stored preview is its armour line
    (`-----B…(1703 chars)`), alike for every key, so a key reads as its type and the first 8
    hex of its fingerprint instead; `beside_title` leaves out the type where the title is
    already shown next to it."""
    for field in ("key_preview", "secret_preview"):
        value = finding.get(field)
        if isinstance(value, str) and value and not value.startswith("-----"):
            return value
    digest = f"sha256 {text_or(finding.get('fingerprint'), '?')[:8]}"
    if beside_title:
        return digest
    return f"{text_or(finding.get('title'), 'key')} · {digest}"


def context_line_of(finding: dict[str, Any]) -> str | None:
    """The first location's line with each secret replaced by its preview, when the report
    carries it (reports written before it existed do not)."""
    value = finding.get("context_line")
    return value if isinstance(value, str) and value else None


def verification_requested(report: dict[str, Any]) -> bool:
    """Whether the scan checked keys with their providers (--verify). The scan section says
    so; a report without that field counts as verified when any finding is not `unchecked`."""
    if "verification" in as_dict(report.get("scan")):
        return True
    findings = [as_dict(f) for f in as_list(report.get("findings"))]
    return any(verification_of(f).get("status", "unchecked") != "unchecked" for f in findings)


SIDE_HEADING = "Only in test, docs or example files"


def is_side_finding(finding: dict[str, Any]) -> bool:
    """Found only in test, docs or example files and not live: listed after the rest, as the
    report orders them."""
    return bool(finding.get("context")) and verification_status(finding) != "live"


def confidence_of(finding: dict[str, Any]) -> str:
    value = finding.get("confidence")
    return value if value in CONFIDENCE_RANK else "high"  # reports before grades were sure


def rules_of(finding: dict[str, Any]) -> list[str]:
    return [str(rule) for rule in as_list(finding.get("rules"))]


def finding_anchor(index: int) -> str:
    # Ids come from the position, never from report text, so no hostile value reaches an id.
    return f"finding-{index + 1}"


def severity_badge(severity: str) -> str:
    return f'<span class="sev sev-{esc(severity)}">{esc(severity)}</span>'


def status_badge(status: str) -> str:
    label = VERIFICATION_LABEL.get(status, status)
    return f'<span class="status status-{esc(status)}">{esc(label)}</span>'

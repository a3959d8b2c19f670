"""A realistic `leakwindow.report/1` dict for renderer tests (HTML, Markdown, console, SARIF).

The raw secret values are generated here only so tests can prove no renderer ever prints
them: the report dict itself carries just their fingerprints and redacted previews, exactly
as the scanner would. Every value is synthetic; none is a real credential.

Shape of the sample (as_of 2025-06-30T00:00:00+00:00):
- xAI key, critical, LIVE: closed 59-day window on main (2025-03-02 → 2025-04-30), still
  reachable from main and two tags.
- AWS key id, critical, verification error: dangling only, no window, no first commit.
- Slack bot token, high: window on main still open, counted to as_of; in HEAD.
- OpenAI project key, high, invalid: closed 30-day window on main plus 39 days on a release
  branch, entered main through a merge (first commit earlier, on the side branch).
- Google API key, medium: 15-day window on a remote-tracking branch.
- Stripe test key, low: 3-day window, found inside base64-decoded content, window opened
  at a shallow-clone boundary.
"""

from __future__ import annotations

import hashlib
import string
from typing import Any

from scanner.matches import fingerprint_of, preview_of

AS_OF = "2025-06-30T00:00:00+00:00"
ALNUM = string.ascii_letters + string.digits


def _synthetic(label: str, length: int, alphabet: str = ALNUM) -> str:
    """Deterministic pseudo-random characters derived from a label (never a real key)."""
    out: list[str] = []
    counter = 0
    while len(out) < length:
        block = hashlib.sha256(f"leakwindow-sample/{label}/{counter}".encode()).digest()
        out.extend(alphabet[byte % len(alphabet)] for byte in block)
        counter += 1
    return "".join(out[:length])


def planted_secrets() -> dict[str, str]:
    """The hypothetical raw values behind the sample's findings, keyed by rule id."""
    return {
        "xai-api-key": "xai-" + _synthetic("xai", 80),
        "aws-access-key-id": "AKIA" + _synthetic("aws", 16, string.ascii_uppercase + "234567"),
        "slack-bot-token": "xoxb-"
        + _synthetic("slack-a", 12, string.digits)
        + "-"
        + _synthetic("slack-b", 13, string.digits)
        + "-"
        + _synthetic("slack-c", 24),
        "openai-api-key": "sk-proj-"
        + _synthetic("openai-a", 74, ALNUM + "_-")
        + "T3BlbkFJ"
        + _synthetic("openai-b", 74, ALNUM + "_-"),
        "google-api-key": "AIza" + _synthetic("google", 35, ALNUM + "_-"),
        "stripe-test-secret-key": "sk_test_" + _synthetic("stripe", 24),
    }


def _sha(label: str) -> str:
    return hashlib.sha1(f"leakwindow-sample-commit/{label}".encode()).hexdigest()


def _point(label: str, committed_at: str) -> dict[str, str]:
    return {"sha": _sha(label), "committed_at": committed_at}


def _window(
    ref: str, opened: dict[str, str], closed: dict[str, str] | None, days: float
) -> dict[str, Any]:
    return {
        "ref": ref,
        "opened": opened,
        "closed": closed,
        "days": days,
        "opened_at_boundary": False,
    }


def finding_dict(
    secret: str, rules: list[str], title: str, severity: str, remediation: str, **fields: Any
) -> dict[str, Any]:
    """A finding as the JSON report holds it, for `secret` (only its preview and hash appear)."""
    raw = secret.encode()
    finding: dict[str, Any] = {
        "fingerprint": fingerprint_of(raw),
        "rules": rules,
        "title": title,
        "severity": severity,
        "secret_preview": preview_of(raw),
        "remediation": remediation,
        "decoded": None,
        "verification": {"status": "unchecked", "detail": None, "checked_at": None},
        "first_commit": None,
        "locations": [],
        "windows": [],
        "in_head": False,
        "reachable_from": [],
        "dangling": False,
        "suppressed": None,
    }
    finding.update(fields)
    return finding


def first_commit_dict(sha: str, at: str, path: str, line: int, author: str) -> dict[str, Any]:
    return {
        "sha": sha,
        "committed_at": at,
        "authored_at": at,
        "author": author,
        "path": path,
        "line": line,
    }


def _finding(
    rule: str,
    title: str,
    severity: str,
    remediation: str,
    **fields: Any,
) -> dict[str, Any]:
    secret = planted_secrets()[rule]
    return finding_dict(secret, [rule], title, severity, remediation, **fields)


def _first_commit(label: str, at: str, author: str, path: str, line: int) -> dict[str, Any]:
    return first_commit_dict(_sha(label), at, path, line, author)


def _location(label: str, path: str, line: int, column: int) -> dict[str, Any]:
    return {"commit": _sha(label), "path": path, "line": line, "column": column}


def sample_report() -> dict[str, Any]:
    """A fresh copy each call, so a test may mutate it (e.g. plant a hostile path)."""
    main = "refs/heads/main"
    xai_open = _point("xai-add", "2025-03-02T09:14:00+00:00")
    xai_close = _point("xai-remove", "2025-04-30T09:14:00+00:00")
    openai_merge = _point("openai-merge", "2025-01-10T12:00:00+00:00")
    openai_remove = _point("openai-remove", "2025-02-09T12:00:00+00:00")
    slack_open = _point("slack-add", "2025-05-15T08:30:00+02:00")

    findings = [
        _finding(
            "xai-api-key",
            "xAI API key",
            "critical",
            "Revoke the key in the xAI console (API Keys) and issue a new one; removal from "
            "history is not revocation.",
            verification={
                "status": "live",
                "detail": "GET /v1/api-key returned 200 (key name and ACLs present)",
                "checked_at": "2025-06-30T00:00:05+00:00",
            },
            first_commit=_first_commit(
                "xai-add", xai_open["committed_at"], "Dana Ortiz", "config/settings.py", 12
            ),
            locations=[
                _location("xai-add", "config/settings.py", 12, 17),
                _location("xai-move", "config/local_settings.py", 3, 11),
            ],
            windows=[_window(main, xai_open, xai_close, 59.0)],
            reachable_from=[main, "refs/tags/v0.3.0", "refs/tags/v0.4.0"],
        ),
        _finding(
            "aws-access-key-id",
            "AWS access key ID",
            "critical",
            "Deactivate and delete the access key in AWS IAM, then check CloudTrail for its use.",
            verification={
                "status": "error",
                "detail": "STS request timed out after 10 s",
                "checked_at": "2025-06-30T00:00:07+00:00",
            },
            locations=[_location("aws-orphan", "deploy/terraform.tfvars", 4, 21)],
            dangling=True,
        ),
        _finding(
            "slack-bot-token",
            "Slack bot token",
            "high",
            "Revoke the token under the Slack app's OAuth & Permissions page and reinstall.",
            first_commit=_first_commit(
                "slack-add", slack_open["committed_at"], "Lee Park", "bot/.env", 2
            ),
            locations=[_location("slack-add", "bot/.env", 2, 19)],
            windows=[_window(main, slack_open, None, 45.7)],
            in_head=True,
            reachable_from=[main],
        ),
        _finding(
            "openai-api-key",
            "OpenAI API key",
            "high",
            "Delete the key on the OpenAI platform's API keys page and create a new one.",
            verification={
                "status": "invalid",
                "detail": "GET /v1/models returned 401",
                "checked_at": "2025-06-30T00:00:06+00:00",
            },
            first_commit=_first_commit(
                "openai-side",
                "2025-01-08T16:45:00+00:00",
                "Sam Nakamura",
                "notebooks/eval.py",
                40,
            ),
            locations=[_location("openai-side", "notebooks/eval.py", 40, 15)],
            windows=[
                _window(main, openai_merge, openai_remove, 30.0),
                _window(
                    "refs/heads/release/1.x",
                    _point("openai-release", "2025-01-12T10:00:00+00:00"),
                    _point("openai-release-fix", "2025-02-20T10:00:00+00:00"),
                    39.0,
                ),
            ],
            reachable_from=[main, "refs/heads/release/1.x", "refs/tags/v0.3.0"],
        ),
        _finding(
            "google-api-key",
            "Google API key",
            "medium",
            "Delete or restrict the key in Google Cloud Console under APIs & Services → "
            "Credentials.",
            first_commit=_first_commit(
                "google-add", "2025-04-05T14:00:00+00:00", "Ana Silva", "web/maps.js", 7
            ),
            locations=[_location("google-add", "web/maps.js", 7, 22)],
            windows=[
                _window(
                    "refs/remotes/origin/feature/maps",
                    _point("google-add", "2025-04-05T14:00:00+00:00"),
                    _point("google-remove", "2025-04-20T14:00:00+00:00"),
                    15.0,
                )
            ],
            reachable_from=["refs/remotes/origin/feature/maps"],
        ),
        _finding(
            "stripe-test-secret-key",
            "Stripe test secret key",
            "low",
            "Roll the test key in the Stripe dashboard (Developers → API keys).",
            decoded="base64",
            first_commit=_first_commit(
                "stripe-add", "2025-02-01T08:00:00+00:00", "Dana Ortiz", "tests/fixtures.yaml", 9
            ),
            locations=[_location("stripe-add", "tests/fixtures.yaml", 9, 13)],
            windows=[
                {
                    **_window(
                        main,
                        _point("stripe-add", "2025-02-01T08:00:00+00:00"),
                        _point("stripe-remove", "2025-02-04T08:00:00+00:00"),
                        3.0,
                    ),
                    "opened_at_boundary": True,
                }
            ],
            reachable_from=[main],
        ),
    ]
    return {
        "schema": "leakwindow.report/1",
        "tool": {"name": "leakwindow", "version": "0.1.0"},
        "scan": {
            "target": "/srv/checkouts/acme-models",
            "mode": "history",
            "head": {"ref": main, "sha": _sha("head")},
            "refs": [main, "refs/heads/release/1.x", "refs/remotes/origin/feature/maps"],
            "as_of": AS_OF,
            "seconds": 1.8,
            "stats": {
                "commits": 412,
                "blobs_scanned": 1893,
                "bytes_scanned": 24117320,
                "blobs_skipped": 7,
                "blobs_unreadable": 0,
            },
        },
        "findings": findings,
        "summary": {"findings": len(findings), "in_head": 1, "live": 1, "longest_days": 59.0},
    }

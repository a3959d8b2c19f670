"""The Markdown renderer for CI job summaries: verdict first, one escaped block per secret."""

from __future__ import annotations

import hashlib
import re
import string
from typing import Any

import pytest
from report_samples import finding_dict, first_commit_dict

from scanner.report.build import summarize
from scanner.report.markdown import escape_cell, render_markdown, window_text
from scanner.report.verdict import short_ref

AS_OF = "2025-07-01T00:00:00+00:00"
HOSTILE_PATH = "src/a|b`c`\n<img src=x onerror=alert(1)>[x](http://e.test)*.py"


def _synthetic(label: str, length: int) -> str:
    """Deterministic filler derived from a label: shaped like a token, never a real one."""
    alphabet = string.ascii_letters + string.digits
    digest = b""
    counter = 0
    while len(digest) < length:
        digest += hashlib.sha256(f"markdown-test/{label}/{counter}".encode()).digest()
        counter += 1
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


# The raw values exist only so the tests can prove they never reach the output.
SECRETS: dict[str, str] = {
    "xai": "xai-" + _synthetic("xai", 80),
    "slack": "xoxb-" + _synthetic("slack", 40),
    "orphan": "AKIA" + _synthetic("orphan", 16).upper(),
    "hostile": "sk_live_" + _synthetic("hostile", 24),
}


def _sha(label: str) -> str:
    return hashlib.sha1(label.encode()).hexdigest()


def _window(ref: str, opened: str, closed: str | None, days: float, **extra: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "opened": {"sha": _sha(ref + opened), "committed_at": opened},
        "closed": None if closed is None else {"sha": _sha(ref + closed), "committed_at": closed},
        "days": days,
        "opened_at_boundary": False,
        **extra,
    }


def _finding(key: str, rule: str, title: str, severity: str, **fields: Any) -> dict[str, Any]:
    return finding_dict(SECRETS[key], [rule], title, severity, "Rotate it.", **fields)


def _first_commit(label: str, at: str, path: str, line: int) -> dict[str, Any]:
    return first_commit_dict(_sha(label), at, path, line, "Test Author")


def sample_report() -> dict[str, Any]:
    main = "refs/heads/main"
    findings = [
        _finding(
            "xai",
            "xai-api-key",
            "xAI API key",
            "critical",
            verification={"status": "live", "detail": "200", "checked_at": AS_OF},
            first_commit=_first_commit(
                "xai-add", "2025-03-02T09:00:00+00:00", "config/settings.py", 12
            ),
            windows=[_window(main, "2025-03-02T09:00:00+00:00", "2025-04-30T09:00:00+00:00", 59.0)],
            reachable_from=[main, "refs/tags/v1.0", "refs/remotes/origin/main"],
        ),
        _finding(
            "slack",
            "slack-bot-token",
            "Slack bot token",
            "high",
            first_commit=_first_commit("slack-add", "2025-05-01T00:00:00+00:00", "bot/.env", 2),
            windows=[
                _window(main, "2025-05-01T00:00:00+00:00", None, 61.0),
                _window(
                    "refs/heads/release/2.x",
                    "2025-04-20T00:00:00+00:00",
                    "2025-04-25T00:00:00+00:00",
                    5.0,
                    opened_at_boundary=True,
                ),
            ],
            in_head=True,
            reachable_from=[main, "refs/heads/release/2.x"],
        ),
        _finding("orphan", "aws-access-key-id", "AWS access key ID", "medium", dangling=True),
        _finding(
            "hostile",
            "stripe-live-key",
            "Stripe live key",
            "low",
            first_commit=_first_commit("h", "2025-02-01T00:00:00+00:00", HOSTILE_PATH, 4),
            windows=[_window(main, "2025-02-01T00:00:00+00:00", "2025-02-02T00:00:00+00:00", 1.0)],
            reachable_from=[main],
        ),
    ]
    return {
        "schema": "leakwindow.report/1",
        "tool": {"name": "leakwindow", "version": "0.1.0"},
        "scan": {
            "target": "/tmp/repo",
            "mode": "history",
            "head": {"ref": main, "sha": _sha("head")},
            "refs": [main],
            "as_of": AS_OF,
            "seconds": 1.31,
            "stats": {
                "commits": 42,
                "blobs_scanned": 130,
                "bytes_scanned": 99999,
                "blobs_skipped": 3,
                "blobs_unreadable": 0,
            },
        },
        "findings": findings,
        "summary": {"findings": 4, "in_head": 1, "live": 1, "longest_days": 61.0},
    }


_TITLE = re.compile(r"^\*\*(\d+)\. (.+?)\*\* (.*) \\\[(.+?)\\\](.*)$")


def _blocks(markdown: str) -> list[dict[str, str]]:
    """Each finding's block: its title line's parts (`number`, `title`, `preview`, `rule`,
    `rest`) and its list items by label (`where`, `line`, `exposure`, `in HEAD`, `verdict`).
    A value that broke out of its line would show up as a line of neither kind."""
    blocks: list[dict[str, str]] = []
    for line in markdown.splitlines():
        title = _TITLE.match(line)
        if title:
            number, heading, preview, rule, rest = title.groups()
            blocks.append(
                {"number": number, "title": heading, "preview": preview, "rule": rule, "rest": rest}
            )
        elif line.startswith("- ") and blocks:
            label, _, value = line[2:].partition(": ")
            if label == "in HEAD":
                value, _, refs = value.partition("; reachable from: ")
                blocks[-1]["reachable"] = refs
            blocks[-1][label] = value
        else:
            assert not line.startswith(("**", "- ")), line
    return blocks


def _block_for(markdown: str, rule_id: str) -> dict[str, str]:
    matches = [block for block in _blocks(markdown) if block["rule"] == rule_id]
    assert len(matches) == 1, rule_id
    return matches[0]


def _verdict(markdown: str) -> str:
    lines = [line for line in markdown.splitlines() if line.strip()]
    assert lines[0].startswith("#")
    return lines[1]


def test_verdict_for_an_empty_report() -> None:
    report = sample_report()
    report["findings"] = []
    markdown = render_markdown(report)
    assert _verdict(markdown) == "✅ No secrets found in 42 commits"
    assert _blocks(markdown) == []


def test_verdict_for_findings_comes_first() -> None:
    verdict = _verdict(render_markdown(sample_report()))
    assert verdict.startswith(
        "❌ 4 secrets found (1 critical, 1 high, 1 medium, 1 low), 1 still in HEAD"
    )
    assert "1 verified live" in verdict
    assert verdict.endswith("longest exposure 61.0 days")


def test_verdict_counts_follow_the_findings() -> None:
    report = sample_report()
    report["findings"] = report["findings"][:1]  # only the closed 59-day xAI key
    report["summary"] = summarize(report["findings"])
    assert _verdict(render_markdown(report)) == (
        "❌ 1 secret found (1 critical), 0 still in HEAD, 1 verified live, "
        "longest exposure 59.0 days"
    )


def test_suppressed_findings_do_not_fail_the_verdict() -> None:
    report = sample_report()
    for finding in report["findings"]:
        finding["suppressed"] = "baseline"
    markdown = render_markdown(report)
    assert _verdict(markdown) == "✅ No secrets found in 42 commits (4 suppressed)"
    assert "(suppressed: baseline)" in markdown


def test_one_block_per_finding_in_report_order() -> None:
    report = sample_report()
    markdown = render_markdown(report)
    blocks = _blocks(markdown)
    assert [b["rule"] for b in blocks] == [f["rules"][0] for f in report["findings"]]
    assert [b["number"] for b in blocks] == ["1", "2", "3", "4"]
    for block in blocks:
        assert {"where", "exposure", "in HEAD", "verdict"} <= block.keys()


def test_block_shows_first_commit_windows_head_and_refs() -> None:
    report = sample_report()
    block = _block_for(render_markdown(report), "xai-api-key")
    assert block["title"] == "CRITICAL: xAI API key"
    assert block["preview"].startswith(escape_cell(report["findings"][0]["secret_preview"]))
    assert "LIVE" in block["preview"]
    assert block["where"] == (
        f"config/settings.py:12, first in {_sha('xai-add')[:7]} on 2025-03-02 by Test Author"
    )
    assert block["exposure"] == "main: 2025-03-02 → 2025-04-30 (59.0 d)"
    assert block["in HEAD"] == "no"
    assert block["reachable"] == "main, origin/main, tags/v1.0"  # branches first
    assert block["verdict"] == "still live: rotate now"


def test_block_shows_the_redacted_context_line_escaped() -> None:
    report = sample_report()
    report["findings"][0]["context_line"] = 'KEY = "xai-ab…(84 chars)" # <b>|`x`'
    block = _block_for(render_markdown(report), "xai-api-key")
    assert block["line"] == '<code>KEY = "xai-ab…(84 chars)" # &lt;b>\\|\\`x\\`</code>'
    assert "line" not in _block_for(render_markdown(report), "slack-bot-token")


def test_open_window_and_boundary_window() -> None:
    block = _block_for(render_markdown(sample_report()), "slack-bot-token")
    assert block["exposure"] == (
        "main: since 2025-05-01, open (61.0 d); release/2.x: ≤2025-04-20 → 2025-04-25 (5.0 d)"
    )
    assert block["in HEAD"] == "**yes**"


def test_dangling_finding_row() -> None:
    block = _block_for(render_markdown(sample_report()), "aws-access-key-id")
    assert block["where"] == "unknown (dangling)"
    assert "unreachable" in block["exposure"]
    assert block["reachable"] == "none"


def test_hostile_path_cannot_break_the_block_or_inject_markup() -> None:
    markdown = render_markdown(sample_report())
    assert len(_blocks(markdown)) == 4  # the newline in the path did not end a line early
    first = _block_for(markdown, "stripe-live-key")["where"]
    assert "<img" not in markdown
    assert "&lt;img" in first
    assert "\\|" in first
    assert "`" not in first.replace("\\`", "")
    assert "\\[x\\]" in first
    assert "\\*" in first


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`code`", "\\`code\\`"),
        ("line1\nline2\r\nline3", "line1↵line2↵line3"),
        ("<b>&", "&lt;b>&amp;"),
        ("[link](x)", "\\[link\\](x)"),
        ("back\\slash", "back\\\\slash"),
        ("tab\there", "tab\\\\x09here"),  # spelled out, its backslash escaped
        ("esc\x1b[2J bidi\u202e c1\x9b", "esc\\\\x1b\\[2J bidi\\\\u202e c1\\\\x9b"),
    ],
)
def test_escape_cell(raw: str, escaped: str) -> None:
    assert escape_cell(raw) == escaped


@pytest.mark.parametrize(
    ("ref", "short"),
    [
        ("refs/heads/main", "main"),
        ("refs/remotes/origin/feature/x", "origin/feature/x"),
        ("refs/tags/v1.0", "tags/v1.0"),
        ("refs/pull/7/head", "pull/7/head"),
        ("HEAD", "HEAD"),
    ],
)
def test_short_ref(ref: str, short: str) -> None:
    assert short_ref(ref) == short


def test_window_text_for_a_closed_window() -> None:
    window = _window(
        "refs/heads/main", "2025-03-02T09:00:00+00:00", "2025-04-30T09:00:00+00:00", 59.0
    )
    assert window_text(window) == "main: 2025-03-02 → 2025-04-30 (59.0 d)"


def test_many_reachable_refs_are_summarised() -> None:
    report = sample_report()
    branches = [f"refs/heads/b{i}" for i in range(8)]
    tags = [f"refs/tags/v1.{minor}" for minor in range(12)]
    report["findings"][0]["reachable_from"] = branches + tags
    block = _block_for(render_markdown(report), "xai-api-key")
    assert block["reachable"] == "b0, b1, b2, b3 + 4 more branches + 12 tags (v1.0 … v1.11)"


def test_long_reports_are_truncated_with_a_note() -> None:
    report = sample_report()
    markdown = render_markdown(report, max_rows=2)
    assert len(_blocks(markdown)) == 2
    assert "… and 2 more; see the full report." in markdown


def test_stats_line() -> None:
    markdown = render_markdown(sample_report())
    last = markdown.rstrip("\n").splitlines()[-1]
    assert last.startswith("Scanned 42 commits, 130 blobs (100.0 kB), skipped 3 blobs in 1.31 s")
    assert last.endswith("as of 2025-07-01T00:00:00Z; dates are UTC")


def test_no_secret_value_in_the_output() -> None:
    markdown = render_markdown(sample_report())
    for secret in SECRETS.values():
        assert secret not in markdown
        assert secret[: len(secret) // 2] not in markdown


def test_shared_renderer_sample_is_redacted() -> None:
    samples = pytest.importorskip("report_samples")
    markdown = render_markdown(samples.sample_report())
    assert len(_blocks(markdown)) == len(samples.sample_report()["findings"])
    for secret in samples.planted_secrets().values():
        assert secret not in markdown

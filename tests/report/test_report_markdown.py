"""The Markdown renderer for CI job summaries: verdict first, one escaped row per secret."""

from __future__ import annotations

import hashlib
import string
from typing import Any

import pytest
from report_samples import finding_dict, first_commit_dict

from scanner.report.markdown import escape_cell, render_markdown, short_ref, window_text

AS_OF = "2025-07-01T00:00:00+00:00"
HOSTILE_PATH = "src/a|b`c`\n<img src=x onerror=alert(1)>[x](http://e.test)*.py"
HEADER = (
    "| Severity | Rule | Preview | First commit | Exposure windows | In HEAD | Reachable from "
    "| Verdict |"
)


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


def split_cells(row: str) -> list[str]:
    """Split a GFM table row the way a GFM parser does: `\\x` is an escape, `|` a boundary."""
    assert row.startswith("| ") and row.endswith(" |"), row
    cells: list[str] = []
    current: list[str] = []
    chars = iter(row[1:-1])
    for char in chars:
        if char == "\\":
            current.append(char + next(chars, ""))
        elif char == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    cells.append("".join(current).strip())
    return cells


def _table_rows(markdown: str) -> list[str]:
    lines = markdown.splitlines()
    start = lines.index(HEADER)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def _row_for(markdown: str, rule_id: str) -> list[str]:
    matches = [cells for cells in map(split_cells, _table_rows(markdown)) if cells[1] == rule_id]
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
    assert HEADER not in markdown


def test_verdict_for_findings_comes_first() -> None:
    verdict = _verdict(render_markdown(sample_report()))
    assert verdict.startswith("❌ 4 secrets found, 1 still in HEAD")
    assert "1 verified live" in verdict
    assert verdict.endswith("longest exposure 61.0 days")


def test_verdict_counts_follow_the_findings() -> None:
    report = sample_report()
    report["findings"] = report["findings"][:1]  # only the closed 59-day xAI key
    assert _verdict(render_markdown(report)) == (
        "❌ 1 secret found, 0 still in HEAD, 1 verified live, longest exposure 59.0 days"
    )


def test_suppressed_findings_do_not_fail_the_verdict() -> None:
    report = sample_report()
    for finding in report["findings"]:
        finding["suppressed"] = "baseline"
    markdown = render_markdown(report)
    assert _verdict(markdown) == "✅ No secrets found in 42 commits (4 suppressed)"
    assert "(suppressed: baseline)" in markdown


def test_one_table_row_per_finding_with_eight_cells() -> None:
    report = sample_report()
    markdown = render_markdown(report)
    rows = _table_rows(markdown)
    assert len(rows) == len(report["findings"])
    assert all(len(split_cells(row)) == 8 for row in rows)
    assert [split_cells(row)[1] for row in rows] == [f["rules"][0] for f in report["findings"]]


def test_row_shows_first_commit_windows_head_and_refs() -> None:
    report = sample_report()
    cells = _row_for(render_markdown(report), "xai-api-key")
    severity, _, preview, first, windows, in_head, refs, verdict = cells
    assert severity == "critical"
    assert preview.startswith(escape_cell(report["findings"][0]["secret_preview"]))
    assert "LIVE" in preview
    assert first == f"{_sha('xai-add')[:7]} 2025-03-02 config/settings.py:12"
    assert windows == "main: 2025-03-02 → 2025-04-30 (59.0 d)"
    assert in_head == "no"
    assert refs == "main, tags/v1.0, origin/main"
    assert verdict == "still live: rotate now"


def test_open_window_and_boundary_window() -> None:
    cells = _row_for(render_markdown(sample_report()), "slack-bot-token")
    assert cells[4] == (
        "main: since 2025-05-01, open (61.0 d)<br>release/2.x: ≤2025-04-20 → 2025-04-25 (5.0 d)"
    )
    assert cells[5] == "**yes**"


def test_dangling_finding_row() -> None:
    cells = _row_for(render_markdown(sample_report()), "aws-access-key-id")
    assert cells[3] == "unknown (dangling)"
    assert "unreachable" in cells[4]
    assert cells[6] == "none"


def test_hostile_path_cannot_break_the_table_or_inject_markup() -> None:
    markdown = render_markdown(sample_report())
    rows = _table_rows(markdown)
    assert len(rows) == 4  # the newline in the path did not end the row early
    cells = _row_for(markdown, "stripe-live-key")
    assert len(cells) == 8
    first = cells[3]
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


def test_many_reachable_refs_are_capped() -> None:
    report = sample_report()
    report["findings"][0]["reachable_from"] = [f"refs/heads/b{i}" for i in range(8)]
    cells = _row_for(render_markdown(report), "xai-api-key")
    assert cells[6] == "b0, b1, b2, b3, b4 (+3 more)"


def test_long_reports_are_truncated_with_a_note() -> None:
    report = sample_report()
    markdown = render_markdown(report, max_rows=2)
    assert len(_table_rows(markdown)) == 2
    assert "… and 2 more; see the full report." in markdown


def test_stats_line() -> None:
    markdown = render_markdown(sample_report())
    last = markdown.rstrip("\n").splitlines()[-1]
    assert last.startswith("Scanned 42 commits and 130 blobs in 1.3 s, 3 skipped")
    assert AS_OF in last


def test_no_secret_value_in_the_output() -> None:
    markdown = render_markdown(sample_report())
    for secret in SECRETS.values():
        assert secret not in markdown
        assert secret[: len(secret) // 2] not in markdown


def test_shared_renderer_sample_is_redacted() -> None:
    samples = pytest.importorskip("report_samples")
    markdown = render_markdown(samples.sample_report())
    assert len(_table_rows(markdown)) == len(samples.sample_report()["findings"])
    for secret in samples.planted_secrets().values():
        assert secret not in markdown

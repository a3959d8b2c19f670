"""--as-of earlier than part of the history: days are exposure as of that date, never negative.

The incident scenario's key entered main on 2025-03-02 09:14 and left it on 2025-04-30 09:14
(59 days). Asked "as of" a date before, inside and after that window, the report must say
0 days (and that the window opened later), the days up to the date (and that it was removed
later), or the whole 59 days, in every format, with one warning line on stderr.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from git_builders import assert_valid_report, scan, scan_report
from hypothesis import given
from hypothesis import strategies as st
from scenario_support import build

from scanner.model import CommitPoint, Window

LEAK = datetime(2025, 3, 2, 9, 14, tzinfo=timezone.utc)
REMOVAL = datetime(2025, 4, 30, 9, 14, tzinfo=timezone.utc)


def _main_window(report: dict[str, Any]) -> dict[str, Any]:
    (finding,) = report["findings"]
    (window,) = [w for w in finding["windows"] if w["ref"] == "refs/heads/main"]
    return window


def test_as_of_before_the_window_counts_no_exposure_and_says_so(
    tmp_path: Path, capsys: Any
) -> None:
    fx = build("incident", tmp_path)
    code, report = scan(fx.path, tmp_path, as_of="2025-01-01T00:00:00Z")
    err = capsys.readouterr().err
    window = _main_window(report)
    assert window["days"] == 0.0
    assert window["opened_after_as_of"] is True and window["closed_after_as_of"] is False
    assert window["closed"] is not None  # the window is still the one git has
    assert report["summary"]["longest_days"] == 0.0
    (note,) = report["scan"]["notes"]
    assert note["kind"] == "as_of_before_history"
    warnings = [line for line in err.splitlines() if "--as-of" in line]
    assert warnings == [f"leakwindow: warning: {note['message']}"]
    assert "1 window opened after it (0 days counted)" in note["message"]
    assert code == 1  # the secret is in the repository all the same
    assert_valid_report(report)


def test_as_of_inside_the_window_counts_up_to_that_date(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    as_of = LEAK + timedelta(days=10, hours=12)
    _, report = scan(fx.path, tmp_path, as_of=as_of.isoformat())
    window = _main_window(report)
    assert window["days"] == 10.5
    assert window["closed_after_as_of"] is True and window["opened_after_as_of"] is False
    assert window["closed"]["committed_at"].startswith("2025-04-30")
    assert "1 window closed after it (counted up to it)" in report["scan"]["notes"][0]["message"]


def test_as_of_after_the_history_changes_nothing(tmp_path: Path, capsys: Any) -> None:
    fx = build("incident", tmp_path)
    _, report = scan(fx.path, tmp_path, as_of="2025-12-31T00:00:00Z")
    window = _main_window(report)
    assert window["days"] == round((REMOVAL - LEAK).total_seconds() / 86400, 1) == 59.0
    assert not window.get("opened_after_as_of") and not window.get("closed_after_as_of")
    assert not report["scan"].get("notes")
    assert "--as-of" not in capsys.readouterr().err


def test_an_open_window_is_never_counted_negative(tmp_path: Path) -> None:
    fx = build("never-removed", tmp_path)
    code, report = scan(fx.path, tmp_path, as_of="2024-06-30T00:00:00Z")
    (finding,) = report["findings"]
    assert [w["days"] for w in finding["windows"]] == [0.0] * len(finding["windows"])
    assert all(w["closed"] is None and w["opened_after_as_of"] for w in finding["windows"])
    assert finding["in_head"] is True and code == 1
    text = scan_report(fx.path, tmp_path, fmt="text", as_of="2024-06-30T00:00:00Z")[1]
    assert "still present, 0.0 days so far (opened after the as-of date" in text
    assert re.search(r"-[0-9.]+ days", text) is None


def test_every_format_says_what_the_as_of_date_did(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    as_of = "2025-01-01T00:00:00Z"
    text = scan_report(fx.path, tmp_path, fmt="text", as_of=as_of)[1]
    markdown = scan_report(fx.path, tmp_path, fmt="markdown", as_of=as_of)[1]
    html = scan_report(fx.path, tmp_path, fmt="html", as_of=as_of)[1]
    sarif = json.loads(scan_report(fx.path, tmp_path, fmt="sarif", as_of=as_of)[1])
    for shown in (text, markdown, html):
        assert "opened after the as-of date: no exposure then" in shown
        assert "is earlier than part of the history" in shown
        assert "-59" not in shown and "-60" not in shown
    assert "main: 2025-03-02 → 2025-04-30, 0.0 days (opened after the as-of date" in text
    (notification,) = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["descriptor"]["id"] == "as_of_before_history"
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert all("exposed 0.0 days" in m and "opened after the as-of date" in m for m in messages)


def test_a_saved_result_is_viewed_at_the_new_as_of_date_like_a_fresh_scan(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    scan(fx.path, tmp_path, as_of="2025-12-31T00:00:00Z")  # leaves a saved result
    for as_of in ("2025-01-01T00:00:00Z", "2025-03-12T21:14:00Z", "2025-12-31T00:00:00Z"):
        _, cached = scan(fx.path, tmp_path, as_of=as_of)
        _, fresh = scan(fx.path, tmp_path, "--no-cache", as_of=as_of)
        assert cached["findings"] == fresh["findings"], as_of
        assert cached["summary"] == fresh["summary"], as_of
        assert cached["scan"].get("notes") == fresh["scan"].get("notes"), as_of


_TIMES = st.integers(min_value=0, max_value=4_000_000_000)


@given(opened=_TIMES, closed=st.none() | _TIMES, first=_TIMES, second=_TIMES)
def test_days_at_a_date_never_depend_on_an_earlier_view_and_never_go_negative(
    opened: int, closed: int | None, first: int, second: int
) -> None:
    from scanner.exposure.windows import window_as_of  # (imported here: new since commit e5329f8)

    window = Window(
        ref="refs/heads/main",
        opened=CommitPoint("a" * 40, "2025-01-01T00:00:00+00:00", opened),
        closed=None if closed is None else CommitPoint("b" * 40, "2025-01-02T00:00:00Z", closed),
        days=0.0,
    )
    at_second = window_as_of(window, second)
    assert window_as_of(window_as_of(window, first), second) == at_second
    assert (at_second.opened, at_second.closed) == (window.opened, window.closed)
    assert at_second.opened_after_as_of == (opened > second)
    if opened > second:
        assert at_second.days == 0.0
    elif closed is None or closed > second:
        assert at_second.days == round((second - opened) / 86400, 1) >= 0
        assert at_second.closed_after_as_of == (closed is not None)
    else:  # closed by the as-of date: the whole window, whatever its dates say
        assert at_second.days == round((closed - opened) / 86400, 1)
        assert not at_second.closed_after_as_of

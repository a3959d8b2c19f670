"""The HTML report: self-contained, escaped, secret-free, and a working timeline in a browser."""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from scanner.report.html import render_html
from scanner.report.html_values import SEVERITY_COLOUR, verification_requested

try:  # tests/ is a rootdir-relative folder, or a package once it grows an __init__.py
    from report_samples import AS_OF, planted_secrets, sample_report
except ImportError:  # pragma: no cover - depends on how pytest was pointed at the tests
    from tests.report_samples import AS_OF, planted_secrets, sample_report

HOSTILE_PATH = "<script>alert(1)</script>"
HOSTILE_AUTHOR = '"><img src=x onerror=alert(2)>'
HOSTILE_REF = "refs/heads/<b>evil</b>&"


class _ElementCollector(HTMLParser):
    """Every start tag with its attributes, in document order (tag names lower-case)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _elements(page: str) -> list[tuple[str, dict[str, str]]]:
    collector = _ElementCollector()
    collector.feed(page)
    return collector.elements


def _with_class(page: str, css_class: str) -> list[dict[str, str]]:
    return [attrs for _, attrs in _elements(page) if css_class in attrs.get("class", "").split()]


def _finding_by_rule(report: dict[str, Any], rule: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if rule in f["rules"])


def _bar(page: str, rule: str, ref: str, report: dict[str, Any]) -> dict[str, str]:
    """The window-bar element for one finding's window on one ref."""
    fingerprint = _finding_by_rule(report, rule)["fingerprint"]
    lane_fingerprint = None
    for _, attrs in _elements(page):
        if "lane" in attrs.get("class", "").split():
            lane_fingerprint = attrs["data-fingerprint"]
        elif (
            "window-bar" in attrs.get("class", "").split()
            and lane_fingerprint == fingerprint
            and attrs["data-ref"] == ref
        ):
            return attrs
    raise AssertionError(f"no bar for {rule} on {ref}")


def _hostile_report() -> dict[str, Any]:
    report = sample_report()
    finding = report["findings"][0]
    finding["first_commit"]["path"] = HOSTILE_PATH
    finding["first_commit"]["author"] = HOSTILE_AUTHOR
    finding["locations"][0]["path"] = HOSTILE_PATH
    finding["windows"][0]["ref"] = HOSTILE_REF
    finding["reachable_from"].append(HOSTILE_REF)
    finding["title"] = "Key </title><script>alert(3)</script>"
    report["scan"]["target"] = "/tmp/<iframe src=//evil.example>"
    return report


# ---------------------------------------------------------------------------------------------
# Unit level: the rendered text


def test_page_loads_nothing_from_the_network() -> None:
    page = render_html(sample_report())
    loads = re.findall(
        r"""\b(?:src|href|action|xlink:href|srcset)\s*=\s*["']?\s*([^"'\s>]*)""", page
    )
    assert loads, "expected at least the in-page links"
    assert all(target.startswith("#") for target in loads), loads
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?\s*(?!#)", page), "CSS/SVG url() must be in-page only"
    assert "<link" not in page
    assert "http://" not in page and "https://" not in page


def test_content_security_policy_forbids_fetches_and_pins_the_inline_code() -> None:
    page = render_html(sample_report())
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    text = policy.group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in text
    for tag in ("style", "script"):
        body = re.search(rf"<{tag}>(.*?)</{tag}>", page, re.DOTALL)
        assert body is not None
        digest = base64.b64encode(hashlib.sha256(body.group(1).encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in text


def test_hostile_repository_values_are_escaped() -> None:
    page = render_html(_hostile_report())
    assert HOSTILE_PATH not in page
    assert HOSTILE_AUTHOR not in page
    assert "<b>evil</b>" not in page
    assert "<iframe" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1  # only the report's own script
    assert [tag for tag, _ in _elements(page)].count("img") == 0


def test_control_and_bidi_characters_in_values_are_spelled_out() -> None:
    report = sample_report()
    report["findings"][0]["first_commit"]["path"] = "cod\u202eyp.exe\x1b[2J\nnext.py"
    page = render_html(report)
    assert "\u202e" not in page and "\x1b" not in page
    assert "cod\\u202eyp.exe\\x1b[2J\\x0anext.py" in page


def test_one_lane_per_finding_in_report_order() -> None:
    report = sample_report()
    lanes = _with_class(render_html(report), "lane")
    assert [lane["data-fingerprint"] for lane in lanes] == [
        f["fingerprint"] for f in report["findings"]
    ]


def test_one_bar_per_window_per_ref() -> None:
    report = sample_report()
    bars = _with_class(render_html(report), "window-bar")
    expected = sorted((w["ref"], w["days"]) for f in report["findings"] for w in f["windows"])
    assert sorted((b["data-ref"], float(b["data-days"])) for b in bars) == expected


def test_bar_width_is_proportional_to_window_length() -> None:
    report = sample_report()
    page = render_html(report)
    xai = _bar(page, "xai-api-key", "refs/heads/main", report)
    openai = _bar(page, "openai-api-key", "refs/heads/main", report)
    assert (xai["data-days"], openai["data-days"]) == ("59", "30")
    ratio = float(xai["width"]) / float(openai["width"])
    assert ratio == pytest.approx(59 / 30, rel=0.001)


def test_open_window_reaches_the_as_of_date_and_has_an_open_end_marker() -> None:
    report = sample_report()
    page = render_html(report)
    slack = _bar(page, "slack-bot-token", "refs/heads/main", report)
    xai = _bar(page, "xai-api-key", "refs/heads/main", report)
    assert slack["data-open"] == "true" and xai["data-open"] == "false"
    # Same scale: 59 days of the xAI bar vs 45.7 days from the Slack opening to as_of.
    per_day = float(xai["width"]) / 59.0
    assert float(slack["width"]) / per_day == pytest.approx(45.729, abs=0.01)
    assert len(_with_class(page, "marker-open")) == 1
    assert f"still open at {AS_OF[:10]}" in slack["aria-label"]


def test_bars_and_markers_are_focusable_and_labelled() -> None:
    page = render_html(sample_report())
    focusables = _with_class(page, "window-bar") + _with_class(page, "marker")
    assert len(_with_class(page, "marker-first-commit")) == 5  # every finding but the dangling
    assert len(_with_class(page, "marker-removed")) == 5  # closed windows
    assert len(_with_class(page, "marker-verification")) == 6
    for element in focusables:
        assert element["tabindex"] == "0"
        assert element["aria-label"]
    xai = _bar(page, "xai-api-key", "refs/heads/main", sample_report())
    label = xai["aria-label"]
    for fact in ("59 days", "2025-03-02", "2025-04-30", "refs/heads/main"):
        assert fact in label
    assert (
        _finding_by_rule(sample_report(), "xai-api-key")["windows"][0]["opened"]["sha"][:8] in label
    )


def test_planted_secret_values_never_appear() -> None:
    page = render_html(sample_report())
    for secret in planted_secrets().values():
        # No run of 10 consecutive secret characters: previews keep at most 6.
        for start in range(len(secret) - 9):
            assert secret[start : start + 10] not in page


def test_summary_header_counts_and_caveat() -> None:
    page = render_html(sample_report())
    header = page.split("</header>", 1)[0]
    assert "/srv/checkouts/acme-models" in header
    assert "refs/heads/main" in header and sample_report()["scan"]["head"]["sha"][:8] in header
    assert "2025-06-30" in header
    assert "59 days" in header
    assert re.search(r"Live keys</dt><dd><span[^>]*>1</span>", header)
    counts = dict(
        re.findall(
            r'sev-(critical|high|medium|low)">\1</span> <span class="count">'
            r"(\d+)</span>",
            header,
        )
    )
    assert counts == {"critical": "2", "high": "2", "medium": "1", "low": "1"}
    assert "evidence, not proof" in header


def test_findings_table_has_sortable_column_headers() -> None:
    page = render_html(sample_report())
    sort_keys = [
        attrs["data-sort-key"] for tag, attrs in _elements(page) if "data-sort-key" in attrs
    ]
    assert sort_keys == ["severity", "rule", "place", "days", "first"]
    headers = [attrs for tag, attrs in _elements(page) if tag == "th"]
    assert headers and all(h.get("scope") == "col" for h in headers)
    assert "<thead>" in page
    rows = [attrs for tag, attrs in _elements(page) if tag == "tr" and "data-fingerprint" in attrs]
    assert len(rows) == 6


def test_detail_panel_lists_everything_about_a_finding() -> None:
    report = sample_report()
    page = render_html(report)
    openai = _finding_by_rule(report, "openai-api-key")
    panels = re.findall(r"<details.*?</details>", page, re.DOTALL)
    assert len(panels) == len(report["findings"])
    panel = panels[report["findings"].index(openai)]
    for fact in (
        openai["remediation"],
        openai["first_commit"]["sha"],
        openai["first_commit"]["author"],
        "notebooks/eval.py:40",
        "refs/heads/release/1.x",
        "refs/tags/v0.3.0",
        "invalid",
        "GET /v1/models returned 401",
        openai["fingerprint"],
    ):
        assert html.escape(fact) in panel, fact
    dangling = panels[1]
    assert "dangling" in dangling and "No exposure window" in dangling
    stripe = panels[5]
    assert "base64-decoded" in stripe and "shallow boundary" in stripe


def test_empty_report_renders() -> None:
    report = sample_report()
    report["findings"] = []
    page = render_html(report)
    assert "No secrets were found" in page and "No findings." in page
    assert not _with_class(page, "lane")


def test_minimal_finding_from_an_older_report_renders() -> None:
    report = {
        "schema": "leakwindow.report/1",
        "scan": {"target": "repo", "as_of": "2026-01-01T00:00:00Z"},
        "findings": [
            {
                "fingerprint": "ab" * 32,
                "rules": ["x"],
                "title": "T",
                "severity": "weird",
                "windows": [
                    {
                        "ref": "HEAD",
                        "opened": {"sha": "1" * 40, "committed_at": "2025-12-01T00:00:00Z"},
                        "closed": None,
                        "days": 31.0,
                    }
                ],
            }
        ],
    }
    page = render_html(report)
    assert len(_with_class(page, "window-bar")) == 1
    assert ">unknown</span>" in page


def test_severity_colours_meet_text_contrast_on_white() -> None:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in SEVERITY_COLOUR.values():
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5, colour


# ---------------------------------------------------------------------------------------------
# Browser level: real headless Chromium over a file:// URL


class _LoadedPage:
    """A page opened on a rendered report, recording every request and dialog."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.requests: list[str] = []
        self.aborted: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1366, "height": 900})
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._on_dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.aborted.append(route.request.url)
            route.abort()

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def row_fingerprints(self) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                "#findings-table tbody tr[data-index]",
                "rows => rows.map(r => r.dataset.fingerprint)",
            )
        )

    def visible_row_fingerprints(self) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                "#findings-table tbody tr[data-index]",
                "rows => rows.filter(r => !r.hidden).map(r => r.dataset.fingerprint)",
            )
        )

    def aria_sort(self, key: str) -> str | None:
        value = self.page.get_attribute(f'th:has(button[data-sort-key="{key}"])', "aria-sort")
        return None if value is None else str(value)


def _open(browser: Any, tmp_path: Path, report: dict[str, Any]) -> Iterator[_LoadedPage]:
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    loaded = _LoadedPage(browser, path)
    yield loaded
    loaded.page.close()


@pytest.fixture
def loaded(browser: Any, tmp_path: Path) -> Iterator[_LoadedPage]:
    yield from _open(browser, tmp_path, sample_report())


def _longest(finding: dict[str, Any]) -> float:
    return max((w["days"] for w in finding["windows"]), default=0.0)


def test_browser_draws_one_lane_per_secret(loaded: _LoadedPage) -> None:
    lanes = loaded.page.eval_on_selector_all(
        "#timeline-svg .lane", "lanes => lanes.map(l => l.dataset.fingerprint)"
    )
    assert lanes == [f["fingerprint"] for f in sample_report()["findings"]]
    heights = loaded.page.eval_on_selector_all(
        "#timeline-svg .lane", "lanes => lanes.map(l => l.getBoundingClientRect().height)"
    )
    assert all(h > 20 for h in heights)
    assert loaded.errors == []


def test_browser_bar_widths_are_proportional_to_days(loaded: _LoadedPage) -> None:
    report = sample_report()

    def width(rule: str) -> float:
        fingerprint = _finding_by_rule(report, rule)["fingerprint"]
        selector = (
            f'#timeline-svg .lane[data-fingerprint="{fingerprint}"] '
            '.window-bar[data-ref="refs/heads/main"]'
        )
        return float(loaded.page.eval_on_selector(selector, "b => b.getBoundingClientRect().width"))

    xai, openai = width("xai-api-key"), width("openai-api-key")
    assert openai > 50  # wide enough to read on a laptop screen
    assert xai / openai == pytest.approx(59 / 30, rel=0.05)


def test_browser_sort_header_orders_rows_and_reverses(loaded: _LoadedPage) -> None:
    findings = sample_report()["findings"]
    by_days = [f["fingerprint"] for f in sorted(findings, key=_longest, reverse=True)]
    assert loaded.aria_sort("days") is None

    loaded.page.click('button[data-sort-key="days"]')
    assert loaded.row_fingerprints() == by_days
    assert loaded.aria_sort("days") == "descending"

    loaded.page.click('button[data-sort-key="days"]')
    assert loaded.row_fingerprints() == by_days[::-1]
    assert loaded.aria_sort("days") == "ascending"

    loaded.page.click('button[data-sort-key="rule"]')
    by_rule = [f["fingerprint"] for f in sorted(findings, key=lambda f: f["rules"][0])]
    assert loaded.row_fingerprints() == by_rule
    assert loaded.aria_sort("rule") == "ascending" and loaded.aria_sort("days") is None


def test_browser_sort_by_first_commit_puts_undated_rows_last(loaded: _LoadedPage) -> None:
    findings = sample_report()["findings"]
    dated = [f for f in findings if f["first_commit"]]
    undated = [f["fingerprint"] for f in findings if not f["first_commit"]]
    oldest_first = [
        f["fingerprint"] for f in sorted(dated, key=lambda f: f["first_commit"]["committed_at"])
    ]
    loaded.page.click('button[data-sort-key="first"]')
    assert loaded.row_fingerprints() == oldest_first + undated
    loaded.page.click('button[data-sort-key="first"]')
    assert loaded.row_fingerprints() == oldest_first[::-1] + undated


def test_browser_sorting_works_from_the_keyboard(loaded: _LoadedPage) -> None:
    findings = sample_report()["findings"]
    loaded.page.focus('button[data-sort-key="severity"]')
    loaded.page.keyboard.press("Enter")
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1}
    order = [ranks[f["severity"]] for f in findings]
    by_fp = {f["fingerprint"]: ranks[f["severity"]] for f in findings}
    shown = [by_fp[fp] for fp in loaded.row_fingerprints()]
    assert shown == sorted(order, reverse=True)
    loaded.page.keyboard.press("Space")
    shown = [by_fp[fp] for fp in loaded.row_fingerprints()]
    assert shown == sorted(order)
    assert loaded.aria_sort("severity") == "ascending"


def test_browser_timeline_bars_take_keyboard_focus(loaded: _LoadedPage) -> None:
    loaded.page.focus("#timeline-svg .window-bar")
    focused = loaded.page.evaluate("document.activeElement.getAttribute('class')")
    assert focused == "window-bar"
    readout = loaded.page.text_content("#timeline-readout")
    first_bar_label = loaded.page.get_attribute("#timeline-svg .window-bar", "aria-label")
    assert readout == first_bar_label


def test_browser_filter_box_hides_non_matching_rows(loaded: _LoadedPage) -> None:
    openai = _finding_by_rule(sample_report(), "openai-api-key")["fingerprint"]
    loaded.page.fill("#findings-filter", "release/1.X")
    assert loaded.visible_row_fingerprints() == [openai]
    assert loaded.page.text_content("#findings-count") == "1 of 6 findings shown"
    dimmed = loaded.page.eval_on_selector_all("#timeline-svg .lane.dimmed", "lanes => lanes.length")
    assert dimmed == 5
    loaded.page.fill("#findings-filter", "")
    assert len(loaded.visible_row_fingerprints()) == 6


def test_browser_makes_no_network_request(loaded: _LoadedPage) -> None:
    loaded.page.click("details summary")  # interacting must not fetch anything either
    loaded.page.click('button[data-sort-key="days"]')
    assert loaded.aborted == []
    assert loaded.requests and all(url.startswith("file://") for url in loaded.requests)
    assert len(loaded.requests) == 1


def test_browser_dom_holds_no_secret_value(loaded: _LoadedPage) -> None:
    loaded.page.eval_on_selector_all("details", "panels => panels.forEach(p => p.open = true)")
    content = loaded.page.content() + loaded.page.inner_text("body")
    for secret in planted_secrets().values():
        assert secret not in content
        assert secret[:12] not in content


def test_browser_hostile_values_stay_inert(browser: Any, tmp_path: Path) -> None:
    for loaded in _open(browser, tmp_path, _hostile_report()):
        loaded.page.eval_on_selector_all("details", "panels => panels.forEach(p => p.open = true)")
        assert loaded.dialogs == []
        assert loaded.page.eval_on_selector_all("script", "s => s.length") == 1
        assert loaded.page.eval_on_selector_all("img, iframe", "e => e.length") == 0
        assert HOSTILE_PATH in loaded.page.inner_text("#details")
        assert loaded.aborted == []


def test_browser_screenshot_is_written(loaded: _LoadedPage, tmp_path: Path) -> None:
    loaded.page.click("details summary")
    targets = [tmp_path / "timeline.png"]
    if os.environ.get("LEAKWINDOW_SCREENSHOT_DIR"):
        directory = Path(os.environ["LEAKWINDOW_SCREENSHOT_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        targets.append(directory / "timeline.png")
    for target in targets:
        loaded.page.screenshot(path=str(target), full_page=True)
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert target.stat().st_size > 20_000  # a real page, not a blank one


def test_print_media_keeps_the_timeline_and_hides_controls(loaded: _LoadedPage) -> None:
    loaded.page.emulate_media(media="print")
    assert loaded.page.is_hidden(".controls")
    assert loaded.page.is_visible("#timeline-svg")
    loaded.page.emulate_media(media="screen")
    assert loaded.page.is_visible(".controls")


def test_sample_is_not_mutated_by_rendering() -> None:
    report = sample_report()
    snapshot = copy.deepcopy(report)
    render_html(report)
    assert report == snapshot


def test_context_line_is_shown_escaped_in_the_details_when_the_report_has_one() -> None:
    report = sample_report()
    report["findings"][0]["context_line"] = 'API_KEY = "xai-Iu…(84 chars)"  # <b>see</b>'
    panels = re.findall(r"<details.*?</details>", render_html(report), re.DOTALL)
    assert '<pre class="context-line"><code>API_KEY = &quot;xai-Iu…(84 chars)&quot;' in panels[0]
    assert "&lt;b&gt;see&lt;/b&gt;" in panels[0] and "<b>see</b>" not in panels[0]
    assert all("context-line" not in panel for panel in panels[1:])  # older reports: no line


def test_equal_severity_sorts_surer_findings_first() -> None:
    report = sample_report()
    report["findings"][2]["severity"] = report["findings"][3]["severity"] = "high"
    report["findings"][2]["confidence"] = "medium"
    report["findings"][3]["confidence"] = "high"
    page = render_html(report)
    ranks = {
        attrs["data-fingerprint"]: int(attrs["data-sort-severity"])
        for tag, attrs in _elements(page)
        if tag == "tr" and "data-sort-severity" in attrs
    }
    medium, sure = (report["findings"][i]["fingerprint"] for i in (2, 3))
    assert (
        ranks[sure]
        > ranks[medium]
        > max(ranks[f["fingerprint"]] for f in report["findings"] if f["severity"] == "medium")
    )
    assert "medium confidence" in page


def test_a_key_preview_field_is_shown_when_the_report_has_one() -> None:
    report = sample_report()
    finding = report["findings"][0]
    finding["secret_preview"] = "-----B…(1703 chars)"
    page = render_html(report)
    assert "-----B" not in page and f"sha256 {finding['fingerprint'][:8]}" in page
    finding["secret_preview"] = "MIIEv…(1703 chars)"
    finding["key_preview"] = "RSA 2048 key, e=65537"
    page = render_html(report)
    assert "RSA 2048 key, e=65537" in page and "MIIEv" not in page


def test_verification_counts_as_requested_by_the_scan_section_or_a_checked_key() -> None:
    report = sample_report()
    assert verification_requested(report)  # its keys were checked: live, invalid, error
    for finding in report["findings"]:
        finding["verification"] = {"status": "unchecked", "detail": None, "checked_at": None}
    assert not verification_requested(report)
    page = render_html(report)
    assert "status-unchecked" not in page and "marker-verification" not in page
    report["scan"]["verification"] = {"contacted": {}}  # --verify ran, no key had an endpoint
    assert verification_requested(report)
    assert 'class="status status-unchecked"' in render_html(report)


def test_a_finding_without_locations_is_placed_at_its_first_commit() -> None:
    report = sample_report()
    finding = report["findings"][0]
    finding["locations"] = []
    first = finding["first_commit"]
    place = f"{first['path']}:{first['line']}".replace("/", "/<wbr>")
    assert f'<code class="place">{place}</code>' in render_html(report)


def test_hundreds_of_tags_fold_away_under_a_count() -> None:
    report = sample_report()
    tags = [f"refs/tags/v1.{n}" for n in range(580)]
    report["findings"][0]["reachable_from"] = ["refs/heads/main", *tags]
    report["scan"]["refs"] = ["refs/heads/main", *tags]
    page = render_html(report)
    assert "<summary>and 571 more</summary>" in page  # reachable from: 10 shown of 581
    assert "<summary>and 569 more</summary>" in page  # the footer: 12 shown of 581
    assert page.count("<code>refs/tags/v1.579</code>") == 2  # still all there, folded

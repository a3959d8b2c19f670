"""The HTML report in a real browser, over reports of real scans: no text on the timeline runs
into other text at a desktop or a small laptop width, nothing is clipped, every lane and row
says where its secret is and the filter finds it by path, a title opens its details, the
verification column appears only after --verify, secrets exposed in one identical window
share a lane, test-only findings stay below the rest, and dates are in UTC.

The repositories are built and scanned once for the module and one Chromium serves every test.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from git_builders import PYTHON_ENGINE, GitRepo, scan

from scanner.demo import make_token
from scanner.report.html import render_html
from scanner.report.html_timeline_scale import PLOT_LEFT, SVG_WIDTH

try:  # tests/ is a rootdir-relative folder, or a package once it grows an __init__.py
    from report_samples import sample_report
except ImportError:  # pragma: no cover - depends on how pytest was pointed at the tests
    from tests.report_samples import sample_report

WIDTHS = (1400, 800)
HEAD_BRANCH = "release/2025-spring-hotfixes"
LEAK_DATE = "2025-01-10T23:30:00-05:00"  # 2025-01-11 04:30 in UTC
KEY_FILES = [f"leaked/customers/very-long-directory-name-{n}/deploy/id_service.pem" for n in "ab"]


def _pem(seed: int) -> str:
    """A synthetic PKCS#8 key: the right armour and shape, random bytes inside."""
    body = base64.b64encode(random.Random(seed).randbytes(1200)).decode()
    lines = ["MIIEv" + body[:59], *(body[i : i + 64] for i in range(59, len(body), 64))]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n"


def _credential_dump(path: Path) -> GitRepo:
    """A repository of leaked credential files, all committed at once and never removed, plus
    a test file with a key of its own, on a branch whose name has slashes and dashes."""
    rng = random.Random(20)
    files = {name: _pem(seed) for seed, name in enumerate(KEY_FILES)}
    for n in range(3):
        files[f"leaked/env/service-{n}.env"] = (
            f'XAI_API_KEY="{make_token("xai", rng)}"\n'
            f"AWS_ACCESS_KEY_ID={make_token('aws-key-id', rng)}\n"
        )
    files["settings.py"] = f'DB_PASSWORD = "{make_token("generic-password", rng)}"\n'
    files["tests/fixtures/test_client.py"] = f'KEY = "{make_token("anthropic", rng)}"\n'
    repo = GitRepo(path)
    repo.change(LEAK_DATE, files)
    repo.change("2025-02-01T00:00:00+00:00", {"README.md": "a dump\n"})
    repo.git("branch", "-m", HEAD_BRANCH)
    return repo


def _long_history(path: Path) -> GitRepo:
    """Secrets with windows of every kind of placement: one across the whole plot (its caption
    has no room beside the bar), one ending near the as-of date, one removed and re-added, one
    short, so captions land right of, left of and inside their bars."""
    rng = random.Random(21)
    keys = {name: make_token("xai", rng) for name in ("whole", "late", "twice", "short")}
    repo = GitRepo(path)
    repo.change("2023-01-02T00:00:00+00:00", {"config/whole.py": f'XAI = "{keys["whole"]}"\n'})
    repo.change("2023-03-01T00:00:00+00:00", {"src/app/twice.py": f'XAI = "{keys["twice"]}"\n'})
    repo.change("2023-04-01T00:00:00+00:00", {"src/app/short.py": f'XAI = "{keys["short"]}"\n'})
    repo.change("2023-04-05T00:00:00+00:00", {}, delete=["src/app/short.py"])
    repo.change("2023-06-01T00:00:00+00:00", {}, delete=["src/app/twice.py"])
    repo.change("2024-02-01T00:00:00+00:00", {"src/app/twice.py": f'XAI = "{keys["twice"]}"\n'})
    repo.change("2024-05-01T00:00:00+00:00", {}, delete=["src/app/twice.py"])
    repo.change("2025-11-20T00:00:00+00:00", {"deploy/late.pem": _pem(9)})
    repo.change("2025-11-21T00:00:00+00:00", {"deploy/late.py": f'XAI = "{keys["late"]}"\n'})
    return repo


@dataclass
class Built:
    """The reports the tests open, by name: each as JSON and as an HTML file."""

    reports: dict[str, dict[str, Any]]
    pages: dict[str, Path]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("html-layout")
    reports: dict[str, dict[str, Any]] = {}
    for name, make, as_of in (
        # Early in a month whose axis label is drawn: the as-of line falls on the label.
        ("credentials", _credential_dump, "2025-03-03T00:00:00+00:00"),
        ("history", _long_history, "2025-12-31T00:00:00+00:00"),
    ):
        repo = make(root / name)
        _, reports[name] = scan(repo.path, root, *PYTHON_ENGINE, as_of=as_of)
    reports["verified"] = sample_report()  # keys checked with --verify: live, invalid, error
    pages = {}
    for name, report in reports.items():
        pages[name] = root / f"{name}.html"
        pages[name].write_text(render_html(report), encoding="utf-8")
    return Built(reports, pages)


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    instance = browser.new_context()
    yield instance
    instance.close()


@pytest.fixture
def open_page(context: Any, built: Built) -> Iterator[Any]:
    """open_page(name, width): a fresh page on one of the built reports, closed after the test."""
    opened: list[Any] = []

    def opener(name: str, width: int = 1400) -> Any:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(built.pages[name].as_uri())
        opened.append(page)
        return page

    yield opener
    for page in opened:
        page.close()


# Boxes in page pixels of every drawn text on the timeline, with the SVG's own box.
_TEXT_BOXES = """svg => {
  const box = e => { const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            text: e.textContent, cls: e.getAttribute('class') || '', x: e.getAttribute('x')}; };
  return {svg: box(svg), texts: [...svg.querySelectorAll('text')].map(box)
    .filter(b => b.right - b.left > 0)};
}"""


def _overlaps(a: dict[str, Any], b: dict[str, Any], slack: float = 0.5) -> bool:
    return (
        a["left"] < b["right"] - slack
        and b["left"] < a["right"] - slack
        and a["top"] < b["bottom"] - slack
        and b["top"] < a["bottom"] - slack
    )


def _inside(inner: dict[str, Any], outer: dict[str, Any], slack: float = 0.5) -> bool:
    return (
        inner["left"] >= outer["left"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["top"] >= outer["top"] - slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def _box(page: Any, selector: str) -> dict[str, float]:
    return dict(
        page.eval_on_selector(
            selector,
            "e => { const r = e.getBoundingClientRect(); "
            "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }",
        )
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["credentials", "history", "verified"])
def test_no_text_on_the_timeline_runs_into_other_text(
    open_page: Any, name: str, width: int
) -> None:
    page = open_page(name, width)
    boxes = page.eval_on_selector("#timeline-svg", _TEXT_BOXES)
    texts = boxes["texts"]
    assert len(texts) > 10
    hits = [
        (a["text"], b["text"])
        for i, a in enumerate(texts)
        for b in texts[i + 1 :]
        if _overlaps(a, b)
    ]
    assert hits == []
    # Lane labels stay in their column; captions stay in the plot; nothing leaves the SVG.
    svg = boxes["svg"]
    unit = (svg["right"] - svg["left"]) / SVG_WIDTH
    plot_left = svg["left"] + PLOT_LEFT * unit
    for text in texts:
        assert _inside(text, svg), text["text"]
        if float(text["x"] or 0) < PLOT_LEFT:
            assert text["right"] <= plot_left, text["text"]
        if "window-caption" in text["cls"]:
            assert text["left"] >= plot_left - 0.5, text["text"]


@pytest.mark.parametrize("name", ["credentials", "history"])
def test_the_as_of_line_does_not_cross_an_axis_label(open_page: Any, name: str) -> None:
    page = open_page(name)
    line = _box(page, "#timeline-svg .as-of line")
    labels = page.eval_on_selector("#timeline-svg", _TEXT_BOXES)["texts"]
    axis = [label for label in labels if "axis-label" in label["cls"]]
    assert axis
    assert [label["text"] for label in axis if _overlaps(line, label, slack=0)] == []


def test_verification_pills_are_not_clipped_at_800_px(open_page: Any) -> None:
    page = open_page("verified", 800)
    frame = _box(page, ".timeline-frame")
    pills = page.eval_on_selector_all(
        "#timeline-svg .marker-verification",
        "ps => ps.map(p => { const r = p.getBoundingClientRect(); "
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })",
    )
    assert len(pills) == 6
    assert all(_inside(pill, frame) for pill in pills), (pills, frame)
    table = _box(page, ".table-frame")
    badges = page.eval_on_selector_all(
        "#findings-table .status",
        "bs => bs.map(b => { const r = b.getBoundingClientRect(); "
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })",
    )
    assert len(badges) == 6
    assert all(_inside(badge, table) for badge in badges), (badges, table)
    for frame_selector in (".timeline-frame", ".table-frame"):  # nothing hidden off to the side
        overflow = page.eval_on_selector(frame_selector, "f => f.scrollWidth - f.clientWidth")
        assert overflow <= 0, frame_selector


def test_no_verification_pill_without_verify(open_page: Any, built: Built) -> None:
    assert "verification" not in built.reports["credentials"]["scan"]
    page = open_page("credentials")
    assert page.locator("#timeline-svg .marker-verification").count() == 0
    assert page.locator(".status").count() == 0
    assert "unchecked" not in page.inner_text("body")
    assert "not checked (no --verify)" in page.inner_text(".summary-grid")
    verified = open_page("verified")  # after --verify, every lane and row says what it found
    assert verified.locator("#timeline-svg .marker-verification").count() == 6
    assert verified.locator("#findings-table .status").count() == 6


def test_secrets_in_one_identical_window_share_a_lane(open_page: Any, built: Built) -> None:
    findings = built.reports["credentials"]["findings"]
    main = [f for f in findings if not f["context"]]
    assert len(main) >= 8 and len({json.dumps(f["windows"]) for f in main}) == 1
    page = open_page("credentials")
    lanes = page.eval_on_selector_all(
        "#timeline-svg .lane", "ls => ls.map(l => [l.dataset.count, l.dataset.fingerprints])"
    )
    assert lanes[0] == [str(len(main)), " ".join(f["fingerprint"] for f in main)]
    assert [count for count, _ in lanes] == [str(len(main)), "1"]  # the test file's lane
    assert page.locator("#timeline-svg .window-bar").count() == 2
    shared = page.locator("#timeline-svg .lane-shared")
    assert shared.locator("a.lane-label").count() == 1 + 4  # the title and four places
    assert f"+{len(main) - 4} more" in shared.locator(".lane-more").text_content()
    severities = [f["severity"] for f in main]
    counts = [f"{severities.count(s)} {s}" for s in ("critical", "high", "medium")]
    assert shared.locator(".lane-counts").text_content() == " · ".join(counts)


def _first_place(finding: dict[str, Any]) -> str:
    location = finding["locations"][0]
    return f"{location['path']}:{location['line']}"


def test_every_lane_and_row_says_where_its_secret_is(open_page: Any, built: Built) -> None:
    findings = built.reports["history"]["findings"]
    page = open_page("history", 800)
    rows = page.eval_on_selector_all(
        "#findings-table tbody tr[data-index]",
        "rs => rs.map(r => r.querySelector('code.place').innerText)",
    )
    assert rows == [_first_place(f) for f in findings]
    places = page.eval_on_selector_all(
        "#timeline-svg .lane .lane-place",
        "ts => ts.map(t => [t.firstChild.textContent, t.querySelector('title').textContent])",
    )
    assert [full for _, full in places] == [_first_place(f) for f in findings]
    for shown, full in places:  # a long path keeps its end: the file name and the line
        assert shown == full or (shown.startswith("…") and full.endswith(shown[1:]))
    credentials = open_page("credentials")
    listed = credentials.eval_on_selector_all(
        "#timeline-svg .lane-shared a.lane-label text",
        "ts => ts.map(t => t.firstChild.textContent)",
    )
    main = [f for f in built.reports["credentials"]["findings"] if not f["context"]]
    for shown, finding in zip(listed[1:], main, strict=False):
        assert _first_place(finding).endswith(shown.lstrip("…"))


def test_the_filter_finds_findings_by_path(open_page: Any, built: Built) -> None:
    findings = built.reports["credentials"]["findings"]
    wanted = [f["fingerprint"] for f in findings if f["locations"][0]["path"] == KEY_FILES[1]]
    page = open_page("credentials")
    page.fill("#findings-filter", "very-long-directory-name-b")
    shown = page.eval_on_selector_all(
        "#findings-table tbody tr[data-index]",
        "rs => rs.filter(r => !r.hidden).map(r => r.dataset.fingerprint)",
    )
    assert shown == wanted and len(wanted) == 1
    # The shared lane holding that key stays lit; the test file's lane is dimmed.
    dimmed = page.eval_on_selector_all(
        "#timeline-svg .lane", "ls => ls.map(l => l.classList.contains('dimmed'))"
    )
    assert dimmed == [False, True]
    assert page.is_hidden("tr.group-row")  # no test-only finding matches


def _open_panels(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("details[open]", "ds => ds.map(d => d.id)"))


def test_clicking_a_title_opens_its_details(open_page: Any, built: Built) -> None:
    page = open_page("history")
    assert _open_panels(page) == []
    page.click("#timeline-svg .lane a.lane-label")
    assert _open_panels(page) == ["finding-1"]
    assert page.locator("#finding-1 .finding-body").is_visible()
    page.click('#findings-table a[href="#finding-3"]')
    assert _open_panels(page) == ["finding-1", "finding-3"]
    # Closed again, it opens again from the same link (the address no longer changes).
    page.click("#finding-3 > summary")
    page.click('#findings-table a[href="#finding-3"]')
    assert _open_panels(page) == ["finding-1", "finding-3"]
    # A place listed in a shared lane opens that secret's own panel, not the lane's first.
    credentials = open_page("credentials")
    credentials.click("#timeline-svg .lane-shared a.lane-label >> nth=2")
    assert _open_panels(credentials) == ["finding-2"]


def test_a_link_to_a_finding_opens_it_on_load(context: Any, built: Built) -> None:
    page = context.new_page()
    page.goto(built.pages["history"].as_uri() + "#finding-2")
    assert _open_panels(page) == ["finding-2"]
    page.close()


def test_the_head_card_never_wraps_inside_a_word(open_page: Any) -> None:
    for width in WIDTHS:
        page = open_page("credentials", width)
        lines_per_word = page.eval_on_selector(
            ".summary-grid code.branch",
            """code => [...code.childNodes].filter(n => n.nodeType === 3).map(n => {
                 const word = n.textContent.replace(/[/-]$/, '');
                 const range = document.createRange();
                 range.setStart(n, 0); range.setEnd(n, word.length);
                 return [word, range.getClientRects().length]; })""",
        )
        assert [word for word, _ in lines_per_word] == ["release", "2025", "spring", "hotfixes"]
        assert all(lines == 1 for _, lines in lines_per_word), (width, lines_per_word)


def test_test_only_findings_stay_below_the_rest(open_page: Any, built: Built) -> None:
    findings = built.reports["credentials"]["findings"]
    side = [f["fingerprint"] for f in findings if f["context"]]
    assert side and findings[-1]["fingerprint"] == side[0]
    page = open_page("credentials")
    for key in ("days", "severity", "place", "rule"):
        for _ in range(2):  # both directions
            page.click(f'button[data-sort-key="{key}"]')
            order = page.eval_on_selector_all(
                "#findings-table tbody tr[data-index]", "rs => rs.map(r => r.dataset.fingerprint)"
            )
            assert order[-1:] == side, key
    heading = _box(page, "#timeline-svg .lane-section")
    lanes = page.eval_on_selector_all(
        "#timeline-svg .lane",
        "ls => ls.map(l => [l.dataset.fingerprint, l.getBoundingClientRect().top])",
    )
    assert [fp for fp, top in lanes if top >= heading["bottom"] - 0.5] == side
    assert "only in test files" in page.inner_text(f'tr[data-fingerprint="{side[0]}"]')


def test_dates_are_in_utc_and_the_page_says_so(open_page: Any, built: Built) -> None:
    page = open_page("credentials")
    assert "dates in UTC" in page.inner_text(".page-header")
    row = page.inner_text("#findings-table tbody tr[data-index]")
    assert "2025-01-11" in row and "2025-01-10" not in row  # 23:30 at -05:00 is the 11th
    page.click('#findings-table a[href="#finding-1"]')
    assert "committed 2025-01-11 04:30 UTC" in page.inner_text("#finding-1")


def test_private_keys_read_as_their_type_and_a_digest(built: Built) -> None:
    report = built.reports["credentials"]
    keys = [f for f in report["findings"] if "private-key-pkcs8" in f["rules"]]
    assert len(keys) == len(KEY_FILES)
    older = copy.deepcopy(report)  # saved before previews named keys: all alike
    for finding in older["findings"]:
        if "private-key-pkcs8" in finding["rules"]:
            finding["secret_preview"] = "-----B…(1659 chars)"
    for page in (render_html(report), render_html(older)):
        assert "-----B" not in page
        table = page.split('id="findings-table"', 1)[1].split("</table>", 1)[0]
        previews = re.findall(r'<code class="preview">([^<]*)</code>', table)
        for key in keys:
            assert sum(key["fingerprint"][:8] in preview for preview in previews) == 1


def test_the_details_show_the_redacted_line(open_page: Any, built: Built) -> None:
    finding = built.reports["history"]["findings"][0]
    assert finding["context_line"] and finding["secret_preview"] in finding["context_line"]
    page = open_page("history")
    page.click('#findings-table a[href="#finding-1"]')
    assert page.inner_text("#finding-1 pre.context-line") == finding["context_line"]

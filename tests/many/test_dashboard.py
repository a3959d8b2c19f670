"""The organisation dashboard and its Markdown summary, over a report set built from real
scans: fixture scenarios, a repository whose key a fake provider reports live, a clean one,
and sources that could not be scanned (one with a hostile name). Checked as text and in
headless Chromium: counts, ranking, links, no network request, no secret in the DOM."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fake_provider import LIVE_JSON, FakeProvider
from git_builders import PYTHON_ENGINE, GitRepo, fake_bearer

from scanner.cli.app import main
from scanner.demo import build_scenario
from scanner.many.dashboard import render_dashboard, render_summary_markdown
from scanner.many.dashboard_data import overview, safe_link
from scanner.report.html import render_html

AS_OF = "2025-12-31T00:00:00+00:00"
VERIFY_RULES = str(Path(__file__).parents[1] / "data" / "verify_rules.toml")
LIVE_KEY = fake_bearer("dashboard-live")
HOSTILE_SOURCE = '<img src=x onerror=alert(1)>"|`'
HOSTILE_ERROR = "<script>alert(2)</script> | [link](javascript:alert(3))"


@dataclass
class ReportSet:
    directory: Path
    index: dict[str, Any]
    reports: dict[str, dict[str, Any]]
    secrets: list[str]  # every raw secret planted in the scanned repositories


def _scan(repo: Path, out: Path, *extra: str) -> dict[str, Any]:
    args = ["scan", str(repo), "-q", "--no-cache", *PYTHON_ENGINE, "-f", "json"]
    main([*args, "-o", str(out), "--as-of", AS_OF, *extra])
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def _live_repo(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.change("2025-06-01T09:00:00+00:00", {"README.md": "billing service\n"})
    repo.change("2025-06-03T09:00:00+00:00", {"config.py": f"TOKEN = '{LIVE_KEY}'\n"})
    repo.change("2025-06-20T09:00:00+00:00", {"config.py": "TOKEN = env('TOKEN')\n"})
    return repo


def _clean_repo(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.change("2025-05-01T09:00:00+00:00", {"README.md": "nothing to see\n"})
    return repo


@pytest.fixture(scope="module")
def report_set(tmp_path_factory: pytest.TempPathFactory) -> ReportSet:
    """An output directory as `scan-many` writes it: reports/*.json and *.html, index.json."""
    work = tmp_path_factory.mktemp("dashboard")
    out = work / "out"
    (out / "reports").mkdir(parents=True)
    entries: list[dict[str, Any]] = []
    reports: dict[str, dict[str, Any]] = {}
    secrets: list[str] = [LIVE_KEY]

    def add(source: str, slug: str, report: dict[str, Any]) -> None:
        path = f"reports/{slug}.json"
        (out / path).write_text(json.dumps(report))
        (out / f"reports/{slug}.html").write_text(render_html(report))  # type: ignore[arg-type]
        reports[path] = report
        entries.append(
            {
                "source": source,
                "status": "ok",
                "error": None,
                "report": path,
                "summary": report["summary"],
            }
        )

    for name in ("multi-secret", "never-removed", "incident"):
        built = build_scenario(name, work / name)
        secrets += built.secrets.values()
        add(f"https://git.example/acme/{name}.git", name, _scan(built.path, work / f"{name}.json"))
    with FakeProvider() as provider, pytest.MonkeyPatch.context() as patch:
        import scanner.cli.app
        from scanner.verify import VerifySettings

        settings = VerifySettings(
            timeout_s=2.0,
            retries=0,
            host_overrides={"api.fake-provider.test": provider.base_url},
        )
        patch.setattr(scanner.cli.app, "_verify_settings", lambda *_: settings)
        provider.respond(LIVE_KEY, LIVE_JSON)
        live = _scan(
            _live_repo(work / "billing").path,
            work / "billing.json",
            "--rules",
            VERIFY_RULES,
            "--verify",
        )
    add("https://git.example/acme/billing.git", "billing", live)
    add(
        "https://git.example/acme/clean.git",
        "clean",
        _scan(_clean_repo(work / "clean").path, work / "clean.json"),
    )
    entries.insert(
        2,
        {
            "source": "https://git.example/acme/gone.git",
            "status": "error",
            "error": "fatal: repository not found",
            "report": None,
            "summary": None,
        },
    )
    entries.append(
        {
            "source": HOSTILE_SOURCE,
            "status": "error",
            "error": HOSTILE_ERROR,
            "report": None,
            "summary": None,
        }
    )
    index = {"schema": "leakwindow.report-set/1", "repositories": entries}
    (out / "index.json").write_text(json.dumps(index))
    (out / "index.html").write_text(render_dashboard(index, reports))
    return ReportSet(out, index, reports, secrets)


class _ElementCollector(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _elements(page: str) -> list[tuple[str, dict[str, str]]]:
    collector = _ElementCollector()
    collector.feed(page)
    return collector.elements


def _active(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if not f["suppressed"]]


def _expected_order(report_set: ReportSet) -> list[str]:
    """Live keys first, then exposures still open, then the longest, worked out here from the
    reports themselves."""

    def key(entry: dict[str, Any]) -> tuple[int, int, float]:
        findings = _active(report_set.reports[entry["report"]])
        live = sum(1 for f in findings if f["verification"]["status"] == "live")
        still_open = sum(1 for f in findings if any(w["closed"] is None for w in f["windows"]))
        longest = max((w["days"] for f in findings for w in f["windows"]), default=0.0)
        return (-live, -still_open, -longest)

    ok = [e for e in report_set.index["repositories"] if e["status"] == "ok"]
    return [e["source"] for e in sorted(ok, key=key)]


# ---------------------------------------------------------------------------------------------
# The page as text


def test_the_set_is_what_the_tests_assume(report_set: ReportSet) -> None:
    billing = report_set.reports["reports/billing.json"]
    assert [f["verification"]["status"] for f in billing["findings"]] == ["live"]
    assert _active(report_set.reports["reports/clean.json"]) == []
    order = _expected_order(report_set)
    assert order[0].endswith("billing.git") and order[-1].endswith("clean.git")


def test_ranking_puts_live_keys_then_open_then_longest_exposures_first(
    report_set: ReportSet,
) -> None:
    view = overview(report_set.index, report_set.reports)
    assert [row.source for row in view.ranked] == _expected_order(report_set)
    assert [row.source for row in view.failed] == [
        "https://git.example/acme/gone.git",
        HOSTILE_SOURCE,
    ]


def test_page_loads_nothing_and_runs_no_script(report_set: ReportSet) -> None:
    page = (report_set.directory / "index.html").read_text()
    assert "<script" not in page.replace("&lt;script", "")
    assert "<link" not in page and "@import" not in page
    assert not re.search(r"url\(", page)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    text = policy.group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in text and "script-src 'none'" in text
    targets = [
        value
        for _, attributes in _elements(page)
        for name, value in attributes.items()
        if name in ("src", "href", "action", "srcset", "xlink:href", "formaction")
    ]
    assert targets and all(t.startswith("#") or t.startswith("reports/") for t in targets), targets


def test_no_secret_reaches_the_page_or_the_summary(report_set: ReportSet) -> None:
    page = (report_set.directory / "index.html").read_text()
    summary = render_summary_markdown(report_set.index, report_set.reports)
    assert len(report_set.secrets) >= 6
    for secret in report_set.secrets:
        assert secret not in page and secret not in summary
        assert secret[8:40] not in page  # nor a long piece of one
    for report in report_set.reports.values():
        for finding in report["findings"]:
            assert finding["secret_preview"] in page  # the previews are what is shown


def test_markdown_summary_counts_ranks_and_escapes(report_set: ReportSet) -> None:
    summary = render_summary_markdown(report_set.index, report_set.reports)
    total = sum(len(_active(r)) for r in report_set.reports.values())
    assert summary.startswith("## leakwindow: 5 repositories scanned\n")
    assert f"| Findings | {total} in 4 repositories" in summary
    assert "| Live keys | 1 |" in summary and "| Could not be scanned | 2 |" in summary
    listed = re.findall(r"^\| \d+ \| (\S+) \|", summary, re.MULTILINE)
    assert listed == _expected_order(report_set)[:4]
    assert "### Live keys" in summary and "acme/billing.git" in summary.split("### Live keys")[1]
    assert "<script>" not in summary and "<img" not in summary
    assert "[link](" not in summary and "\\[link\\](" in summary  # escaped: no link


@pytest.mark.parametrize(
    "path",
    [
        "../secrets.json",
        "/etc/passwd",
        "javascript:alert(1)",
        "https://evil.example/x.html",
        "reports/../../x",
        "reports\\x.html",
        "reports/a b.html",
        "",
        None,
        7,
    ],
)
def test_a_report_path_outside_the_directory_is_not_linked(path: object) -> None:
    assert safe_link(path) is None


def test_a_report_path_inside_the_directory_is_linked() -> None:
    assert safe_link("reports/acme_api-1.json") == "reports/acme_api-1.json"


def test_a_repository_without_a_usable_report_is_shown_from_its_summary() -> None:
    summary = {"findings": 2, "open": 1, "live": 0, "longest_days": 3.5}
    entry = {"source": "s", "status": "ok", "report": "../up.json", "summary": summary}
    index = {"repositories": [entry]}
    reports: dict[str, Any] = {"../up.json": "not a report"}
    page = render_dashboard(index, reports)
    assert "../up" not in page  # and without a link
    row = overview(index, reports).ranked[0]
    assert (row.findings, row.still_open, row.longest_days, row.json_link) == (2, 1, 3.5, None)


def test_without_verification_live_keys_read_not_checked(report_set: ReportSet) -> None:
    reports = {k: v for k, v in report_set.reports.items() if k != "reports/billing.json"}
    index = {
        "repositories": [
            e for e in report_set.index["repositories"] if e.get("report") != "reports/billing.json"
        ]
    }
    page = render_dashboard(index, reports)
    assert 'id="live"' not in page
    assert '<dt>Live keys</dt><dd><span class="muted">not checked</span>' in page
    assert "| Live keys | not checked |" in render_summary_markdown(index, reports)


def test_an_empty_or_malformed_index_still_renders() -> None:
    for index in ({}, {"repositories": "nope"}, {"repositories": [None, 3, {"status": 5}]}):
        page = render_dashboard(index, {})
        assert "leakwindow organisation dashboard" in page
        render_summary_markdown(index, {})


# ---------------------------------------------------------------------------------------------
# The page in a browser


class _Opened:
    """The dashboard in a page that records every request, refusing all but file and data."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.requests: list[str] = []
        self.refused: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1366, "height": 900})
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def texts(self, selector: str) -> list[str]:
        return list(self.page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)"))

    def attributes(self, selector: str, name: str) -> list[str]:
        script = f"els => els.map(e => e.getAttribute({json.dumps(name)}))"
        return list(self.page.eval_on_selector_all(selector, script))


@pytest.fixture(scope="module")
def opened(browser: Any, report_set: ReportSet) -> Iterator[_Opened]:
    loaded = _Opened(browser, report_set.directory / "index.html")
    yield loaded
    loaded.page.close()


def test_browser_shows_the_summary_counts(opened: _Opened, report_set: ReportSet) -> None:
    def stat(label: str) -> str:
        return str(opened.page.text_content(f'.stat[data-stat="{label}"] dd')).strip()

    total = sum(len(_active(r)) for r in report_set.reports.values())
    still_open = sum(
        1
        for r in report_set.reports.values()
        for f in _active(r)
        if any(w["closed"] is None for w in f["windows"])
    )
    assert stat("Repositories") == "5 scanned"
    assert stat("Could not be scanned") == "2"
    assert stat("With findings") == "4"
    assert stat("Findings").startswith(f"{total} ")
    assert stat("Still open") == str(still_open) and still_open >= 2
    assert stat("Live keys") == "1"


def test_browser_ranks_repositories_and_lists_live_keys_first(
    opened: _Opened, report_set: ReportSet
) -> None:
    rows = opened.attributes("#repositories-table tbody tr", "data-repository")
    assert rows == _expected_order(report_set)
    sections = opened.attributes("main > section", "id")
    assert sections[:2] == ["live", "repositories"] and sections[-1] == "errors"
    assert opened.attributes("#live-table tbody tr", "data-repository") == [
        "https://git.example/acme/billing.git"
    ]
    lanes = opened.attributes("#timeline-svg .lane", "data-repository")
    assert lanes == [source for source in rows if not source.endswith("clean.git")]
    assert opened.page.locator("#timeline-svg .window-bar.live").count() == 1
    assert opened.page.locator("#timeline-svg .window-bar.open").count() >= 2


def test_browser_links_open_each_repositorys_own_report(
    browser: Any, opened: _Opened, report_set: ReportSet
) -> None:
    links = opened.attributes("#repositories-table a.report-html", "href")
    assert len(links) == 5
    for link in links:
        assert re.fullmatch(r"reports/[a-z-]+\.html", link), link
        assert (report_set.directory / link).is_file()
    follow = _Opened(browser, report_set.directory / "index.html")
    try:
        follow.page.click("#repositories-table tbody tr:first-child a.report-html")
        follow.page.wait_for_load_state()
        assert follow.page.url.endswith("/reports/billing.html")
        assert "leakwindow report" in follow.page.title()
        assert follow.refused == []
    finally:
        follow.page.close()


def test_browser_makes_no_network_request_and_shows_no_secret(
    opened: _Opened, report_set: ReportSet
) -> None:
    assert opened.refused == []
    assert opened.requests and all(url.startswith("file://") for url in opened.requests)
    assert opened.errors == [] and opened.dialogs == []
    dom = str(opened.page.content())
    text = str(opened.page.inner_text("body"))
    for secret in report_set.secrets:
        assert secret not in dom and secret not in text
    # The hostile source and error are text, not elements.
    assert HOSTILE_SOURCE in text and "<script>alert(2)</script>" in text
    assert opened.page.locator("img").count() == 0
    assert opened.page.locator("main script, header script").count() == 0


def _finding(
    days: float, *, still_open: bool = False, live: bool = False, **extra: Any
) -> dict[str, Any]:
    closed = None if still_open else {"sha": "b" * 40, "committed_at": "2025-06-01T00:00:00Z"}
    window = {
        "ref": "refs/heads/main",
        "days": days,
        "closed": closed,
        "opened": {"sha": "a" * 40, "committed_at": "2025-01-01T00:00:00Z"},
    }
    status = "live" if live else "unchecked"
    return {
        "title": "t",
        "severity": "high",
        "secret_preview": "ab…",
        "windows": [window],
        "verification": {"status": status, "detail": None},
        "suppressed": None,
        **extra,
    }


def test_ranking_order_of_precedence_on_small_sets() -> None:
    reports = {
        "long.json": {
            "findings": [_finding(300.0), _finding(5.0, suppressed="baseline", still_open=True)]
        },
        "open.json": {
            "findings": [_finding(10.0, still_open=True), _finding(9.0, still_open=True)]
        },
        "one-open.json": {"findings": [_finding(200.0, still_open=True)]},
        "live.json": {"findings": [_finding(1.0, live=True)]},
    }
    index = {"repositories": [{"source": name, "status": "ok", "report": name} for name in reports]}
    view = overview(index, reports)
    assert [row.source for row in view.ranked] == [
        "live.json",
        "open.json",
        "one-open.json",
        "long.json",
    ]
    long_row = view.ranked[-1]  # its suppressed finding counts nowhere
    assert (long_row.findings, long_row.still_open, long_row.longest_days) == (1, 0, 300.0)

"""Listing an organisation's repositories from GitHub and GitLab, against a local fake API:
pagination, rate limits, the fork and archive filters, the token, and hostile answers."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from scanner.many.enumerate_github import list_github_org
from scanner.many.enumerate_gitlab import list_gitlab_group
from scanner.many.forge import EnumerationError, ListingOptions, RepoSource

try:  # tests/ is a rootdir-relative folder, or a package once it grows an __init__.py
    from forge_support import FakeForge, Reply, json_reply, running
except ImportError:  # pragma: no cover - depends on how pytest was pointed at the tests
    from tests.forge_support import FakeForge, Reply, json_reply, running

# Made per run: an opaque value in the token's place, never a credential.
TOKEN = "test-token-" + secrets.token_urlsafe(24)
GH_FIRST = "/api/v3/orgs/acme/repos?type=all&per_page=100"
GL_QUERY = "include_subgroups=true&with_shared=false&order_by=id&sort=asc&per_page=100"
GL_FIRST = f"/api/v4/groups/acme%2Fplatform/projects?{GL_QUERY}"


class Sleeps:
    """Records the pauses asked for instead of taking them."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with running() as server:
        yield server


def gh_repo(name: str, *, fork: bool = False, archived: bool = False) -> dict[str, Any]:
    return {
        "id": abs(hash(name)) % 10**8,
        "name": name,
        "full_name": f"acme/{name}",
        "private": False,
        "clone_url": f"https://github.example/acme/{name}.git",
        "ssh_url": f"git@github.example:acme/{name}.git",
        "default_branch": "main",
        "fork": fork,
        "archived": archived,
    }


def gl_project(path: str, *, fork: bool = False, archived: bool = False) -> dict[str, Any]:
    project: dict[str, Any] = {
        "id": abs(hash(path)) % 10**8,
        "path_with_namespace": path,
        "http_url_to_repo": f"https://gitlab.example/{path}.git",
        "ssh_url_to_repo": f"git@gitlab.example:{path}.git",
        "default_branch": "main",
        "archived": archived,
    }
    if fork:
        project["forked_from_project"] = {"id": 1, "path_with_namespace": "upstream/x"}
    return project


def github(forge: FakeForge, **options: Any) -> ListingOptions:
    return ListingOptions(base_url=f"{forge.base_url}/api/v3", **options)


def gitlab(forge: FakeForge, **options: Any) -> ListingOptions:
    return ListingOptions(base_url=f"{forge.base_url}/api/v4", **options)


def link_to(forge: FakeForge, target: str) -> str:
    return f'<{forge.base_url}{target}>; rel="next", <{forge.base_url}{GH_FIRST}>; rel="first"'


def three_github_pages(forge: FakeForge) -> None:
    page2, page3 = f"{GH_FIRST}&page=2", f"{GH_FIRST}&page=3"
    forge.respond(
        GH_FIRST,
        json_reply([gh_repo("api"), gh_repo("api-fork", fork=True)], link=link_to(forge, page2)),
    )
    forge.respond(
        page2,
        json_reply([gh_repo("legacy", archived=True), gh_repo("web")], link=link_to(forge, page3)),
    )
    forge.respond(page3, json_reply([gh_repo("tools")]))


def names(sources: tuple[RepoSource, ...]) -> list[str]:
    return [source.full_name for source in sources]


# ---------------------------------------------------------------------------------------------
# GitHub


def test_github_follows_link_headers_across_three_pages_with_the_token(forge: FakeForge) -> None:
    three_github_pages(forge)
    found = list_github_org("acme", github(forge), env={"GITHUB_TOKEN": TOKEN}, sleep=Sleeps())
    assert names(found.sources) == ["acme/api", "acme/legacy", "acme/web", "acme/tools"]
    assert (found.pages, found.forks_left_out, found.archived_left_out) == (3, 1, 0)
    assert found.skipped == ()
    assert found.sources[1] == RepoSource(
        clone_url="https://github.example/acme/legacy.git",
        full_name="acme/legacy",
        default_branch="main",
        archived=True,
        fork=False,
    )
    assert forge.targets == [GH_FIRST, f"{GH_FIRST}&page=2", f"{GH_FIRST}&page=3"]
    for request in forge.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"


def test_without_a_token_no_authorization_header_is_sent(forge: FakeForge) -> None:
    three_github_pages(forge)
    list_github_org("acme", github(forge), env={}, sleep=Sleeps())
    assert all("authorization" not in request.headers for request in forge.requests)


@pytest.mark.parametrize(
    ("forks", "archived", "expected", "left_out"),
    [
        (
            True,
            True,
            ["acme/api", "acme/api-fork", "acme/legacy", "acme/web", "acme/tools"],
            (0, 0),
        ),
        (False, False, ["acme/api", "acme/web", "acme/tools"], (1, 1)),
        (True, False, ["acme/api", "acme/api-fork", "acme/web", "acme/tools"], (0, 1)),
    ],
)
def test_forks_and_archived_repositories_are_selected_by_the_options(
    forge: FakeForge, forks: bool, archived: bool, expected: list[str], left_out: tuple[int, int]
) -> None:
    three_github_pages(forge)
    options = github(forge, include_forks=forks, include_archived=archived)
    found = list_github_org("acme", options, env={}, sleep=Sleeps())
    assert names(found.sources) == expected
    assert (found.forks_left_out, found.archived_left_out) == left_out


@pytest.mark.parametrize(
    "limited",
    [
        # The primary limit: nothing left until the reset time (3 s from now).
        lambda: {"x_ratelimit_remaining": "0", "x_ratelimit_reset": str(int(time.time()) + 3)},
        # A secondary limit: 429 with the pause in seconds.
        lambda: {"retry_after": "2"},
    ],
    ids=["primary-403", "secondary-429"],
)
def test_github_rate_limit_is_waited_out_then_the_page_is_read(
    forge: FakeForge, limited: Any
) -> None:
    headers = limited()
    status = 403 if "x_ratelimit_reset" in headers else 429
    refusal = json_reply({"message": "API rate limit exceeded"}, status, **headers)
    forge.respond(GH_FIRST, refusal, json_reply([gh_repo("api")]))
    sleeps = Sleeps()
    found = list_github_org("acme", github(forge), env={"GITHUB_TOKEN": TOKEN}, sleep=sleeps)
    assert names(found.sources) == ["acme/api"]
    assert forge.targets == [GH_FIRST, GH_FIRST]
    assert len(sleeps.taken) == 1
    assert 1.0 <= sleeps.taken[0] <= 3.0


def test_a_used_up_quota_pauses_before_the_next_page(forge: FakeForge) -> None:
    reset = str(int(time.time()) + 5)
    page2 = f"{GH_FIRST}&page=2"
    forge.respond(
        GH_FIRST,
        json_reply(
            [gh_repo("api")],
            link=link_to(forge, page2),
            x_ratelimit_remaining="0",
            x_ratelimit_reset=reset,
        ),
    )
    forge.respond(page2, json_reply([gh_repo("web")]))
    sleeps = Sleeps()
    found = list_github_org("acme", github(forge), env={}, sleep=sleeps)
    assert names(found.sources) == ["acme/api", "acme/web"]
    assert len(sleeps.taken) == 1 and 3.0 <= sleeps.taken[0] <= 5.0


def test_a_long_rate_limit_is_a_clear_error_without_waiting(forge: FakeForge) -> None:
    reset = str(int(time.time()) + 3600)
    forge.respond(
        GH_FIRST,
        json_reply(
            {"message": "rate limited"}, 403, x_ratelimit_remaining="0", x_ratelimit_reset=reset
        ),
    )
    sleeps = Sleeps()
    with pytest.raises(EnumerationError) as raised:
        list_github_org("acme", github(forge), env={}, sleep=sleeps)
    message = str(raised.value)
    assert "GitHub asks to wait" in message and "UTC" in message and "GITHUB_TOKEN" in message
    assert sleeps.taken == []
    assert forge.targets == [GH_FIRST]


def test_an_absurd_pause_is_a_clear_error_too(forge: FakeForge) -> None:
    forge.respond(GH_FIRST, json_reply({}, 429, retry_after="9" * 40))
    with pytest.raises(EnumerationError, match="asks to wait an unbounded time"):
        list_github_org("acme", github(forge), env={}, sleep=Sleeps())


def test_a_rate_limit_past_the_listing_deadline_stops_the_listing(forge: FakeForge) -> None:
    forge.respond(GH_FIRST, json_reply({}, 429, retry_after="30"))
    sleeps = Sleeps()
    with pytest.raises(EnumerationError, match="took longer than 5 s"):
        list_github_org("acme", github(forge, max_seconds=5), env={}, sleep=sleeps)
    assert sleeps.taken == []


def test_server_errors_are_retried_twice_with_a_pause(forge: FakeForge) -> None:
    broken = json_reply({"message": "unicorn"}, 502)
    forge.respond(GH_FIRST, broken, broken, json_reply([gh_repo("api")]))
    sleeps = Sleeps()
    found = list_github_org("acme", github(forge), env={}, sleep=sleeps)
    assert names(found.sources) == ["acme/api"] and sleeps.taken == [2.0, 4.0]
    forge.respond(GH_FIRST, broken)
    with pytest.raises(EnumerationError, match=r"GitHub answered HTTP 502: unicorn"):
        list_github_org("acme", github(forge), env={}, sleep=Sleeps())


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            json_reply({"message": f"Bad credentials {TOKEN}"}, 401),
            "refused the token in GITHUB_TOKEN",
        ),
        (
            json_reply({"message": f"token {TOKEN} lacks scope"}, 403),
            "HTTP 403): token [token] lacks",
        ),
        (json_reply({"message": "Not Found"}, 404), "no organisation 'acme'"),
        (Reply(301, b"", (("location", "https://elsewhere.example/"),)), "redirect (HTTP 301)"),
        (Reply(200, TOKEN.encode()), "not JSON"),
        (json_reply({"message": f"echo {TOKEN}"}), "not a list of repositories: echo [token]"),
    ],
    ids=["401", "403", "404", "redirect", "not-json", "not-a-list"],
)
def test_a_refusal_is_one_clear_error_that_never_holds_the_token(
    forge: FakeForge, reply: Reply, expected: str
) -> None:
    forge.respond(GH_FIRST, reply)
    with pytest.raises(EnumerationError) as raised:
        list_github_org("acme", github(forge), env={"GITHUB_TOKEN": TOKEN}, sleep=Sleeps())
    message = str(raised.value)
    assert expected in message
    assert TOKEN not in message and TOKEN not in repr(raised.value)
    assert "\n" not in message
    assert raised.value.__cause__ is None


# ---------------------------------------------------------------------------------------------
# GitLab


def test_gitlab_lists_a_subgroup_across_three_pages_through_a_rate_limit(forge: FakeForge) -> None:
    page2 = f"{GL_FIRST}&page=2"
    page3 = f"/api/v4/groups/acme%2Fplatform/projects?{GL_QUERY}&page=3"
    forge.respond(
        GL_FIRST,
        # A proxy dropped the Link header: x-next-page alone leads on.
        json_reply(
            [gl_project("acme/platform/api"), gl_project("acme/platform/mirror", fork=True)],
            x_next_page="2",
        ),
    )
    forge.respond(
        page2,
        json_reply({"message": "Retry later"}, 429, retry_after="1"),
        json_reply(
            [gl_project("acme/platform/backend/db", archived=True)],
            link=f'<{forge.base_url}{page3}>; rel="next"',
            x_next_page="3",
        ),
    )
    forge.respond(page3, json_reply([gl_project("acme/platform/backend/queue")], x_next_page=""))
    sleeps = Sleeps()
    found = list_gitlab_group(
        "acme/platform", gitlab(forge), env={"GITLAB_TOKEN": TOKEN}, sleep=sleeps
    )
    assert names(found.sources) == [
        "acme/platform/api",
        "acme/platform/backend/db",
        "acme/platform/backend/queue",
    ]
    assert found.sources[1].archived and not found.sources[1].fork
    assert (found.pages, found.forks_left_out) == (3, 1)
    assert forge.targets == [GL_FIRST, page2, page2, page3]
    assert sleeps.taken == [1.0]
    for request in forge.requests:
        assert request.headers["private-token"] == TOKEN
        assert "authorization" not in request.headers


def test_gitlab_waits_for_ratelimit_reset_when_no_retry_after(forge: FakeForge) -> None:
    reset = str(int(time.time()) + 4)
    forge.respond(GL_FIRST, json_reply({}, 429, ratelimit_reset=reset), json_reply([]))
    sleeps = Sleeps()
    found = list_gitlab_group("acme/platform", gitlab(forge), env={}, sleep=sleeps)
    assert found.sources == () and len(sleeps.taken) == 1 and 2.0 <= sleeps.taken[0] <= 4.0


def test_gitlab_includes_forks_when_asked(forge: FakeForge) -> None:
    forge.respond(GL_FIRST, json_reply([gl_project("acme/platform/mirror", fork=True)]))
    options = gitlab(forge, include_forks=True)
    found = list_gitlab_group("acme/platform", options, env={}, sleep=Sleeps())
    assert [(s.full_name, s.fork) for s in found.sources] == [("acme/platform/mirror", True)]


def test_gitlab_refused_token_error_names_the_variable_only(forge: FakeForge) -> None:
    forge.respond(GL_FIRST, json_reply({"message": f"401 Unauthorized {TOKEN}"}, 401))
    with pytest.raises(EnumerationError) as raised:
        list_gitlab_group(
            "acme/platform", gitlab(forge), env={"GITLAB_TOKEN": TOKEN}, sleep=Sleeps()
        )
    assert "GITLAB_TOKEN" in str(raised.value) and TOKEN not in str(raised.value)


# ---------------------------------------------------------------------------------------------
# Hostile answers and bad input


def test_hostile_entries_are_skipped_each_with_a_reason(forge: FakeForge) -> None:
    plain_http = {**gh_repo("old"), "clone_url": "http://github.example/acme/old.git"}
    with_password = {**gh_repo("creds"), "clone_url": "https://user:pw@github.example/a/b.git"}
    climbing = {**gh_repo("x"), "full_name": "acme/.."}
    odd_name = {**gh_repo("y"), "full_name": "acme/<script>\n"}
    odd_flag = {**gh_repo("z"), "archived": "yes"}
    odd_branch = {**gh_repo("b"), "default_branch": "main\x1b[2J"}
    entries = [
        7,
        plain_http,
        with_password,
        climbing,
        odd_name,
        odd_flag,
        odd_branch,
        gh_repo("ok"),
    ]
    forge.respond(GH_FIRST, json_reply(entries))
    found = list_github_org("acme", github(forge), env={}, sleep=Sleeps())
    assert names(found.sources) == ["acme/ok"]
    assert [(s.name, s.reason) for s in found.skipped] == [
        ("entry 1 of page 1", "not a repository object"),
        ("acme/old", "clone URL is not https"),
        ("acme/creds", "clone URL carries credentials"),
        ("acme/..", "name has characters a repository name cannot have"),
        ("acme/<script>\\x0a", "name has characters a repository name cannot have"),
        ("acme/z", "archived is not true or false"),
        ("acme/b", "default branch is not a branch name"),
    ]


def test_an_empty_repository_has_no_default_branch(forge: FakeForge) -> None:
    forge.respond(GH_FIRST, json_reply([{**gh_repo("empty"), "default_branch": None}]))
    found = list_github_org("acme", github(forge), env={}, sleep=Sleeps())
    assert found.sources[0].default_branch is None


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "streamed"])
def test_a_huge_page_is_refused(forge: FakeForge, chunked: bool) -> None:
    huge = json_reply([gh_repo(f"r{i}") for i in range(200)])
    forge.respond(GH_FIRST, Reply(huge.status, huge.body, chunked=chunked))
    with pytest.raises(EnumerationError, match="more than 16 KB"):
        list_github_org("acme", github(forge, max_page_bytes=16 * 1024), env={}, sleep=Sleeps())
    forge.respond(GH_FIRST, json_reply([{}] * 1001))
    with pytest.raises(EnumerationError, match="1001 entries"):
        list_github_org("acme", github(forge), env={}, sleep=Sleeps())


def test_a_next_link_to_another_host_is_refused_and_never_followed(forge: FakeForge) -> None:
    with running() as elsewhere:
        forge.respond(
            GH_FIRST,
            json_reply([gh_repo("api")], link=f'<{elsewhere.base_url}/steal>; rel="next"'),
        )
        with pytest.raises(EnumerationError, match="next-page link leaves"):
            list_github_org("acme", github(forge), env={"GITHUB_TOKEN": TOKEN}, sleep=Sleeps())
        assert elsewhere.requests == []


def test_pages_are_bounded_and_a_link_loop_is_caught(forge: FakeForge) -> None:
    three_github_pages(forge)
    with pytest.raises(EnumerationError, match="more than 2 pages"):
        list_github_org("acme", github(forge, max_pages=2), env={}, sleep=Sleeps())
    forge.respond(GH_FIRST, json_reply([gh_repo("api")], link=link_to(forge, GH_FIRST)))
    with pytest.raises(EnumerationError, match="go round"):
        list_github_org("acme", github(forge), env={}, sleep=Sleeps())


def test_an_unreachable_api_is_one_clear_error() -> None:
    with running() as gone:
        base = f"{gone.base_url}/api/v3"
    sleeps = Sleeps()
    with pytest.raises(EnumerationError, match="cannot reach the GitHub API") as raised:
        list_github_org("acme", ListingOptions(base_url=base), env={}, sleep=sleeps)
    assert raised.value.__cause__ is None and sleeps.taken == [1.0, 2.0]


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://github.example/api/v3", "must be https"),
        ("https://me:pw@github.example/api/v3", "must not carry credentials"),
        ("https://github.example/api/v3?x=1", "https://host/path"),
        ("https://github.example:port/api/v3", "cannot be read"),
    ],
)
def test_a_bad_base_url_is_refused_before_any_request(base_url: str, expected: str) -> None:
    with pytest.raises(EnumerationError, match=expected):
        list_github_org("acme", ListingOptions(base_url=base_url), env={})


@pytest.mark.parametrize("org", ["", "acme/other", "../x", "a b", "-x"])
def test_a_bad_organisation_name_is_refused(org: str) -> None:
    with pytest.raises(EnumerationError, match="organisation name"):
        list_github_org(org, env={})


@pytest.mark.parametrize("group", ["", "acme/../x", "a b", "acme//x"])
def test_a_bad_group_path_is_refused(group: str) -> None:
    with pytest.raises(EnumerationError, match="GitLab group"):
        list_gitlab_group(group, env={})


def test_a_token_with_a_line_break_is_refused_without_echoing_it() -> None:
    with pytest.raises(EnumerationError) as raised:
        list_github_org("acme", env={"GITHUB_TOKEN": f"{TOKEN}\r\nX-Injected: 1"})
    assert "GITHUB_TOKEN holds characters" in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_a_broken_proxy_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "::not a url")
    with pytest.raises(EnumerationError, match="proxy and certificate settings"):
        list_github_org("acme", env={})

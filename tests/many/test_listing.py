"""Organisation listings as scan-many sources, and the token a worker sends with them: to the
listed repository's own host, from the worker's environment, never on a command line."""

from __future__ import annotations

import base64
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from scanner.cli.app import main
from scanner.errors import LeakwindowError
from scanner.git.mirror import token_config
from scanner.many.listing import ListingChoices, listed_sources
from scanner.many.sources import parse_source
from scanner.many.task import auth_header


@dataclass(frozen=True)
class _Listed:
    clone_url: str


@dataclass
class _Listing:
    sources: tuple[_Listed, ...]
    skipped: tuple[object, ...] = ()
    forks_left_out: int = 1
    archived_left_out: int = 0
    asked: list[tuple[str, Any]] = field(default_factory=list)


def _fake_forges(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Any]]:
    asked: list[tuple[str, str, Any]] = []
    forge = types.ModuleType("scanner.many.forge")
    forge.ListingOptions = lambda **options: options  # type: ignore[attr-defined]
    github = types.ModuleType("scanner.many.enumerate_github")
    gitlab = types.ModuleType("scanner.many.enumerate_gitlab")

    def lister(service: str, urls: list[str]) -> Any:
        def listing(name: str, options: Any) -> _Listing:
            asked.append((service, name, options))
            return _Listing(tuple(_Listed(url) for url in urls))

        return listing

    github.list_github_org = lister(  # type: ignore[attr-defined]
        "github", ["https://github.example.test/acme/api.git"]
    )
    gitlab.list_gitlab_group = lister(  # type: ignore[attr-defined]
        "gitlab", ["https://gitlab.example.test/acme/web.git"]
    )
    for module in (forge, github, gitlab):
        monkeypatch.setitem(__import__("sys").modules, module.__name__, module)
    return asked


def test_listed_repositories_become_https_sources_with_their_token_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = _fake_forges(monkeypatch)
    said: list[str] = []
    choices = ListingChoices(gitlab_url="https://gitlab.example.test/api/v4", include_forks=True)
    sources = listed_sources(["acme"], ["acme/platform"], choices, said.append)
    assert [(s.location, s.token_variable) for s in sources] == [
        ("https://github.example.test/acme/api.git", "GITHUB_TOKEN"),
        ("https://gitlab.example.test/acme/web.git", "GITLAB_TOKEN"),
    ]
    assert asked == [
        ("github", "acme", {"base_url": None, "include_forks": True, "include_archived": True}),
        (
            "gitlab",
            "acme/platform",
            {
                "base_url": "https://gitlab.example.test/api/v4",
                "include_forks": True,
                "include_archived": True,
            },
        ),
    ]
    assert (
        said[0]
        == "GitHub acme: 1 repositories (1 forks and 0 archived left out, 0 entries refused)"
    )


def test_a_build_without_the_lister_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "scanner.many.enumerate_gitlab", None)
    with pytest.raises(LeakwindowError, match="--gitlab-group needs the GitLab listing"):
        listed_sources([], ["acme"], ListingChoices(), lambda line: None)
    assert main(["scan-many", "--gitlab-group", "acme", "-o", "unused"]) == 2
    assert "--gitlab-group needs the GitLab listing" in capsys.readouterr().err


def _decoded(header: str | None) -> str:
    assert header is not None and header.startswith("Authorization: Basic ")
    return base64.b64decode(header.removeprefix("Authorization: Basic ")).decode()


def test_the_token_comes_from_the_workers_environment_for_its_forge() -> None:
    github = parse_source("https://github.example.test/acme/api.git")
    listed = type(github)(github.text, github.scheme, github.location, "GITHUB_TOKEN")
    env = {"GITHUB_TOKEN": "ghp_notarealtoken", "GITLAB_TOKEN": "glpat-notreal"}
    assert _decoded(auth_header(listed, env)) == "x-access-token:ghp_notarealtoken"
    gitlab = type(github)(github.text, github.scheme, github.location, "GITLAB_TOKEN")
    assert _decoded(auth_header(gitlab, env)) == "oauth2:glpat-notreal"
    assert auth_header(github, env) is None  # named by hand: no token variable
    assert auth_header(listed, {}) is None
    assert auth_header(listed, {"GITHUB_TOKEN": "two\nlines"}) is None
    ssh = parse_source("git@github.example.test:acme/api.git")
    assert auth_header(type(ssh)(ssh.text, "ssh", ssh.location, "GITHUB_TOKEN"), env) is None


def test_the_token_is_scoped_to_the_sources_own_host_and_follows_no_redirect() -> None:
    config = token_config("https://git.example.test:8443/acme/api.git", "Authorization: x")
    assert config == {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "http.https://git.example.test:8443/.extraHeader",
        "GIT_CONFIG_VALUE_0": "Authorization: x",
        "GIT_CONFIG_KEY_1": "http.followRedirects",
        "GIT_CONFIG_VALUE_1": "false",
    }


def test_git_reads_the_token_for_that_host_only(tmp_path: Any) -> None:
    import subprocess

    from scanner.git.process import safe_env

    env = safe_env(token_config("https://git.example.test:8443/acme/api.git", "Authorization: x"))

    def header_for(url: str) -> str:
        done = subprocess.run(
            ["git", "config", "--get-urlmatch", "http.extraHeader", url],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    assert header_for("https://git.example.test:8443/acme/other.git") == "Authorization: x"
    assert header_for("https://elsewhere.example.test/acme/api.git") == ""
    assert header_for("https://git.example.test/acme/api.git") == ""  # another port

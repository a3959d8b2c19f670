"""Sources as `scan-many` reads them, the names of the files made for them, and the exit
status of a whole run: pure functions, no git, no Dask."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest

from scanner.errors import LeakwindowError
from scanner.many import scan_child
from scanner.many.report_set import exit_code
from scanner.many.sources import parse_source, read_repos_file, redact_url, unique

_SAFE_STEM = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*-[0-9a-f]{16}")


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("https://git.example.test/team/app.git", "https"),
        ("ssh://git@git.example.test/team/app.git", "ssh"),
        ("git@git.example.test:team/app.git", "ssh"),
        ("git://127.0.0.1:9418/app", "git"),
        ("file:///srv/git/app.git", "file"),
        ("HTTPS://git.example.test/app", "https"),
    ],
)
def test_remote_sources_keep_their_transport(text: str, scheme: str) -> None:
    source = parse_source(text)
    assert (source.scheme, source.location, source.is_remote) == (scheme, text, True)


def test_a_path_is_scanned_in_place_from_where_it_is_named(tmp_path: Path) -> None:
    assert parse_source("repo", base=tmp_path).location == str(tmp_path / "repo")
    assert parse_source(str(tmp_path)).scheme == "local"


@pytest.mark.parametrize(
    "text",
    [
        "ext::sh -c touch% /tmp/pwned",
        "fd::3",
        "--upload-pack=touch /tmp/pwned",
        "ftp://example.test/app.git",
        "http://example.test/app.git",
        "https://",
        "app\nhttps://example.test/x",
        "",
    ],
)
def test_sources_git_must_never_see_are_refused(text: str) -> None:
    with pytest.raises(LeakwindowError):
        parse_source(text)


def test_a_password_in_a_url_is_never_shown() -> None:
    source = parse_source("https://dana:hunter2-not-real@git.example.test:8443/team/app.git")
    assert "hunter2" not in source.display and "hunter2" not in source.file_stem
    assert source.display == "https://dana:***@git.example.test:8443/team/app.git"
    assert redact_url("https://git.example.test/app") == "https://git.example.test/app"


@pytest.mark.parametrize(
    "text",
    [
        "https://example.test/../../../etc/passwd",
        "https://example.test/a/" + "x" * 500,
        "https://example.test/%2e%2e/%00/.git",
        "git@example.test:...",
        "https://example.test/team/\u202eexe.git",
        "/srv/git/.hidden/.git",
    ],
)
def test_file_names_are_safe_whatever_the_source(text: str) -> None:
    stem = parse_source(text, base=Path("/")).file_stem
    assert _SAFE_STEM.fullmatch(stem), stem
    assert len(stem) <= 48 + 17


def test_two_sources_never_share_a_name() -> None:
    one = parse_source("https://a.example.test/team/app.git")
    other = parse_source("https://b.example.test/team/app.git")
    assert one.file_stem != other.file_stem
    assert one.file_stem.startswith("team-app-")


def test_a_repos_file_skips_comments_and_names_the_bad_line(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("# ours\n\nrepo-a\nhttps://git.example.test/b.git\nrepo-a\n")
    sources = unique(read_repos_file(listing))
    assert [s.location for s in sources] == [
        str(tmp_path / "repo-a"),
        "https://git.example.test/b.git",
    ]
    listing.write_text("repo-a\next::sh\n")
    with pytest.raises(LeakwindowError, match=r"repos\.txt:2: "):
        read_repos_file(listing)


def _entry(status: str, code: int = 0) -> dict[str, object]:
    return {"status": status, "summary": {"exit_code": code} if status == "ok" else None}


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([_entry("ok"), _entry("ok")], 0),
        ([_entry("ok"), _entry("ok", 1), _entry("error")], 1),
        ([_entry("ok"), _entry("error")], 3),
        ([_entry("ok", 3), _entry("ok")], 3),  # scanned, but incompletely
        ([_entry("ok", 3), _entry("ok", 1)], 1),
    ],
)
def test_the_exit_status_of_a_run(entries: list[dict[str, object]], expected: int) -> None:
    assert exit_code(entries) == expected


def test_one_relative_path_from_two_lists_is_two_sources(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "repos.txt").write_text("app\n")
    found = unique(
        read_repos_file(tmp_path / "a" / "repos.txt")
        + read_repos_file(tmp_path / "b" / "repos.txt")
    )
    assert [s.display for s in found] == [str(tmp_path / "a" / "app"), str(tmp_path / "b" / "app")]


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (MemoryError(), "out of memory (--max-memory 40 MB)"),
        (OSError(errno.ENOMEM, "Cannot allocate memory"), "out of memory (--max-memory 40 MB)"),
        (RuntimeError("can't start new thread"), "out of memory (--max-memory 40 MB)"),
        (OSError(errno.EACCES, "Permission denied"), "internal error: PermissionError"),
        (ValueError("x"), "internal error: ValueError"),
    ],
)
def test_a_scan_that_runs_out_of_memory_under_its_cap_says_so(
    failure: Exception, said: str
) -> None:
    """However memory runs out under --max-memory (an allocation, a git process or a thread
    that cannot start), the repository's error says so; other failures name only their type."""
    assert scan_child._failure(failure, 40) == said

"""What listing an organisation's repositories gives back, and the checks every listed entry
passes before it becomes a source to clone.

The GitHub and GitLab listers share these: the typed result (`RepoSource`, `Enumeration`),
the options a caller sets (`ListingOptions`), the one error type, and the validation of what
an API answered. An API answer is untrusted input: a name that could climb out of a mirror
directory, a clone URL that is not https or carries credentials, a field of the wrong type.
Such an entry is skipped with a reason, never turned into a source.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scanner.errors import LeakwindowError
from scanner.printable import printable


class EnumerationError(LeakwindowError):
    """Listing stopped: the API refused, answered garbage, or a limit was reached.

    The message is one line and never holds the token."""


@dataclass(frozen=True)
class RepoSource:
    """One repository to scan, as the provider's API described it."""

    clone_url: str  # https, without credentials
    full_name: str  # owner/name on GitHub, group/subgroup/.../name on GitLab
    default_branch: str | None  # None for an empty repository
    archived: bool
    fork: bool


@dataclass(frozen=True)
class SkippedEntry:
    """An entry the API listed that did not become a source, and why."""

    name: str  # printable: the entry's name, or where it stood when it had none
    reason: str


@dataclass(frozen=True)
class Enumeration:
    """The sources of one organisation or group, in the order the API listed them."""

    sources: tuple[RepoSource, ...]
    skipped: tuple[SkippedEntry, ...]  # invalid entries only; filtered ones are counted below
    forks_left_out: int
    archived_left_out: int
    pages: int


@dataclass(frozen=True)
class ListingOptions:
    """How to list: which repositories, from which server, within which limits."""

    base_url: str | None = None  # None: the public service (api.github.com, gitlab.com)
    include_forks: bool = False  # a fork mostly repeats its upstream's history
    include_archived: bool = True  # archived repositories still serve their history
    max_pages: int = 500  # 50,000 repositories at 100 a page
    max_seconds: float = 600.0  # the whole listing, waits included
    max_wait_s: float = 120.0  # the longest rate-limit pause taken; longer is an error
    timeout_s: float = 30.0  # one request
    max_page_bytes: int = 16 * 1024 * 1024  # a page of 100 repositories is about 600 KB


MAX_ENTRIES_PER_PAGE = 1000  # we ask for 100; a page far larger is not the API we asked
_MAX_NAME = 512
_MAX_URL = 2048
_MAX_BRANCH = 255
_NAME_PART = re.compile(r"[A-Za-z0-9_.-]{1,255}")
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,252}[a-z0-9])?")  # urlsplit lower-cases it
_LOOPBACK_NAMES = frozenset({"localhost"})


def check_full_name(name: object, min_parts: int, max_parts: int) -> str | None:
    """Why `name` cannot name a repository (it becomes a directory name), or None."""
    if not isinstance(name, str) or not name:
        return "no name"
    if len(name) > _MAX_NAME:
        return "name too long"
    parts = name.split("/")
    if not min_parts <= len(parts) <= max_parts:
        return "name is not in the owner/name form"
    for part in parts:
        if not _NAME_PART.fullmatch(part) or part in (".", ".."):
            return "name has characters a repository name cannot have"
    return None


def check_clone_url(url: object) -> str | None:
    """Why `url` is not a clone URL we will use (https, a plain host, no credentials), or None."""
    if not isinstance(url, str) or not url:
        return "no clone URL"
    if len(url) > _MAX_URL or printable(url) != url or any(c.isspace() for c in url):
        return "clone URL has characters a URL cannot have"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        return "clone URL cannot be read"
    if parts.scheme != "https":
        return "clone URL is not https"
    if "@" in parts.netloc:
        return "clone URL carries credentials"
    if port == 0 or not parts.hostname or not _valid_host(parts.hostname):
        return "clone URL has no valid host"
    if parts.query or parts.fragment or not parts.path.strip("/"):
        return "clone URL is not a repository path"
    return None


def check_branch(branch: object) -> str | None:
    """Why a default branch value is unusable, or None (None itself is fine: an empty repo)."""
    if branch is None:
        return None
    if not isinstance(branch, str) or not branch or len(branch) > _MAX_BRANCH:
        return "default branch is not a branch name"
    if printable(branch) != branch or any(c.isspace() for c in branch) or ".." in branch:
        return "default branch is not a branch name"
    return None


def check_flag(value: object, field: str) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return f"{field} is not true or false"


def source_or_reason(
    full_name: object,
    clone_url: object,
    default_branch: object,
    archived: object,
    fork: object,
    *,
    name_parts: tuple[int, int],
) -> RepoSource | str:
    """A checked source, or the reason the entry is skipped. A missing flag reads as false."""
    reason = (
        check_full_name(full_name, *name_parts)
        or check_clone_url(clone_url)
        or check_branch(default_branch)
        or check_flag(archived, "archived")
        or check_flag(fork, "fork")
    )
    if reason is not None:
        return reason
    assert isinstance(full_name, str) and isinstance(clone_url, str)
    return RepoSource(
        clone_url=clone_url,
        full_name=full_name,
        default_branch=default_branch if isinstance(default_branch, str) else None,
        archived=archived is True,
        fork=fork is True,
    )


# An entry's (full name, clone URL, default branch, archived, fork), as the API spells them.
EntryFields = tuple[object, object, object, object, object]


def collect(
    pages: Iterable[list[object]],
    fields: Callable[[dict[str, Any]], EntryFields],
    options: ListingOptions,
    *,
    name_parts: tuple[int, int],
) -> Enumeration:
    """Check and filter every entry of every page into the listing's result."""
    sources: dict[str, RepoSource] = {}
    skipped: list[SkippedEntry] = []
    forks = archived = pages_read = 0
    for pages_read, entries in enumerate(pages, start=1):
        for position, entry in enumerate(entries, start=1):
            label = entry_label(entry, pages_read, position)
            if not isinstance(entry, dict):
                skipped.append(SkippedEntry(label, "not a repository object"))
                continue
            found = source_or_reason(*fields(entry), name_parts=name_parts)
            if isinstance(found, str):
                skipped.append(SkippedEntry(label, found))
            elif found.fork and not options.include_forks:
                forks += 1
            elif found.archived and not options.include_archived:
                archived += 1
            else:
                # A listing that shifts while it is paged can repeat an entry: keep the first.
                sources.setdefault(found.full_name.lower(), found)
    return Enumeration(tuple(sources.values()), tuple(skipped), forks, archived, pages_read)


def token_from(env: Mapping[str, str], variable: str) -> str | None:
    """The token in `variable`, None when unset or empty; refused when it could not be a
    token (it goes into a request header, where a line break would start a new header)."""
    token = env.get(variable, "").strip()
    if not token:
        return None
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise EnumerationError(f"{variable} holds characters a token cannot have")
    return token


def entry_label(entry: object, page: int, position: int) -> str:
    """A printable name for an entry in a skip message: its own name when it has a usable one."""
    if isinstance(entry, Mapping):
        for key in ("full_name", "path_with_namespace", "name"):
            value = entry.get(key)
            if isinstance(value, str) and value:
                return printable(value[:120])
    return f"entry {position} of page {page}"


def check_base_url(url: str, service: str) -> str:
    """The API base URL without a trailing slash, or a clear error.

    https only, except to this machine itself (a local test server or an SSH tunnel)."""
    if printable(url) != url or any(c.isspace() for c in url):
        raise EnumerationError(f"the {service} API URL has characters a URL cannot have")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise EnumerationError(f"the {service} API URL cannot be read") from None
    if "@" in parts.netloc:
        raise EnumerationError(f"the {service} API URL must not carry credentials")
    if not parts.hostname or parts.query or parts.fragment:
        raise EnumerationError(f"the {service} API URL must be https://host/path")
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.hostname)):
        raise EnumerationError(f"the {service} API URL must be https (http only to this machine)")
    return url.rstrip("/")


def _valid_host(host: str) -> bool:
    if _HOST_NAME.fullmatch(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

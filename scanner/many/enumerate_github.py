"""List a GitHub organisation's repositories (github.com or GitHub Enterprise Server).

`GET /orgs/{org}/repos?type=all&per_page=100`, following the `Link: rel="next"` header. The
token comes from `GITHUB_TOKEN` (without one, only public repositories are listed, at 60
requests an hour). GitHub announces its primary rate limit in `x-ratelimit-remaining` and
`x-ratelimit-reset` (a Unix time) and its secondary limits with 403 or 429 and
`retry-after`; a short wait is taken, a long one is an error that says when to retry.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from scanner.many.forge import (
    EntryFields,
    Enumeration,
    EnumerationError,
    ListingOptions,
    check_base_url,
    collect,
    token_from,
)
from scanner.many.forge_http import PageReader, Service, retry_after, until_epoch

PUBLIC_API = "https://api.github.com"
TOKEN_VARIABLE = "GITHUB_TOKEN"
# Logins are letters, digits and hyphens; Enterprise managed users add underscores.
_ORG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_SECONDARY_LIMIT_WAIT = 60.0  # GitHub's advice when a 429 names no time


def _headers(token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _rate_limit_wait(response: httpx.Response, now: float) -> float | None:
    if response.status_code not in (403, 429):
        return None
    pause = retry_after(response, now)
    if pause is not None:
        return pause
    if response.headers.get("x-ratelimit-remaining", "").strip() == "0":
        return until_epoch(response, "x-ratelimit-reset", now)
    # A 403 without rate-limit headers is a refusal; a bare 429 is a secondary limit.
    return _SECONDARY_LIMIT_WAIT if response.status_code == 429 else None


def _quota_wait(response: httpx.Response, now: float) -> float | None:
    if response.headers.get("x-ratelimit-remaining", "").strip() != "0":
        return None
    return until_epoch(response, "x-ratelimit-reset", now)


def _next_url(response: httpx.Response, url: str) -> str | None:
    link = response.links.get("next", {}).get("url")
    return link or None


GITHUB = Service(
    name="GitHub",
    token_variable=TOKEN_VARIABLE,
    headers=_headers,
    rate_limit_wait=_rate_limit_wait,
    quota_wait=_quota_wait,
    next_url=_next_url,
)


def list_github_org(
    org: str,
    options: ListingOptions | None = None,
    *,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Enumeration:
    """Every repository of `org` that the options select, or an `EnumerationError`.

    `options.base_url` is `https://HOST/api/v3` for GitHub Enterprise Server."""
    options = options or ListingOptions()
    if not _ORG.fullmatch(org):
        raise EnumerationError("a GitHub organisation name is letters, digits and hyphens")
    base = check_base_url(options.base_url or PUBLIC_API, "GitHub")
    token = token_from(os.environ if env is None else env, TOKEN_VARIABLE)
    reader = PageReader(GITHUB, base, token, options, sleep=sleep)
    first = f"{base}/orgs/{quote(org, safe='')}/repos?type=all&per_page=100"
    pages = reader.pages(first, f"organisation {org!r}")
    return collect(pages, _fields, options, name_parts=(2, 2))


def _fields(entry: dict[str, Any]) -> EntryFields:
    return (
        entry.get("full_name"),
        entry.get("clone_url"),
        entry.get("default_branch"),
        entry.get("archived"),
        entry.get("fork"),
    )

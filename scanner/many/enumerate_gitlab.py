"""List a GitLab group's projects, subgroups included (gitlab.com or a self-managed GitLab).

`GET /groups/{path}/projects?include_subgroups=true&per_page=100`, the group's full path
URL-encoded as one segment (`platform/backend` becomes `platform%2Fbackend`), following the
`Link: rel="next"` header or, when a proxy dropped it, `x-next-page`. Projects shared into the
group from elsewhere are left to their own group. The token comes from `GITLAB_TOKEN` and is
sent as `PRIVATE-TOKEN`. GitLab answers a rate limit with 429 and `retry-after` or
`ratelimit-reset` (a Unix time); a short wait is taken, a long one is an error.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

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

PUBLIC_API = "https://gitlab.com/api/v4"
TOKEN_VARIABLE = "GITLAB_TOKEN"
# A numeric group id, or a full path of up to 21 levels (GitLab nests subgroups 20 deep).
_GROUP_PART = r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}"
_GROUP = re.compile(rf"[0-9]+|{_GROUP_PART}(?:/{_GROUP_PART}){{0,20}}")
_UNNAMED_LIMIT_WAIT = 10.0  # a 429 without a time: a short pause, at most a few times


def _headers(token: str | None) -> dict[str, str]:
    return {"Accept": "application/json", **({"PRIVATE-TOKEN": token} if token else {})}


def _rate_limit_wait(response: httpx.Response, now: float) -> float | None:
    if response.status_code != 429:
        return None
    pause = retry_after(response, now)
    if pause is None:
        pause = until_epoch(response, "ratelimit-reset", now)
    return _UNNAMED_LIMIT_WAIT if pause is None else pause


def _quota_wait(response: httpx.Response, now: float) -> float | None:
    if response.headers.get("ratelimit-remaining", "").strip() != "0":
        return None
    return until_epoch(response, "ratelimit-reset", now)


def _next_url(response: httpx.Response, url: str) -> str | None:
    link = response.links.get("next", {}).get("url")
    if link:
        return link
    page = response.headers.get("x-next-page", "").strip()
    if not page.isdigit() or len(page) > 9:
        return None  # empty on the last page
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "page"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("page", page)])))


GITLAB = Service(
    name="GitLab",
    token_variable=TOKEN_VARIABLE,
    headers=_headers,
    rate_limit_wait=_rate_limit_wait,
    quota_wait=_quota_wait,
    next_url=_next_url,
)


def list_gitlab_group(
    group: str,
    options: ListingOptions | None = None,
    *,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Enumeration:
    """Every project of `group` and its subgroups that the options select, or an
    `EnumerationError`. `options.base_url` is `https://HOST/api/v4` for a self-managed GitLab."""
    options = options or ListingOptions()
    group = group.strip("/")
    if not _GROUP.fullmatch(group) or any(part in (".", "..") for part in group.split("/")):
        raise EnumerationError("a GitLab group is its full path (group/subgroup) or its number")
    base = check_base_url(options.base_url or PUBLIC_API, "GitLab")
    token = token_from(os.environ if env is None else env, TOKEN_VARIABLE)
    reader = PageReader(GITLAB, base, token, options, sleep=sleep)
    query = "include_subgroups=true&with_shared=false&order_by=id&sort=asc&per_page=100"
    first = f"{base}/groups/{quote(group, safe='')}/projects?{query}"
    pages = reader.pages(first, f"group {group!r}")
    return collect(pages, _fields, options, name_parts=(2, 21))


def _fields(entry: dict[str, Any]) -> EntryFields:
    upstream = entry.get("forked_from_project")
    # Present (an object) on a fork whose upstream the token can see.
    fork: object = upstream if not isinstance(upstream, dict) else True
    return (
        entry.get("path_with_namespace"),
        entry.get("http_url_to_repo"),
        entry.get("default_branch"),
        entry.get("archived"),
        fork,
    )

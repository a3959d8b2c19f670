"""Reading a paginated repository listing from a forge's REST API, within limits.

The GitHub and GitLab listers differ in URLs, headers and how they announce a rate limit;
the loop is the same: fetch a page, follow the next-page link, wait out a short rate limit,
retry a 5xx twice, and stop with one clear error on anything else. Everything is bounded:
pages, bytes per page, the whole listing's time and each pause. The token goes only in a
request header, only to the API's own origin (a next-page link to another host is refused),
and never into a message: the API's own error text is shown with the token cut out.
"""

from __future__ import annotations

import email.utils
import functools
import json
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpx

from scanner import __version__
from scanner.many.forge import MAX_ENTRIES_PER_PAGE, EnumerationError, ListingOptions
from scanner.printable import printable

_SERVER_ERRORS = frozenset({500, 502, 503, 504})
_SERVER_ERROR_RETRIES = 2
_TRANSPORT_RETRIES = 2
_RATE_LIMIT_WAITS = 5  # pauses for one page before giving up
_MAX_MESSAGE = 200


@dataclass(frozen=True)
class Service:
    """What differs between forges for the paging loop."""

    name: str  # GitHub, GitLab
    token_variable: str  # where the token came from, named in messages
    headers: Callable[[str | None], dict[str, str]]  # token -> request headers
    # Seconds to wait before retrying this refused response, or None if it is no rate limit.
    rate_limit_wait: Callable[[httpx.Response, float], float | None]
    # Seconds to wait after this successful response before the next request (quota used up).
    quota_wait: Callable[[httpx.Response, float], float | None]
    next_url: Callable[[httpx.Response, str], str | None]  # the next page's URL, if any


def retry_after(response: httpx.Response, now: float) -> float | None:
    """A `Retry-After` header in seconds (a number or an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


def until_epoch(response: httpx.Response, header: str, now: float) -> float | None:
    """Seconds from `now` to the Unix time in `header`, or None when absent or unreadable."""
    value = response.headers.get(header, "").strip()
    if not value.isdigit() or len(value) > 12:
        return None
    return max(0.0, int(value) - now)


class PageReader:
    """One listing's pages: each a list of JSON entries, in order."""

    def __init__(
        self,
        service: Service,
        base_url: str,
        token: str | None,
        options: ListingOptions,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._service = service
        self._base = base_url
        self._origin = _origin(base_url)
        self._token = token
        self._options = options
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self._deadline = clock() + options.max_seconds
        self.pages_read = 0

    def pages(self, first_url: str, what: str) -> Iterator[list[object]]:
        """The entries of each page from `first_url` on; `what` names the listed thing."""
        with self._client() as client:
            url: str | None = first_url
            visited: set[str] = set()
            while url is not None:
                if url in visited:
                    raise EnumerationError(f"{self._service.name}'s next-page links go round")
                visited.add(url)
                if self.pages_read >= self._options.max_pages:
                    raise EnumerationError(
                        f"{self._service.name} listing has more than "
                        f"{self._options.max_pages} pages: stopped"
                    )
                self.pages_read += 1
                response, body = self._get(client, url, what)
                yield self._entries(body)
                url = self._next(response, url)
                if url is not None:
                    pause = self._service.quota_wait(response, self._wall())
                    if pause:
                        self._wait(pause, "its request quota is used up")

    def _client(self) -> httpx.Client:
        headers = {"User-Agent": f"leakwindow/{__version__}", **self._service.headers(self._token)}
        try:
            # Proxies and CA bundles from the environment apply, as to git's own clones.
            return httpx.Client(
                headers=headers, follow_redirects=False, trust_env=True, verify=_tls_context()
            )
        except (ValueError, OSError, ssl.SSLError, httpx.HTTPError, httpx.InvalidURL) as problem:
            raise EnumerationError(
                f"cannot set up a client for the {self._service.name} API (check the proxy and "
                f"certificate settings in the environment): {type(problem).__name__}"
            ) from None

    # --- one page ----------------------------------------------------------------------------

    def _get(self, client: httpx.Client, url: str, what: str) -> tuple[httpx.Response, bytes]:
        waits = server_errors = transport_errors = 0
        while True:
            remaining = self._deadline - self._clock()
            if remaining <= 0:
                raise self._out_of_time()
            try:
                timeout = min(self._options.timeout_s, remaining)
                with client.stream("GET", url, timeout=timeout) as response:
                    body = self._read(response)
            except httpx.TransportError as problem:
                transport_errors += 1
                if transport_errors > _TRANSPORT_RETRIES:
                    raise EnumerationError(
                        f"cannot reach the {self._service.name} API at {self._base}: "
                        f"{self._clean(type(problem).__name__ + ' ' + str(problem))}"
                    ) from None
                self._wait(float(transport_errors), "the connection failed")
                continue
            status = response.status_code
            if 200 <= status < 300:
                return response, body
            pause = self._service.rate_limit_wait(response, self._wall())
            if pause is not None:
                waits += 1
                if waits > _RATE_LIMIT_WAITS:
                    raise EnumerationError(
                        f"{self._service.name} is still rate limiting after "
                        f"{_RATE_LIMIT_WAITS} pauses; retry later"
                    )
                self._wait(pause, "it is rate limiting this client")
                continue
            if status in _SERVER_ERRORS and server_errors < _SERVER_ERROR_RETRIES:
                server_errors += 1
                self._wait(float(2**server_errors), f"it answered HTTP {status}")
                continue
            raise self._refusal(status, body, what)

    def _read(self, response: httpx.Response) -> bytes:
        limit = self._options.max_page_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise self._too_large()
            if self._clock() > self._deadline:  # a body that drips in under each read timeout
                raise self._out_of_time()
            chunks.append(chunk)
        return b"".join(chunks)

    def _entries(self, body: bytes) -> list[object]:
        page = self.pages_read
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise EnumerationError(
                f"{self._service.name} answered page {page} with something that is not JSON"
            ) from None
        if not isinstance(document, list):
            raise EnumerationError(
                f"{self._service.name} answered page {page} with JSON that is not a list of "
                f"repositories{self._message_of(document)}"
            )
        if len(document) > MAX_ENTRIES_PER_PAGE:
            raise EnumerationError(
                f"{self._service.name} answered page {page} with {len(document)} entries "
                f"(more than {MAX_ENTRIES_PER_PAGE}): not the listing asked for"
            )
        return document

    def _next(self, response: httpx.Response, url: str) -> str | None:
        following = self._service.next_url(response, url)
        if following is None:
            return None
        try:
            following = urljoin(url, following)
            origin = _origin(following)
        except ValueError:
            origin = None
        if origin != self._origin:
            # The token would follow the link: only the API's own origin may be asked.
            raise EnumerationError(
                f"{self._service.name}'s next-page link leaves {self._base}: refused"
            )
        return following

    # --- waiting and failing -----------------------------------------------------------------

    def _wait(self, seconds: float, why: str) -> None:
        name = self._service.name
        if seconds > self._options.max_wait_s:
            raise EnumerationError(
                f"{name} asks to wait {_duration(seconds)} ({why}), {self._until(seconds)}; "
                f"this run waits at most {self._options.max_wait_s:.0f} s: retry then"
                + ("" if self._token else f", or set {self._service.token_variable}")
            )
        if self._clock() + seconds > self._deadline:
            raise self._out_of_time()
        self._sleep(seconds)

    def _until(self, seconds: float) -> str:
        try:
            resume = datetime.fromtimestamp(self._wall() + seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):  # a header can name any number
            return "past any date this machine can show"
        return f"until {resume:%Y-%m-%d %H:%M:%S} UTC"

    def _out_of_time(self) -> EnumerationError:
        return EnumerationError(
            f"listing from {self._service.name} took longer than "
            f"{self._options.max_seconds:.0f} s: stopped"
        )

    def _too_large(self) -> EnumerationError:
        return EnumerationError(
            f"{self._service.name} answered page {self.pages_read} with more than "
            f"{self._options.max_page_bytes // 1024} KB: stopped"
        )

    def _refusal(self, status: int, body: bytes, what: str) -> EnumerationError:
        name, variable = self._service.name, self._service.token_variable
        message = self._message_of(_json_or_none(body))
        if 300 <= status < 400:
            return EnumerationError(
                f"{name} answered with a redirect (HTTP {status}); give the API's own URL "
                f"(not {self._base})"
            )
        if status == 401:
            if self._token:
                return EnumerationError(f"{name} refused the token in {variable} (HTTP 401)")
            return EnumerationError(f"{name} asks for a token (HTTP 401): set {variable}")
        if status == 404:
            return EnumerationError(
                f"{name} has no {what} at {self._base} (HTTP 404), or the token cannot see it"
            )
        if status == 403:
            return EnumerationError(f"{name} refused access to {what} (HTTP 403){message}")
        return EnumerationError(f"{name} answered HTTP {status}{message}")

    def _message_of(self, document: object) -> str:
        """`: the API's message`, cleaned, or "" when it gave none."""
        if isinstance(document, dict):
            value = document.get("message") or document.get("error")
            if isinstance(value, str) and value.strip():
                return ": " + self._clean(value)
        return ""

    def _clean(self, text: str) -> str:
        """Server or library text made safe for a one-line message: no token, bounded."""
        if self._token:
            text = text.replace(self._token, "[token]")
        text = printable(" ".join(text.split()))
        return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Certificate checks as httpx makes them (SSL_CERT_FILE honoured), loaded once: loading
    the CA bundle takes about 0.1 s."""
    return httpx.create_ssl_context(trust_env=True)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 1e7 else "an unbounded time"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)


def _json_or_none(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None

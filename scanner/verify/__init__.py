"""Live verification: ask each provider's own endpoint whether a found secret still works.

Opt-in (`--verify`). One check per unique secret, run concurrently under a global cap, a
per-host rate limit, retries with backoff on 429/5xx, timeouts and a total time budget.

Safety rules this module enforces:
- a check talks only to the host named in its rule's `verify.url`, over verified TLS;
- that host is resolved first, and every answer must be a public address: private, loopback,
  link-local, multicast, reserved, documentation and every other IANA special-purpose range
  (an explicit table, `NEVER_CONTACT`, besides ipaddress's own flags, which differ between
  Python versions) and cloud-metadata addresses are refused;
- the connection is pinned to the checked address (the TLS name is still the rule's host): the
  network backend under httpx accepts only an address literal, so httpx never resolves a name
  itself, and checks again, once connected, the address the socket actually reached;
- redirects are never followed, and no proxy, .netrc or CA bundle is taken from the
  environment;
- no secret appears in a result detail, a log record or an exception message.

`VerifySettings.host_overrides` is the one test-only escape hatch: it sends a rule's host to an
explicit base URL (a loopback fake provider) and skips the address check for that host only.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpcore
import httpx

from scanner import __version__
from scanner.errors import LeakwindowError
from scanner.model import NO_VERIFY_ENDPOINT, Verification
from scanner.rules import Rule
from scanner.verify import sigv4

log = logging.getLogger(__name__)

_MAX_BODY_BYTES = 64 * 1024  # enough for any whoami answer; a huge body is not read
_MAX_RETRY_AFTER_S = 30.0  # a provider asking for a longer pause gets an error, not a wait
_DEFAULT_LIVE = (200,)
_DEFAULT_INVALID = (401, 403)
_METHODS = frozenset({"GET", "POST"})
_SIGNERS = frozenset({"aws-sigv4"})
_PLACEHOLDER = re.compile(r"\{(secret|pair)\}")
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IANA's IPv4 and IPv6 special-purpose address registries (every entry, including the few
# anycast services marked globally reachable: none hosts a provider's API), multicast, the
# deprecated IPv6 site-local block and limited broadcast. Written out because ipaddress's
# flags differ between Python versions: 3.11 calls 192.0.0.8 and fec0::/10 global.
NEVER_CONTACT: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments (192.0.0.8 dummy, DS-Lite, NAT64 discovery)
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.31.196.0/24",  # AS112
        "192.52.193.0/24",  # AMT
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "192.175.48.0/24",  # AS112 direct delegation
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved
        "255.255.255.255/32",  # limited broadcast
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::ffff:0:0/96",  # IPv4-mapped
        "64:ff9b::/96",  # IPv4/IPv6 translation
        "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
        "100::/64",  # discard-only
        "100:0:0:1::/64",  # dummy prefix
        "2001::/23",  # IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, AS112)
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "2620:4f:8000::/48",  # AS112 direct delegation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)
# Outside this block no IPv6 address is assigned for global unicast.
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
# Loggers of the HTTP stack; httpx logs full request URLs, which may hold a secret in a query.
_HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)

REFUSED_PRIVATE = "refused: private address"
REFUSED_METADATA = "refused: cloud metadata address"
REFUSED_UNPINNED = "refused: connection not pinned to a checked address"
REFUSED_PEER = "refused: connected to an unexpected address"
_REFUSALS = frozenset({REFUSED_PRIVATE, REFUSED_METADATA, REFUSED_UNPINNED, REFUSED_PEER})
BUDGET_EXHAUSTED = "budget exhausted"


@dataclass(frozen=True)
class VerifyRequest:
    """One secret to check with its rule's `verify` block; `pair_secret` fills `{pair}`."""

    fingerprint: str
    rule: Rule
    secret: bytes = field(repr=False)
    pair_secret: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class VerifySettings:
    """Limits for one verification run.

    `host_overrides` maps a rule host ("api.x.ai") to a base URL ("http://127.0.0.1:8080"): it
    exists for tests against a local fake provider and is the only way to reach loopback.
    `extra_ca_file` adds a trust anchor (tests, TLS-inspecting proxies); verification stays on.
    """

    timeout_s: float = 10.0
    concurrency: int = 8
    per_host_per_second: float = 2.0
    retries: int = 2
    backoff_s: float = 0.5
    budget_s: float = 60.0
    host_overrides: Mapping[str, str] = field(default_factory=dict)
    extra_ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.budget_s <= 0:
            raise LeakwindowError("verification timeout and budget must be positive")
        if self.concurrency < 1:
            raise LeakwindowError("verification concurrency must be at least 1")
        if self.per_host_per_second <= 0:
            raise LeakwindowError("verification rate limit must be positive")
        if self.retries < 0 or self.backoff_s < 0:
            raise LeakwindowError("verification retries and backoff must not be negative")
        for host, base in self.host_overrides.items():
            parts = urlsplit(base)
            if parts.scheme not in ("http", "https") or not parts.hostname or not host:
                raise LeakwindowError(f"bad verification host override for '{host}'")


class _Stop(Exception):
    """Ends one check early with a fixed, secret-free reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class _Plan:
    """A fully rendered request for one check, plus how to judge the answer."""

    host: str  # the rule's host: the only host this check may reach
    port: int
    netloc: str
    path_and_query: str
    method: str
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    live: frozenset[int]
    invalid: frozenset[int]
    live_body: re.Pattern[str] | None
    invalid_body: re.Pattern[str] | None


@dataclass(frozen=True)
class _Reply:
    status: int
    body: str = field(repr=False)
    retry_after: float | None


# --- addresses -------------------------------------------------------------------------------


def forbidden_address_reason(address: str) -> str | None:
    """Why a resolved address must not be contacted, or None when it is a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return REFUSED_PRIVATE
    if ip in _METADATA_ADDRESSES:
        return REFUSED_METADATA
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = forbidden_address_reason(str(embedded))
            if reason:
                return reason
    if any(ip in block for block in NEVER_CONTACT):
        return REFUSED_PRIVATE
    if isinstance(ip, ipaddress.IPv6Address) and ip not in _GLOBAL_UNICAST_V6:
        return REFUSED_PRIVATE
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        return REFUSED_PRIVATE
    return None


async def _resolve_public(host: str, port: int, timeout_s: float) -> str:
    """Resolve `host` and return an address to pin, refusing if any answer is not public."""
    loop = asyncio.get_running_loop()
    try:
        answers = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=timeout_s
        )
    except asyncio.TimeoutError:
        raise _Stop("error", "dns lookup timed out") from None
    except (OSError, UnicodeError):
        raise _Stop("error", "dns lookup failed") from None
    # IPv4 first: many CI runners resolve AAAA records they cannot route.
    found = dict.fromkeys(str(answer[4][0]) for answer in answers)
    addresses = sorted(found, key=lambda address: ":" in address)
    if not addresses:
        raise _Stop("error", "dns lookup failed")
    for address in addresses:
        reason = forbidden_address_reason(address)
        if reason:
            raise _Stop("error", reason)
    return addresses[0]


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """The network backend under httpx: connects only to a checked address, never a name.

    A check resolves its rule's host itself and hands httpx an address literal; a name reaching
    this backend would mean a second DNS lookup whose answer nobody checked, so it is refused.
    Once connected, the address the socket reached is checked again. `exempt` holds the hosts
    of test-only overrides (a loopback fake provider).
    """

    def __init__(self, exempt: frozenset[str]) -> None:
        self._network = httpcore.AnyIOBackend()
        self._exempt = exempt

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        exempt = host in self._exempt
        if not exempt:
            _refuse_unless_public_literal(host)
        stream = await self._network.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        if not exempt:
            peer = stream.get_extra_info("server_addr")
            reason = _peer_refusal(peer, host)
            if reason is not None:
                await stream.aclose()
                raise httpcore.ConnectError(reason)
        return stream

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(REFUSED_UNPINNED)

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


def _refuse_unless_public_literal(host: str) -> None:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise httpcore.ConnectError(REFUSED_UNPINNED) from None
    reason = forbidden_address_reason(host.strip("[]"))
    if reason is not None:
        raise httpcore.ConnectError(reason)


def _peer_refusal(peer: object, pinned: str) -> str | None:
    """Why the connected socket's far end is not acceptable, or None."""
    if not isinstance(peer, tuple) or not peer or not isinstance(peer[0], str):
        return REFUSED_PEER
    address = peer[0].split("%", 1)[0]
    reason = forbidden_address_reason(address)
    if reason is not None:
        return reason
    try:
        same = ipaddress.ip_address(address) == ipaddress.ip_address(pinned.strip("[]"))
    except ValueError:
        same = False
    return None if same else REFUSED_PEER


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that uses `_PinnedBackend`."""

    def __init__(self, tls: ssl.SSLContext, max_connections: int, exempt: frozenset[str]):
        limits = httpx.Limits(max_connections=max_connections)
        super().__init__(verify=tls, trust_env=False, limits=limits)
        # httpx has no parameter for the network backend: its pool is replaced by one built
        # the same way with ours (tests/test_verify.py fails if httpx stops using it).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(exempt),
        )


# --- planning --------------------------------------------------------------------------------


def _sendable_text(secret: bytes) -> str:
    # Printable ASCII only: anything else cannot go into a header or URL without mangling,
    # and CR/LF would be header injection.
    if not secret or any(byte < 0x21 or byte > 0x7E for byte in secret):
        raise _Stop("error", "secret cannot be sent as text")
    return secret.decode("ascii")


def _render(template: Any, values: Mapping[str, str | None], *, in_url: bool = False) -> str:
    if not isinstance(template, str):
        raise _Stop("error", "rule has an invalid verify block")

    def substitute(placeholder: re.Match[str]) -> str:
        value = values[placeholder.group(1)]
        if value is None:
            raise _Stop("unchecked", "no paired credential found")
        return quote(value, safe="") if in_url else value

    return _PLACEHOLDER.sub(substitute, template)


def _status_set(block: Mapping[str, Any], key: str, default: tuple[int, ...]) -> frozenset[int]:
    value = block.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(item, int) for item in value):
        raise _Stop("error", "rule has an invalid verify block")
    return frozenset(value)


def _body_pattern(block: Mapping[str, Any], key: str) -> re.Pattern[str] | None:
    value = block.get(key) or None
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Stop("error", "rule has an invalid verify block")
    try:
        return re.compile(value)
    except re.error:
        raise _Stop("error", "rule has an invalid verify block") from None


def _plan(request: VerifyRequest) -> _Plan:
    """Render the rule's verify block for one secret; raise _Stop when it cannot be sent."""
    block = request.rule.verify
    if not block:
        raise _Stop("unchecked", NO_VERIFY_ENDPOINT)
    template = urlsplit(str(block.get("url", "")))
    host = (template.hostname or "").lower()
    # The host comes from the rule alone: no placeholder, no credentials, https only.
    if template.scheme != "https" or not host or "{" in template.netloc or "@" in template.netloc:
        raise _Stop("error", "rule has an invalid verify url")
    try:
        port = template.port or 443
    except ValueError:
        raise _Stop("error", "rule has an invalid verify url") from None
    method = str(block.get("method", "GET")).upper()
    if method not in _METHODS:
        raise _Stop("error", "rule has an unsupported verify method")
    signer = block.get("signer")
    if signer is not None and signer not in _SIGNERS:
        raise _Stop("error", "rule names an unknown signer")
    if (block.get("pair") or signer) and request.pair_secret is None:
        raise _Stop("unchecked", "no paired credential found")

    secret = _sendable_text(request.secret)
    pair = _sendable_text(request.pair_secret) if request.pair_secret is not None else None
    values = {"secret": secret, "pair": pair}
    path = _render(template.path or "/", values, in_url=True)
    query = _render(template.query, values, in_url=True)
    path_and_query = path + (f"?{query}" if query else "")

    raw_headers = block.get("headers", {})
    if not isinstance(raw_headers, Mapping):
        raise _Stop("error", "rule has an invalid verify block")
    headers = {"Host": template.netloc}
    for name, value in raw_headers.items():
        if str(name).lower() != "host":  # the host is the rule URL's, never a header's
            headers[str(name)] = _render(value, values)
    basic_auth = block.get("basic_auth")
    if basic_auth is not None:
        if not isinstance(basic_auth, list) or len(basic_auth) != 2:
            raise _Stop("error", "rule has an invalid verify block")
        user, password = (_render(part, values) for part in basic_auth)
        token = base64.b64encode(f"{user}:{password}".encode("ascii")).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    body = _render(block.get("body", ""), values).encode("utf-8")

    if signer == "aws-sigv4":
        assert pair is not None  # checked above: the signer needs the key id
        if body and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        to_sign = {name: value for name, value in headers.items() if name.lower() != "host"}
        headers.update(
            sigv4.sign_request(
                method=method,
                url=urlunsplit(("https", template.netloc, path, query, "")),
                headers=to_sign,
                payload=body,
                access_key_id=pair,
                secret_access_key=secret,
                region=str(block.get("region", "us-east-1")),
                service=sigv4.service_of(host),
                amz_date=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
            )
        )

    return _Plan(
        host=host,
        port=port,
        netloc=template.netloc,
        path_and_query=path_and_query,
        method=method,
        headers=headers,
        body=body,
        live=_status_set(block, "live", _DEFAULT_LIVE),
        invalid=_status_set(block, "invalid", _DEFAULT_INVALID),
        live_body=_body_pattern(block, "live_body"),
        invalid_body=_body_pattern(block, "invalid_body"),
    )


# --- judging ---------------------------------------------------------------------------------


def _judge(plan: _Plan, reply: _Reply) -> tuple[str, str]:
    """Map a response to (status, detail); status "retry" asks for another attempt."""
    status = reply.status
    if 300 <= status < 400:
        return "error", f"redirected (HTTP {status})"
    if status in plan.live and (plan.live_body is None or plan.live_body.search(reply.body)):
        return "live", f"HTTP {status} from {plan.host}"
    if status in plan.invalid:
        return "invalid", f"HTTP {status} from {plan.host}"
    if status == 429 or status >= 500:
        return "retry", f"HTTP {status}"
    if plan.invalid_body is not None and plan.invalid_body.search(reply.body):
        return "invalid", f"HTTP {status} from {plan.host}, body says invalid"
    if status in plan.live:
        # A right status with the wrong body is a CDN page or garbage, not proof of life.
        return "error", f"unexpected response body (HTTP {status})"
    return "error", f"unexpected status {status}"


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):  # the chain is short; bound it anyway
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# --- running ---------------------------------------------------------------------------------


class _HostPacer:
    """Spaces requests to one host at least 1/rate seconds apart (a token bucket of depth 1)."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._next_slot: dict[str, float] = {}

    async def wait_turn(self, host: str) -> None:
        now = time.monotonic()
        slot = max(now, self._next_slot.get(host, now))
        self._next_slot[host] = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class _Run:
    """Shared state of one verification run: clients, limits and the contact tally."""

    def __init__(self, settings: VerifySettings, contacts: Counter[str]) -> None:
        self.settings = settings
        self.contacts = contacts
        self.slots = asyncio.Semaphore(settings.concurrency)
        self.pacer = _HostPacer(settings.per_host_per_second)
        self._tls = httpx.create_ssl_context(verify=True, trust_env=False)
        if settings.extra_ca_file:
            try:
                self._tls.load_verify_locations(cafile=settings.extra_ca_file)
            except (OSError, ssl.SSLError):
                raise LeakwindowError("cannot load the extra CA file for verification") from None
        # One client per rule host: a pooled connection whose certificate was checked for one
        # host is never reused for another host that happens to share its address.
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._exempt = frozenset(
            urlsplit(base).hostname or "" for base in settings.host_overrides.values()
        )

    def client_for(self, host: str) -> httpx.AsyncClient:
        client = self._clients.get(host)
        if client is None:
            client = httpx.AsyncClient(
                transport=_PinnedTransport(self._tls, self.settings.concurrency, self._exempt),
                follow_redirects=False,
                trust_env=False,  # no proxy or .netrc from the environment
                timeout=httpx.Timeout(self.settings.timeout_s),
                headers={"User-Agent": f"leakwindow/{__version__}"},
            )
            self._clients[host] = client
        return client

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def target(self, plan: _Plan) -> tuple[str, dict[str, Any]]:
        """The URL to connect to and the request extensions that pin TLS to the rule host."""
        override = self.settings.host_overrides.get(plan.host)
        if override is not None:
            base = urlsplit(override)
            url = f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{plan.path_and_query}"
            return url, {"sni_hostname": plan.host} if base.scheme == "https" else {}
        address = await _resolve_public(plan.host, plan.port, self.settings.timeout_s)
        netloc = f"[{address}]" if ":" in address else address
        url = f"https://{netloc}:{plan.port}{plan.path_and_query}"
        return url, {"sni_hostname": plan.host}

    async def attempt(self, plan: _Plan) -> _Reply:
        """Send one request and read a bounded part of the answer."""
        url, extensions = await self.target(plan)
        client = self.client_for(plan.host)
        try:
            request = client.build_request(
                plan.method,
                url,
                headers=dict(plan.headers),
                content=plan.body or None,
                extensions=extensions,
            )
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, TypeError):
            raise _Stop("error", "request could not be built") from None
        self.contacts[plan.host] += 1
        try:
            response = await client.send(request, stream=True)
            try:
                body = await _read_bounded(response)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise _Stop("error", "timeout") from None
        except httpx.ConnectError as exc:
            if str(exc) in _REFUSALS:  # refused by _PinnedBackend: nothing was sent
                self.contacts.subtract([plan.host])
                self.contacts += Counter()  # drops the host again if that was its only request
                raise _Stop("error", str(exc)) from None
            reason = "tls error" if _is_tls_failure(exc) else "connection failed"
            raise _Stop("error", reason) from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError):
            raise _Stop("error", "transport error") from None
        retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        return _Reply(response.status_code, body, retry_after)

    async def check(self, fingerprint: str, plan: _Plan) -> Verification:
        """One secret, with retries on 429/5xx; every outcome becomes a Verification."""
        settings = self.settings
        attempt = 0
        while True:
            try:
                async with self.slots:
                    await self.pacer.wait_turn(plan.host)
                    log.debug("verifying %s via %s", fingerprint[:12], plan.host)
                    reply = await asyncio.wait_for(
                        self.attempt(plan), timeout=2 * settings.timeout_s
                    )
            except asyncio.TimeoutError:
                return _verdict("error", "timeout")
            except _Stop as stop:
                return _verdict(stop.status, stop.reason)
            status, detail = _judge(plan, reply)
            log.debug("verification of %s: %s", fingerprint[:12], status)
            if status != "retry":
                return _verdict(status, detail)
            if attempt >= settings.retries:
                return _verdict("error", f"gave up after {attempt + 1} attempts: {detail}")
            delay = settings.backoff_s * (2**attempt)
            if reply.retry_after is not None:
                if reply.retry_after > _MAX_RETRY_AFTER_S:
                    return _verdict("error", f"asked to retry too late: {detail}")
                delay = max(delay, reply.retry_after)
            attempt += 1
            await asyncio.sleep(delay)


async def _read_bounded(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= _MAX_BODY_BYTES:
            break
    return b"".join(chunks)[:_MAX_BODY_BYTES].decode("utf-8", "replace")


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _verdict(status: str, detail: str) -> Verification:
    return Verification(status=status, detail=detail, checked_at=_now_iso())


def _pick_unique(requests: Iterable[VerifyRequest]) -> dict[str, VerifyRequest]:
    """One request per fingerprint, preferring one that can actually be checked."""

    def usefulness(request: VerifyRequest) -> int:
        block = request.rule.verify
        if not block:
            return 0
        needs_pair = bool(block.get("pair") or block.get("signer"))
        return 1 if needs_pair and request.pair_secret is None else 2

    chosen: dict[str, VerifyRequest] = {}
    for request in requests:
        current = chosen.get(request.fingerprint)
        if current is None or usefulness(request) > usefulness(current):
            chosen[request.fingerprint] = request
    return chosen


class _RedactSecrets(logging.Filter):
    """Rewrites any log record of the HTTP stack that would carry one of the secrets."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = sorted(set(secrets), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: drop it rather than risk its arguments
            return False
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def _secret_forms(requests: Iterable[VerifyRequest]) -> list[str]:
    """Every spelling of every secret that could reach a message: raw and URL-quoted."""
    forms: list[str] = []
    for request in requests:
        for value in (request.secret, request.pair_secret):
            if value:
                text = value.decode("utf-8", "replace")
                forms += [text, quote(text, safe="")]
    return [form for form in forms if form]


@contextmanager
def _http_logs_redacted(redactor: _RedactSecrets) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in _HTTP_LOGGERS]
    for logger in loggers:
        logger.addFilter(redactor)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redactor)


async def _verify_all(
    unique: Mapping[str, VerifyRequest], settings: VerifySettings, contacts: Counter[str]
) -> dict[str, Verification]:
    deadline = time.monotonic() + settings.budget_s
    results: dict[str, Verification] = {}
    plans: dict[str, _Plan] = {}
    for fingerprint, request in unique.items():
        try:
            plans[fingerprint] = _plan(request)
        except _Stop as stop:
            results[fingerprint] = _verdict(stop.status, stop.reason)
        except Exception as crash:  # a malformed rule: report its type, never its message
            results[fingerprint] = _verdict("error", f"internal error ({type(crash).__name__})")
    if not plans:
        return results
    run = _Run(settings, contacts)
    try:
        tasks = {
            asyncio.create_task(run.check(fingerprint, plan)): fingerprint
            for fingerprint, plan in plans.items()
        }
        done, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            error = task.exception()
            if error is None:
                results[tasks[task]] = task.result()
            else:  # a bug, not a provider answer: report its type, never its message
                log.debug("verification crashed: %s", type(error).__name__)
                results[tasks[task]] = _verdict("error", f"internal error ({type(error).__name__})")
        for task in pending:
            results[tasks[task]] = _verdict("error", BUDGET_EXHAUSTED)
    finally:
        await run.close()
    return results


def verify_secrets(
    requests: Iterable[VerifyRequest],
    settings: VerifySettings | None = None,
    *,
    contacts: Counter[str] | None = None,
) -> dict[str, Verification]:
    """Check each unique secret once; return its Verification keyed by fingerprint.

    `contacts`, when given, is incremented once per HTTP request sent, keyed by rule host.
    Must be called outside a running event loop.
    """
    settings = settings or VerifySettings()
    unique = _pick_unique(requests)
    if not unique:
        return {}
    redactor = _RedactSecrets(_secret_forms(unique.values()))
    with _http_logs_redacted(redactor):
        tally = contacts if contacts is not None else Counter()
        results = asyncio.run(_verify_all(unique, settings, tally))
    # Belt and braces: details are built from fixed text, but never let a secret through.
    return {
        fingerprint: Verification(
            verification.status,
            redactor.scrub(verification.detail) if verification.detail else None,
            verification.checked_at,
        )
        for fingerprint, verification in results.items()
    }


def contacted_summary(contacts: Mapping[str, int]) -> str:
    """One line for the console, e.g. "verification contacted: api.github.com (2), api.x.ai (1)"."""
    if not contacts:
        return "verification contacted: no provider"
    hosts = ", ".join(f"{host} ({count})" for host, count in sorted(contacts.items()))
    return f"verification contacted: {hosts}"

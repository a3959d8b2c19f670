"""The client loop: check every planned secret under the run's limits.

One check per unique secret, run concurrently under a global cap, a per-host rate limit,
retries with backoff on 429/5xx, timeouts and a total time budget. One pinned client per rule
host, no redirects, no proxy or .netrc from the environment; every outcome, a crash included,
becomes a `Verification` whose detail holds no secret.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import ssl
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from scanner import __version__
from scanner.errors import LeakwindowError
from scanner.model import Verification
from scanner.verify.guard import REFUSALS, PinnedTransport, resolve_public
from scanner.verify.judge import Reply, is_tls_failure, judge, retry_after_seconds
from scanner.verify.model import BUDGET_EXHAUSTED, Stop, VerifyRequest, VerifySettings, verdict
from scanner.verify.plan import Plan, pick_unique, plan_request
from scanner.verify.redact import RedactSecrets, http_logs_redacted, secret_forms

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_MAX_BODY_BYTES = 64 * 1024  # enough for any whoami answer; a huge body is not read
_MAX_RETRY_AFTER_S = 30.0  # a provider asking for a longer pause gets an error, not a wait


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
                transport=PinnedTransport(self._tls, self.settings.concurrency, self._exempt),
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

    async def target(self, plan: Plan) -> tuple[str, dict[str, Any]]:
        """The URL to connect to and the request extensions that pin TLS to the rule host."""
        override = self.settings.host_overrides.get(plan.host)
        if override is not None:
            base = urlsplit(override)
            url = f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{plan.path_and_query}"
            return url, {"sni_hostname": plan.host} if base.scheme == "https" else {}
        address = await resolve_public(plan.host, plan.port, self.settings.timeout_s)
        netloc = f"[{address}]" if ":" in address else address
        url = f"https://{netloc}:{plan.port}{plan.path_and_query}"
        return url, {"sni_hostname": plan.host}

    async def attempt(self, plan: Plan) -> Reply:
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
            raise Stop("error", "request could not be built") from None
        self.contacts[plan.host] += 1
        try:
            response = await client.send(request, stream=True)
            try:
                body = await _read_bounded(response)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise Stop("error", "timeout") from None
        except httpx.ConnectError as exc:
            if str(exc) in REFUSALS:  # refused by _PinnedBackend: nothing was sent
                self.contacts.subtract([plan.host])
                self.contacts += Counter()  # drops the host again if that was its only request
                raise Stop("error", str(exc)) from None
            reason = "tls error" if is_tls_failure(exc) else "connection failed"
            raise Stop("error", reason) from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError):
            raise Stop("error", "transport error") from None
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return Reply(response.status_code, body, retry_after)

    async def check(self, fingerprint: str, plan: Plan) -> Verification:
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
                return verdict("error", "timeout")
            except Stop as stop:
                return verdict(stop.status, stop.reason)
            status, detail = judge(plan, reply)
            log.debug("verification of %s: %s", fingerprint[:12], status)
            if status != "retry":
                return verdict(status, detail)
            if attempt >= settings.retries:
                return verdict("error", f"gave up after {attempt + 1} attempts: {detail}")
            delay = settings.backoff_s * (2**attempt)
            if reply.retry_after is not None:
                if reply.retry_after > _MAX_RETRY_AFTER_S:
                    return verdict("error", f"asked to retry too late: {detail}")
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


async def _verify_all(
    unique: Mapping[str, VerifyRequest], settings: VerifySettings, contacts: Counter[str]
) -> dict[str, Verification]:
    deadline = time.monotonic() + settings.budget_s
    results: dict[str, Verification] = {}
    plans: dict[str, Plan] = {}
    for fingerprint, request in unique.items():
        try:
            plans[fingerprint] = plan_request(request)
        except Stop as stop:
            results[fingerprint] = verdict(stop.status, stop.reason)
        except Exception as crash:  # a malformed rule: report its type, never its message
            results[fingerprint] = verdict("error", f"internal error ({type(crash).__name__})")
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
                results[tasks[task]] = verdict("error", f"internal error ({type(error).__name__})")
        for task in pending:
            results[tasks[task]] = verdict("error", BUDGET_EXHAUSTED)
    finally:
        await run.close()
    return results


def _run_to_completion(make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """asyncio.run(make()), in a thread of its own when this thread already runs a loop
    (asyncio.run refuses to start a second one there)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def verify_secrets(
    requests: Iterable[VerifyRequest],
    settings: VerifySettings | None = None,
    *,
    contacts: Counter[str] | None = None,
) -> dict[str, Verification]:
    """Check each unique secret once; return its Verification keyed by fingerprint.

    `contacts`, when given, is incremented once per HTTP request sent, keyed by rule host.
    Called where an event loop already runs (a notebook, a browser driver), the checks run in
    a thread of their own.
    """
    settings = settings or VerifySettings()
    unique = pick_unique(requests)
    if not unique:
        return {}
    redactor = RedactSecrets(secret_forms(unique.values()))
    with http_logs_redacted(redactor):
        tally = contacts if contacts is not None else Counter()
        results = _run_to_completion(lambda: _verify_all(unique, settings, tally))
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

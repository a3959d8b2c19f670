"""Reading a provider's answer: live, invalid, retry or error.

Functions of a response (status, bounded body, `Retry-After`) and of the plan's
expectations, apart from the HTTP client so that they can be read and tested alone.
Redirects are never followed: a 3xx is an error.
"""

from __future__ import annotations

import email.utils
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timezone

from scanner.verify.plan import Plan


@dataclass(frozen=True)
class Reply:
    """What a provider answered: status, the bounded body and any `Retry-After` in seconds."""

    status: int
    body: str = field(repr=False)
    retry_after: float | None


def judge(plan: Plan, reply: Reply) -> tuple[str, str]:
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


def retry_after_seconds(value: str | None) -> float | None:
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


def is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):  # the chain is short; bound it anyway
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False

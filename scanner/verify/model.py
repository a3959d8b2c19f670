"""The verification run's inputs, and how a check ends.

What a caller hands in (`VerifyRequest`, `VerifySettings`), the `Stop` that ends a check early
with a fixed, secret-free reason, and `verdict` that turns any outcome into a `Verification`.
Kept apart so that planning, the address guard and the client loop share them without
importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from scanner.errors import LeakwindowError
from scanner.model import Verification
from scanner.rules.pack import Rule

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


class Stop(Exception):
    """Ends one check early with a fixed, secret-free reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def verdict(status: str, detail: str) -> Verification:
    return Verification(status=status, detail=detail, checked_at=_now_iso())

"""Live verification: ask each provider's own endpoint whether a found secret still works.

Opt-in (`--verify`), and imported only then: the pre-commit hook's light path never loads it.
The stage is cut by job, layers importing downward only:

- `model`: what a caller hands in (`VerifyRequest`, `VerifySettings`) and the outcome type;
- `guard`: which addresses may be contacted, and the transport pinned to a checked address;
- `plan`: one request per unique secret, multi-part credentials paired, the request rendered;
- `sigv4`: the AWS Signature Version 4 signer `plan` uses;
- `judge`: what a provider's answer means;
- `redact`: no secret in the HTTP stack's log records;
- `run`: the client loop (concurrency, per-host rate, retries, time budget).

Safety rules the stage enforces:
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

from scanner.verify.guard import (
    NEVER_CONTACT,
    REFUSED_METADATA,
    REFUSED_PEER,
    REFUSED_PRIVATE,
    REFUSED_UNPINNED,
    forbidden_address_reason,
)
from scanner.verify.model import BUDGET_EXHAUSTED, VerifyRequest, VerifySettings
from scanner.verify.run import contacted_summary, verify_secrets

__all__ = [
    "BUDGET_EXHAUSTED",
    "NEVER_CONTACT",
    "REFUSED_METADATA",
    "REFUSED_PEER",
    "REFUSED_PRIVATE",
    "REFUSED_UNPINNED",
    "VerifyRequest",
    "VerifySettings",
    "contacted_summary",
    "forbidden_address_reason",
    "verify_secrets",
]

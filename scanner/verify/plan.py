"""Turning found secrets into requests: one per unique secret, fully rendered.

`pick_unique` keeps one request per fingerprint, preferring one whose multi-part credential
found its pair; `plan_request` renders the rule's `verify` block for it (URL, headers, basic
auth, body, an AWS SigV4 signature) and says how to judge the answer, or stops with a reason
when the secret cannot be sent. The host comes from the rule alone: https only, no placeholder.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from scanner.model import NO_VERIFY_ENDPOINT
from scanner.verify.model import Stop, VerifyRequest
from scanner.verify.sigv4 import service_of, sign_request

_DEFAULT_LIVE = (200,)
_DEFAULT_INVALID = (401, 403)
_METHODS = frozenset({"GET", "POST"})
_SIGNERS = frozenset({"aws-sigv4"})
_PLACEHOLDER = re.compile(r"\{(secret|pair)\}")


@dataclass(frozen=True)
class Plan:
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


def _sendable_text(secret: bytes) -> str:
    # Printable ASCII only: anything else cannot go into a header or URL without mangling,
    # and CR/LF would be header injection.
    if not secret or any(byte < 0x21 or byte > 0x7E for byte in secret):
        raise Stop("error", "secret cannot be sent as text")
    return secret.decode("ascii")


def _render(template: Any, values: Mapping[str, str | None], *, in_url: bool = False) -> str:
    if not isinstance(template, str):
        raise Stop("error", "rule has an invalid verify block")

    def substitute(placeholder: re.Match[str]) -> str:
        value = values[placeholder.group(1)]
        if value is None:
            raise Stop("unchecked", "no paired credential found")
        return quote(value, safe="") if in_url else value

    return _PLACEHOLDER.sub(substitute, template)


def _status_set(block: Mapping[str, Any], key: str, default: tuple[int, ...]) -> frozenset[int]:
    value = block.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(item, int) for item in value):
        raise Stop("error", "rule has an invalid verify block")
    return frozenset(value)


def _body_pattern(block: Mapping[str, Any], key: str) -> re.Pattern[str] | None:
    value = block.get(key) or None
    if value is None:
        return None
    if not isinstance(value, str):
        raise Stop("error", "rule has an invalid verify block")
    try:
        return re.compile(value)
    except re.error:
        raise Stop("error", "rule has an invalid verify block") from None


def plan_request(request: VerifyRequest) -> Plan:
    """Render the rule's verify block for one secret; raise Stop when it cannot be sent."""
    block = request.rule.verify
    if not block:
        raise Stop("unchecked", NO_VERIFY_ENDPOINT)
    template = urlsplit(str(block.get("url", "")))
    host = (template.hostname or "").lower()
    # The host comes from the rule alone: no placeholder, no credentials, https only.
    if template.scheme != "https" or not host or "{" in template.netloc or "@" in template.netloc:
        raise Stop("error", "rule has an invalid verify url")
    try:
        port = template.port or 443
    except ValueError:
        raise Stop("error", "rule has an invalid verify url") from None
    method = str(block.get("method", "GET")).upper()
    if method not in _METHODS:
        raise Stop("error", "rule has an unsupported verify method")
    signer = block.get("signer")
    if signer is not None and signer not in _SIGNERS:
        raise Stop("error", "rule names an unknown signer")
    if (block.get("pair") or signer) and request.pair_secret is None:
        raise Stop("unchecked", "no paired credential found")

    secret = _sendable_text(request.secret)
    pair = _sendable_text(request.pair_secret) if request.pair_secret is not None else None
    values = {"secret": secret, "pair": pair}
    path = _render(template.path or "/", values, in_url=True)
    query = _render(template.query, values, in_url=True)
    path_and_query = path + (f"?{query}" if query else "")

    raw_headers = block.get("headers", {})
    if not isinstance(raw_headers, Mapping):
        raise Stop("error", "rule has an invalid verify block")
    headers = {"Host": template.netloc}
    for name, value in raw_headers.items():
        if str(name).lower() != "host":  # the host is the rule URL's, never a header's
            headers[str(name)] = _render(value, values)
    basic_auth = block.get("basic_auth")
    if basic_auth is not None:
        if not isinstance(basic_auth, list) or len(basic_auth) != 2:
            raise Stop("error", "rule has an invalid verify block")
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
            sign_request(
                method=method,
                url=urlunsplit(("https", template.netloc, path, query, "")),
                headers=to_sign,
                payload=body,
                access_key_id=pair,
                secret_access_key=secret,
                region=str(block.get("region", "us-east-1")),
                service=service_of(host),
                amz_date=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
            )
        )

    return Plan(
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


def pick_unique(requests: Iterable[VerifyRequest]) -> dict[str, VerifyRequest]:
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

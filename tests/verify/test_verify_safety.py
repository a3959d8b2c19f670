"""Where a verification request may go: public addresses only, pinned, never through a proxy.

Addresses are judged by an explicit table of IANA special-purpose ranges besides ipaddress's
flags (which differ between Python versions); the connection itself is made by a network
backend that takes only a checked address literal and checks the peer once connected.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpcore
import pytest

from scanner.matches import fingerprint_of
from scanner.verify import VerifySettings, forbidden_address_reason, verify_secrets
from tests.fake_provider import LIVE_JSON, FakeProvider
from tests.verify.test_verify import (  # noqa: F401 - fixtures used by name
    TLS_HOST,
    request,
    settings_for,
    tls_fake,
    tls_files,
    token,
    with_url,
)


@pytest.mark.parametrize(
    "address",
    [
        "192.0.0.8",  # IPv4 dummy address: "global" for Python 3.11's ipaddress
        "192.0.0.9",  # PCP anycast
        "192.0.0.170",  # NAT64 discovery
        "192.31.196.1",  # AS112
        "192.52.193.1",  # AMT
        "192.88.99.1",  # 6to4 relay anycast (deprecated)
        "192.175.48.1",  # AS112 direct delegation
        "198.18.0.1",  # benchmarking
        "198.51.100.7",  # documentation
        "203.0.113.9",  # documentation
        "255.255.255.255",  # limited broadcast
        "fec0::1",  # deprecated site-local: "global" for Python 3.11's ipaddress
        "fec0:1234::abcd",
        "3fff::1",  # documentation (2024): "global" for Python 3.11's ipaddress
        "2001:db8::1",  # documentation
        "2002:808:808::1",  # 6to4 (even around a public IPv4 address)
        "2001::1",  # Teredo
        "2001:3::1",  # AMT
        "2620:4f:8000::1",  # AS112
        "5f00::1",  # segment routing
        "100::1",  # discard-only
        "64:ff9b:1::1",  # local-use translation
        "64:ff9b::808:808",  # translation prefix
        "::ffff:8.8.8.8",  # IPv4-mapped
        "::8.8.8.8",  # IPv4-compatible (deprecated)
        "4000::1",  # outside global unicast (2000::/3)
        "fd12:3456::1",  # unique local
    ],
)
def test_special_purpose_addresses_are_never_contacted(address: str) -> None:
    assert forbidden_address_reason(address) is not None


def _samples(block: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list[str]:
    first, last = int(block.network_address), int(block.broadcast_address)
    kind = type(block.network_address)
    return [str(kind(value)) for value in {first, (first + last) // 2, last}]


def test_every_block_of_the_table_is_refused_on_this_python() -> None:
    from scanner.verify import NEVER_CONTACT

    assert len(NEVER_CONTACT) >= 30
    allowed = [
        address
        for block in NEVER_CONTACT
        for address in _samples(block)
        if forbidden_address_reason(address) is None
    ]
    assert allowed == []


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "140.82.112.6", "2606:4700:4700::1111", "2a00:1450:4001:81c::200e"],
)
def test_public_addresses_may_be_contacted(address: str) -> None:
    assert forbidden_address_reason(address) is None


def test_an_answer_changed_after_the_check_is_refused_at_connect_time(
    tls_fake: FakeProvider,  # noqa: F811 - the fixture imported above
    tls_files: dict[str, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The rule host "resolves" (as a rebinding DNS server would answer the second time) to the
    # loopback fake, which holds a valid certificate for the rule host: only a check of the
    # address actually connected to can stop the request.
    import scanner.verify.run

    async def rebound(host: str, port: int, timeout_s: float) -> str:
        return "127.0.0.1"

    monkeypatch.setattr(scanner.verify.run, "resolve_public", rebound)
    secret = token("fks_", "rebound")
    rule = with_url("fake-tls", f"https://{TLS_HOST}:{tls_fake.port}/v1/me")
    tls_fake.respond(secret, LIVE_JSON)
    contacts: Counter[str] = Counter()
    settings = VerifySettings(timeout_s=2.0, retries=0, extra_ca_file=str(tls_files["ca.pem"]))
    results = verify_secrets([request("fake-tls", secret, rule=rule)], settings, contacts=contacts)
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == ("error", "refused: private address")
    assert tls_fake.seen == []
    assert contacts == Counter()


def test_the_connection_layer_refuses_a_name_it_would_have_to_resolve() -> None:
    from scanner.verify.guard import REFUSED_UNPINNED, _PinnedBackend

    async def connect(host: str) -> str:
        try:
            stream = await _PinnedBackend(frozenset()).connect_tcp(host, 443, timeout=1.0)
        except httpcore.ConnectError as exc:
            return str(exc)
        await stream.aclose()
        return "connected"

    assert asyncio.run(connect("localhost")) == REFUSED_UNPINNED
    assert asyncio.run(connect("api.fake-provider.test")) == REFUSED_UNPINNED
    assert asyncio.run(connect("127.0.0.1")) == "refused: private address"
    assert asyncio.run(connect("169.254.169.254")) == "refused: cloud metadata address"


@pytest.fixture
def proxy() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


def test_a_proxy_from_the_environment_is_never_used(
    monkeypatch: pytest.MonkeyPatch, proxy: FakeProvider
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, proxy.base_url)
    monkeypatch.setenv("NO_PROXY", "")
    with FakeProvider() as provider:
        secret = token("fkb_", "proxied")
        provider.respond(secret, LIVE_JSON)
        results = verify_secrets(
            [request("fake-bearer", secret)],
            settings_for(("api.fake-provider.test", provider)),
        )
        assert results[fingerprint_of(secret.encode())].status == "live"
        assert len(provider.seen) == 1
    assert proxy.seen == []

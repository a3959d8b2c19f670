"""Which addresses a check may contact, and the transport that holds it to them.

A check talks only to the host named in its rule's `verify.url`. That host is resolved first
(`resolve_public`) and every answer must be a public address: private, loopback, link-local,
multicast, reserved, documentation and every other IANA special-purpose range (an explicit
table, `NEVER_CONTACT`, besides ipaddress's own flags, which differ between Python versions)
and cloud-metadata addresses are refused. The connection is then pinned to the checked address
(`PinnedTransport`): the network backend under httpx accepts only an address literal, so httpx
never resolves a name itself, and checks again, once connected, the address the socket
actually reached.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from scanner.verify.model import Stop

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


REFUSED_PRIVATE = "refused: private address"
REFUSED_METADATA = "refused: cloud metadata address"
REFUSED_UNPINNED = "refused: connection not pinned to a checked address"
REFUSED_PEER = "refused: connected to an unexpected address"
REFUSALS = frozenset({REFUSED_PRIVATE, REFUSED_METADATA, REFUSED_UNPINNED, REFUSED_PEER})


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


async def resolve_public(host: str, port: int, timeout_s: float) -> str:
    """Resolve `host` and return an address to pin, refusing if any answer is not public."""
    loop = asyncio.get_running_loop()
    try:
        answers = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=timeout_s
        )
    except asyncio.TimeoutError:
        raise Stop("error", "dns lookup timed out") from None
    except (OSError, UnicodeError):
        raise Stop("error", "dns lookup failed") from None
    # IPv4 first: many CI runners resolve AAAA records they cannot route.
    found = dict.fromkeys(str(answer[4][0]) for answer in answers)
    addresses = sorted(found, key=lambda address: ":" in address)
    if not addresses:
        raise Stop("error", "dns lookup failed")
    for address in addresses:
        reason = forbidden_address_reason(address)
        if reason:
            raise Stop("error", reason)
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


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that uses `_PinnedBackend`."""

    def __init__(self, tls: ssl.SSLContext, max_connections: int, exempt: frozenset[str]):
        limits = httpx.Limits(max_connections=max_connections)
        super().__init__(verify=tls, trust_env=False, limits=limits)
        # httpx has no parameter for the network backend: its pool is replaced by one built
        # the same way with ours (tests/verify/test_verify.py fails if httpx stops using it).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(exempt),
        )

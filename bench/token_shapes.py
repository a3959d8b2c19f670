"""Token shapes that a character template cannot express: checksums and encoded structures.

The quality corpus writes its positives from each provider's documented format, not from the
rule pack, so the structured formats are built here from their specifications: GitHub's and
npm's base62 CRC32 suffix, age's Bech32, PyPI's macaroon, JWTs, PEM and OpenSSH private keys
with their real DER / wire headers around random key material. Every function takes the
corpus's seeded `random.Random`, so a seed gives the same tokens on every machine.
"""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from collections.abc import Callable

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def rand_bytes(rng: random.Random, count: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(count))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def base62_crc32(body: str, width: int = 6) -> str:
    """GitHub's (and npm's) checksum: CRC32 of the random part, base62, zero-padded."""
    number = zlib.crc32(body.encode("ascii"))
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
    return digits.rjust(width, "0")


# ----------------------------------------------------------------------------- Bech32 (age)

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for index in range(5):
            check ^= generator[index] if (top >> index) & 1 else 0
    return check


def bech32(hrp: str, data: bytes) -> str:
    """BIP-173 Bech32 of `data` (8-bit groups regrouped into 5-bit words)."""
    words, accumulator, bits = [], 0, 0
    for byte in data:
        accumulator = accumulator << 8 | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            words.append(accumulator >> bits & 31)
    if bits:
        words.append(accumulator << (5 - bits) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = _polymod(expanded + words + [0] * 6) ^ 1
    checksum = [polymod >> 5 * (5 - i) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[w] for w in words + checksum)


def age_secret_key(rng: random.Random) -> str:
    """age's X25519 identity: Bech32 with HRP `age-secret-key-`, written upper case."""
    return bech32("age-secret-key-", rand_bytes(rng, 32)).upper()


# ------------------------------------------------------------------------ JWT and macaroons


def jwt(rng: random.Random, claims: dict[str, object] | None = None, alg: str = "HS256") -> str:
    """An RFC 7519 JWS: JSON header and claims, 32 random signature bytes (none: empty)."""
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = claims or {
        "sub": str(rng.randrange(10**6, 10**7)),
        "iat": 1_700_000_000 + rng.randrange(10**7),
        "role": rng.choice(["service_role", "admin", "deploy"]),
    }
    payload = b64url(json.dumps(body, separators=(",", ":")).encode())
    signature = "" if alg == "none" else b64url(rand_bytes(rng, 32))
    return f"{header}.{payload}.{signature}"


def _field(kind: int, data: bytes) -> bytes:
    return bytes([kind, len(data)]) + data


def pypi_macaroon(rng: random.Random, location: str = "pypi.org") -> str:
    """A PyPI API token: `pypi-` + base64url of a version-2 macaroon (location, identifier,
    one JSON caveat, 32-byte signature), as PyPI's help page describes."""
    identifier = "".join(rng.choice("0123456789abcdef") for _ in range(32)).encode()
    caveat = json.dumps({"permissions": "user", "version": 1}).encode()
    raw = (
        b"\x02"
        + _field(1, location.encode())
        + _field(2, identifier)
        + b"\x00"
        + _field(2, caveat)
        + b"\x00\x00"
        + _field(6, rand_bytes(rng, 32))
    )
    return "pypi-" + b64url(raw)


def b64_text(text: str) -> str:
    """Standard base64 of a text, with padding."""
    return base64.b64encode(text.encode()).decode("ascii")


def b64_json(rng: random.Random, fields: dict[str, object], standard: bool = False) -> str:
    """Compact JSON in base64url without padding, or standard base64 with it."""
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return base64.b64encode(raw).decode("ascii") if standard else b64url(raw)


# ------------------------------------------------------------------------------ key files


def _wrap(text: str, width: int = 64) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def _pem(label: str, der: bytes) -> list[str]:
    body = base64.b64encode(der).decode("ascii")
    return [f"-----BEGIN {label}-----", *_wrap(body), f"-----END {label}-----"]


def rsa_pkcs1(rng: random.Random) -> list[str]:
    """RFC 8017 RSAPrivateKey (2048-bit sized): SEQUENCE, version 0, then the integers."""
    header = bytes.fromhex("308204a40201000282010100")
    return _pem("RSA PRIVATE KEY", header + rand_bytes(rng, 1180))


def ec_sec1(rng: random.Random) -> list[str]:
    """RFC 5915 ECPrivateKey on P-256: version 1, 32-byte key, curve OID, public point."""
    der = (
        bytes.fromhex("30770201010420")
        + rand_bytes(rng, 32)
        + bytes.fromhex("a00a06082a8648ce3d030107a14403420004")
        + rand_bytes(rng, 64)
    )
    return _pem("EC PRIVATE KEY", der)


def ed25519_pkcs8(rng: random.Random) -> list[str]:
    """RFC 8410 PKCS#8 Ed25519 key: `MC4CAQAwBQYDK2VwBCIEI…`."""
    return _pem(
        "PRIVATE KEY", bytes.fromhex("302e020100300506032b657004220420") + rand_bytes(rng, 32)
    )


def rsa_pkcs8(rng: random.Random) -> list[str]:
    """PKCS#8 RSA key as Google's service-account JSON embeds it (`MIIEv…`)."""
    header = bytes.fromhex(
        "308204bd020100300d06092a864886f70d0101010500048204a7308204a30201000282010100"
    )
    return _pem("PRIVATE KEY", header + rand_bytes(rng, 1190))


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def openssh_ed25519(rng: random.Random) -> list[str]:
    """OpenSSH's PROTOCOL.key format, unencrypted Ed25519 (`b3BlbnNzaC1rZXktdjE…`)."""
    public = rand_bytes(rng, 32)
    key_type = _ssh_string(b"ssh-ed25519")
    public_blob = key_type + _ssh_string(public)
    check = rand_bytes(rng, 4)
    private = (
        check
        + check
        + key_type
        + _ssh_string(public)
        + _ssh_string(rand_bytes(rng, 32) + public)
        + _ssh_string(b"deploy@ci")
    )
    private += bytes(range(1, 1 + (-len(private) % 8)))
    blob = (
        b"openssh-key-v1\x00"
        + _ssh_string(b"none")
        + _ssh_string(b"none")
        + _ssh_string(b"")
        + (1).to_bytes(4, "big")
        + _ssh_string(public_blob)
        + _ssh_string(private)
    )
    body = base64.b64encode(blob).decode("ascii")
    return [
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        *_wrap(body, 70),
        "-----END OPENSSH PRIVATE KEY-----",
    ]


def pgp_private(rng: random.Random) -> list[str]:
    """RFC 4880 armored secret key: an old-format secret-key packet (0x95), CRC-24 line."""
    packet = b"\x95\x01\xd8\x04" + rand_bytes(rng, 470)
    body = base64.b64encode(packet).decode("ascii")
    crc = base64.b64encode(_crc24(packet).to_bytes(3, "big")).decode("ascii")
    return [
        "-----BEGIN PGP PRIVATE KEY BLOCK-----",
        "",
        *_wrap(body),
        f"={crc}",
        "-----END PGP PRIVATE KEY BLOCK-----",
    ]


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def putty_v3(rng: random.Random) -> list[str]:
    """PuTTY's `.ppk` version 3 text format, unencrypted Ed25519."""
    public = base64.b64encode(_ssh_string(b"ssh-ed25519") + _ssh_string(rand_bytes(rng, 32)))
    private = base64.b64encode(_ssh_string(rand_bytes(rng, 32)))
    mac = rand_bytes(rng, 32).hex()
    return [
        "PuTTY-User-Key-File-3: ssh-ed25519",
        "Encryption: none",
        "Comment: deploy@build",
        "Public-Lines: 2",
        *_wrap(public.decode("ascii")),
        "Private-Lines: 1",
        private.decode("ascii"),
        f"Private-MAC: {mac}",
    ]


def openvpn_static(rng: random.Random) -> list[str]:
    """OpenVPN `--genkey secret`: 2048 random bits as 16 lines of 32 hex digits."""
    lines = [rand_bytes(rng, 16).hex() for _ in range(16)]
    return [
        "#",
        "# 2048 bit OpenVPN static key",
        "#",
        "-----BEGIN OpenVPN Static key V1-----",
        *lines,
        "-----END OpenVPN Static key V1-----",
    ]


KEY_FILES: dict[str, Callable[[random.Random], list[str]]] = {
    "rsa-pkcs1": rsa_pkcs1,
    "ec-sec1": ec_sec1,
    "ed25519-pkcs8": ed25519_pkcs8,
    "rsa-pkcs8": rsa_pkcs8,
    "openssh-ed25519": openssh_ed25519,
    "pgp": pgp_private,
    "putty-v3": putty_v3,
    "openvpn-static": openvpn_static,
}

"""A minimal AWS Signature Version 4 signer (hashlib + hmac only).

Just enough to call STS `GetCallerIdentity` with a leaked key pair: header-based signing of
one request with a fully buffered body. No session tokens, no chunked uploads, no S3 rules.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
_UNRESERVED = "-_.~"


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _canonical_path(path: str) -> str:
    # The path arrives already percent-encoded from the URL; keep existing escapes intact.
    return quote(path or "/", safe="/" + _UNRESERVED + "%")


def _canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    encoded = [
        (quote(key, safe=_UNRESERVED), quote(value, safe=_UNRESERVED)) for key, value in pairs
    ]
    return "&".join(f"{key}={value}" for key, value in sorted(encoded))


def _canonical_header_value(value: str) -> str:
    # Trim and collapse runs of spaces, as the specification requires.
    return " ".join(value.strip().split())


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], payload: bytes
) -> tuple[str, str]:
    """Return (canonical request, signed header list) for a request whose headers are final."""
    parts = urlsplit(url)
    lowered = {name.lower(): _canonical_header_value(value) for name, value in headers.items()}
    names = sorted(lowered)
    signed_headers = ";".join(names)
    canonical_headers = "".join(f"{name}:{lowered[name]}\n" for name in names)
    text = "\n".join(
        [
            method.upper(),
            _canonical_path(parts.path),
            _canonical_query(parts.query),
            canonical_headers,
            signed_headers,
            _sha256_hex(payload),
        ]
    )
    return text, signed_headers


def signing_key(secret_access_key: str, day: str, region: str, service: str) -> bytes:
    """Derive the per-day, per-region, per-service key from the secret access key."""
    key = _hmac(("AWS4" + secret_access_key).encode("utf-8"), day)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def sign_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload: bytes,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    service: str,
    amz_date: str,
) -> dict[str, str]:
    """Sign a request and return the headers to add: `X-Amz-Date` and `Authorization`.

    `headers` are the request headers to sign besides `Host` (taken from `url`) and
    `X-Amz-Date`; `amz_date` is the request time as `YYYYMMDDTHHMMSSZ` in UTC.
    """
    host = urlsplit(url).netloc
    to_sign = {"host": host, "x-amz-date": amz_date}
    to_sign.update({name.lower(): value for name, value in headers.items()})
    canonical, signed_headers = canonical_request(method, url, to_sign, payload)
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([ALGORITHM, amz_date, scope, _sha256_hex(canonical.encode("utf-8"))])
    key = signing_key(secret_access_key, day, region, service)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={access_key_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return {"X-Amz-Date": amz_date, "Authorization": authorization}


def service_of(host: str) -> str:
    """The signing service name of an AWS endpoint: its first label (`sts.amazonaws.com`)."""
    return host.split(".", 1)[0].lower()

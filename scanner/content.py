"""Turn a blob's raw bytes into scannable text bytes, or decide it is binary."""

from __future__ import annotations

_SNIFF_BYTES = 8000  # git's own binary heuristic looks at the first 8000 bytes for a NUL
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def scannable_text(raw: bytes) -> bytes | None:
    """Return bytes to scan, or None when the content is binary.

    UTF-16 with a byte-order mark is decoded to UTF-8 so that its secrets are found; any other
    content without a NUL byte is scanned as is (non-UTF-8 bytes stay bytes: rules are
    byte patterns, so Latin-1 or broken UTF-8 cannot hide an ASCII token).
    """
    encoding = _UTF16_BOMS.get(raw[:2])
    if encoding is not None:
        return raw[2:].decode(encoding, "replace").encode("utf-8")
    if b"\x00" in raw[:_SNIFF_BYTES]:
        return None
    return raw

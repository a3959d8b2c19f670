"""Turn a blob's raw bytes into scannable text bytes, or decide it is binary."""

from __future__ import annotations

import re

BINARY_SNIFF_BYTES = 8000  # git's own binary heuristic looks at the first 8000 bytes for a NUL
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# A Git LFS pointer, exactly as the spec writes it: nothing but hex digests and a size, so a
# file shaped like this cannot carry a secret and skipping its text loses nothing.
_LFS_POINTER = re.compile(
    rb"version https://git-lfs\.github\.com/spec/v1\n"
    rb"(?:ext-\d+-[a-z0-9]+ sha256:[0-9a-f]{64}\n)*"
    rb"oid sha256:[0-9a-f]{64}\n"
    rb"size \d+\n"
)
_LFS_POINTER_MAX_BYTES = 1024


def utf16_encoding(raw: bytes) -> str | None:
    """The UTF-16 codec named by a leading byte-order mark, if there is one."""
    return _UTF16_BOMS.get(raw[:2])


def is_lfs_pointer(raw: bytes) -> bool:
    """A Git LFS pointer file (the large file itself is not in the repository)."""
    return len(raw) <= _LFS_POINTER_MAX_BYTES and _LFS_POINTER.fullmatch(raw) is not None


def scannable_text(raw: bytes) -> bytes | None:
    """Return bytes to scan, or None when the content is binary.

    UTF-16 with a byte-order mark is decoded to UTF-8 so that its secrets are found; any other
    content without a NUL byte is scanned as is (non-UTF-8 bytes stay bytes: rules are
    byte patterns, so Latin-1 or broken UTF-8 cannot hide an ASCII token).
    """
    encoding = utf16_encoding(raw)
    if encoding is not None:
        return raw[2:].decode(encoding, "replace").encode("utf-8")
    if b"\x00" in raw[:BINARY_SNIFF_BYTES]:
        return None
    return raw

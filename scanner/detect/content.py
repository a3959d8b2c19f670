"""Turn a blob's raw bytes into scannable text bytes, or decide it is binary.

Git calls a file binary when its first 8000 bytes hold a NUL, and so did this scanner: one
stray NUL at the top of a `.env` file (or in the same added block of a commit) hid every key
in it. Now a NUL in those bytes only starts a closer look (`sniff`):

- a known binary format (image, archive, executable, compiled code, by its magic number) is
  binary;
- UTF-16 without a byte-order mark (every other byte NUL) is decoded, as UTF-16 with one is;
- otherwise, if what is not NUL is text (at most 1 in 20 bytes a control character), the
  content is text and each NUL counts as a line break: NUL-separated records (`env -0`, a
  process's environ) become lines, and no NUL sits inside a token;
- anything else is binary: random or compressed data is about 1 in 9 control characters.

Content with no NUL in its first 8000 bytes is text as it is (nearly every file: the check
costs nothing more than before).
"""

from __future__ import annotations

import re

BINARY_SNIFF_BYTES = 8000  # git's own binary heuristic looks at the first 8000 bytes for a NUL
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# Magic numbers of formats that are binary whatever their bytes look like further on (not
# two-byte ones such as BMP's "BM" or Windows' "MZ": a text file may begin that way, and the
# control bytes tell those formats apart anyway).
_BINARY_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",  # PNG
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"\x00\x00\x01\x00",  # ICO
    b"RIFF",  # WebP, WAV, AVI
    b"PK\x03\x04",  # zip, jar, apk, docx, xlsx, wheel
    b"PK\x05\x06",  # empty zip
    b"\x1f\x8b",  # gzip
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"7z\xbc\xaf\x27\x1c",  # 7-zip
    b"\x28\xb5\x2f\xfd",  # zstd
    b"Rar!\x1a\x07",  # rar
    b"!<arch>\n",  # ar: static libraries, .deb
    b"\x7fELF",  # ELF executables, objects, shared libraries
    b"\xfe\xed\xfa\xce",  # Mach-O, both widths and byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Java class, Mach-O fat binary
    b"\x00asm",  # WebAssembly
    b"dex\n",  # Android dex
    b"SQLite format 3\x00",
    b"OTTO",  # OpenType
    b"\x00\x01\x00\x00\x00",  # TrueType
    b"wOFF",
    b"wOF2",
    b"\xde\x12\x04\x95",  # gettext .mo, both byte orders
    b"\x95\x04\x12\xde",
)
_TAR_MAGIC_AT = 257  # "ustar" at this offset
# Bytes of text: printable ASCII, the usual whitespace, ESC (terminal colours) and every byte
# from 0x80 (UTF-8 and Latin-1 letters). What is left after deleting them is control bytes.
_TEXT_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n\r\f\v\x1b" + bytes(range(0x80, 0x100))
_MAX_CONTROL_SHARE = 20  # at most 1 in 20 non-NUL bytes a control character
# A Git LFS pointer, exactly as the spec writes it: nothing but hex digests and a size, so a
# file shaped like this cannot carry a secret and skipping its text loses nothing.
_LFS_POINTER = re.compile(
    rb"version https://git-lfs\.github\.com/spec/v1\n"
    rb"(?:ext-\d+-[a-z0-9]+ sha256:[0-9a-f]{64}\n)*"
    rb"oid sha256:[0-9a-f]{64}\n"
    rb"size \d+\n"
)
_LFS_POINTER_MAX_BYTES = 1024

TEXT = "text"  # scan as it is
NUL_SEPARATED = "nul-separated"  # text with NULs: scan with each NUL read as a line break
BINARY = "binary"


def utf16_encoding(raw: bytes) -> str | None:
    """The UTF-16 codec named by a leading byte-order mark, if there is one."""
    return _UTF16_BOMS.get(raw[:2])


def is_lfs_pointer(raw: bytes) -> bool:
    """A Git LFS pointer file (the large file itself is not in the repository)."""
    return len(raw) <= _LFS_POINTER_MAX_BYTES and _LFS_POINTER.fullmatch(raw) is not None


def sniff(head: bytes) -> str:
    """How to read content that begins with `head` (its first 8000 bytes, or all of it):
    TEXT, NUL_SEPARATED, BINARY, or the name of a UTF-16 codec to decode it with."""
    encoding = utf16_encoding(head)
    if encoding is not None:
        return encoding
    sample = head[:BINARY_SNIFF_BYTES]
    if b"\x00" not in sample:
        return TEXT
    if sample.startswith(_BINARY_MAGIC) or sample[_TAR_MAGIC_AT:].startswith(b"ustar"):
        return BINARY
    if sample[2:4] == b"\r\n" and 3000 <= int.from_bytes(sample[:2], "little") < 4000:
        return BINARY  # compiled Python (the magic number changes with each release)
    encoding = _utf16_without_bom(sample)
    if encoding is not None:
        return encoding
    rest = sample.replace(b"\x00", b"")
    controls = len(rest.translate(None, _TEXT_BYTES))
    if rest and controls * _MAX_CONTROL_SHARE <= len(rest):
        return NUL_SEPARATED
    return BINARY


def _utf16_without_bom(sample: bytes) -> str | None:
    """utf-16-le or -be when every other byte is NUL and the others are not (ASCII-range
    text in UTF-16), else None."""
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    for nuls, other, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if nuls.count(0) * 10 >= len(nuls) * 9 and other.count(0) * 10 <= len(other):
            return encoding
    return None


def read_as(raw: bytes, how: str, skip_bom: bool = True) -> bytes:
    """`raw` read the way `sniff` said (not for BINARY)."""
    if how == TEXT:
        return raw
    if how == NUL_SEPARATED:
        return raw.replace(b"\x00", b"\n")
    start = 2 if skip_bom and raw[:2] in _UTF16_BOMS else 0
    return raw[start:].decode(how, "replace").encode("utf-8")


def scannable_text(raw: bytes) -> bytes | None:
    """Return bytes to scan, or None when the content is binary (see `sniff`).

    Non-UTF-8 bytes stay bytes: rules are byte patterns, so Latin-1 or broken UTF-8 cannot
    hide an ASCII token.
    """
    if b"\x00" not in raw[:BINARY_SNIFF_BYTES] and raw[:2] not in _UTF16_BOMS:
        return raw  # (nearly every blob: no closer look needed)
    how = sniff(raw)
    if how == BINARY:
        return None
    return read_as(raw, how)

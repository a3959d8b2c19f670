"""A NUL byte does not hide a key, and real binaries stay skipped.

A NUL in the first 8000 bytes made a whole file binary: in the history scan (one NUL at the
top of a `.env` hid all its keys) and in the pre-commit hook (a NUL anywhere in an added
block hid every key in the block). Now a NUL starts a closer look: text whose other bytes are
text is scanned with each NUL read as a line break, UTF-16 without a byte-order mark is
decoded, and images, archives, executables, compiled code and random data are still skipped.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import py_compile
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hostile_support import git, leakwindow, repo_with

from scanner.demo import make_token
from scanner.detect.content import scannable_text

KEY = make_token("xai", random.Random("nul-bytes"))
KEY_2 = make_token("xai", random.Random("nul-bytes-2"))


def _fingerprints(report: str) -> set[str]:
    return {finding["fingerprint"] for finding in json.loads(report)["findings"]}


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scan(repo: Path, *extra: str) -> tuple[int | None, dict[str, object], set[str]]:
    run = leakwindow("scan", str(repo), "--no-cache", "-q", "-f", "json", *extra)
    assert run.code in (0, 1), (run.code, run.stderr[-400:])
    report = json.loads(run.stdout)
    return run.code, report, _fingerprints(run.stdout)


TEXTS_WITH_NULS = {
    # a stray NUL at the top of a .env file (an editor or a bad copy left it there)
    "nul-at-top.env": b"\x00XAI_API_KEY=" + KEY.encode() + b"\nDEBUG=1\n",
    # NUL-separated records: `env -0`, a process's environ
    "environ.dump": b"PATH=/usr/bin\x00XAI_API_KEY=" + KEY.encode() + b"\x00HOME=/root\x00",
    # text padded with NULs after the end
    "padded.cfg": b"xai_key = '" + KEY.encode() + b"'\n" + b"\x00" * 4096,
    # UTF-16 without a byte-order mark (Windows tools write it)
    "utf16le.ps1": ('$env:XAI_API_KEY = "' + KEY + '"\r\n').encode("utf-16-le"),
    "utf16be.txt": ("key: " + KEY + "\n").encode("utf-16-be"),
}


@pytest.mark.parametrize("name", sorted(TEXTS_WITH_NULS))
def test_a_nul_does_not_hide_the_keys_of_a_text_file_from_the_history_scan(
    tmp_path: Path, name: str
) -> None:
    repo = repo_with(tmp_path / "repo", {name: TEXTS_WITH_NULS[name]})
    code, report, found = _scan(repo)
    assert code == 1 and _sha(KEY) in found
    stats = report["scan"]["stats"]  # type: ignore[index]
    assert stats["blobs_skipped_binary"] == 0


def test_a_nul_does_not_hide_a_key_in_a_blob_matched_chunk_by_chunk(tmp_path: Path) -> None:
    """Blobs over 8 MB are read as a stream: the same look at their first 8000 bytes."""
    filler = b"log line without anything secret in it\n" * ((9 << 20) // 40)
    content = b"\x00\x00 header\n" + filler + b"token = '" + KEY.encode() + b"'\n"
    repo = repo_with(tmp_path / "repo", {"huge.log": content})
    code, _, found = _scan(repo, "--max-blob-size", str(64 << 20))
    assert code == 1 and _sha(KEY) in found


def test_a_nul_in_the_added_block_does_not_hide_a_key_from_the_hook(tmp_path: Path) -> None:
    repo = repo_with(tmp_path / "repo", {"README": b"hello\n"})
    added = b"# exported\x00 by a tool\nXAI_API_KEY=" + KEY.encode() + b"\n"
    (repo / "settings.env").write_bytes(added)
    git(repo, "add", "settings.env")
    run = leakwindow("staged", "--format", "json", cwd=repo)
    assert run.code == 1, (run.code, run.stdout[-300:], run.stderr[-300:])
    assert _sha(KEY) in _fingerprints(run.stdout)


def _png(text: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixels = zlib.compress(random.Random(1).randbytes(64 * 65))
    header = struct.pack(">IIBBBBB", 64, 64, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + text)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def _elf(text: bytes) -> bytes:
    rng = random.Random(2)
    header = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HHI", 3, 62, 1)
    code = rng.randbytes(3000)
    return header + b"\x00" * 40 + code + b"\x00" + text + b"\x00" + rng.randbytes(2000)


def _zip(text: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("config.txt", b"key = " + text + b"\n")
    return out.getvalue()


def _pyc(tmp_path: Path, text: bytes) -> bytes:
    source = tmp_path / "settings.py"
    source.write_bytes(b"XAI_API_KEY = '" + text + b"'\n")
    return Path(py_compile.compile(str(source), cfile=str(tmp_path / "settings.pyc"))).read_bytes()


def _class(text: bytes) -> bytes:
    constant = b"\x01" + struct.pack(">H", len(text)) + text
    return b"\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x10" + constant + b"\x00" * 64


def _binaries(tmp_path: Path) -> dict[str, bytes]:
    key = KEY_2.encode()
    noise = random.Random(3).randbytes(20000)
    return {
        "logo.png": _png(key),
        "tool": _elf(key),
        "bundle.zip": _zip(key),
        "settings.pyc": _pyc(tmp_path, key),
        "Main.class": _class(key),
        "data.gz": gzip.compress(b"key = " + key + b"\n" + noise),
        "random.bin": noise[:5000] + key + noise[5000:],
    }


def test_real_binaries_stay_binary(tmp_path: Path) -> None:
    for name, content in _binaries(tmp_path).items():
        assert b"\x00" in content[:8000], name  # (each would have been binary before, too)
        assert scannable_text(content) is None, name


def test_a_history_scan_still_skips_real_binaries(tmp_path: Path) -> None:
    files = {**_binaries(tmp_path), "notes.txt": b"\x00" + b"key = " + KEY.encode() + b"\n"}
    repo = repo_with(tmp_path / "repo", files)
    code, report, found = _scan(repo)
    assert code == 1 and found == {_sha(KEY)}
    stats = report["scan"]["stats"]  # type: ignore[index]
    assert stats["blobs_skipped_binary"] == len(files) - 1

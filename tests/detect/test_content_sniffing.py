"""How a blob with a NUL near its top is read: the edges of `scanner.detect.content.sniff`.

tests/test_nul_bytes.py runs the scanner in a child process (so it also runs against older
code); these tests call the content module in this process and pin its thresholds: when
UTF-16 without a byte-order mark is recognised, what counts as too many control bytes, and
which known binary formats are skipped however text-like their bytes are.
"""

from __future__ import annotations

import io
import py_compile
import random
import tarfile
from pathlib import Path

import pytest
from git_builders import GitRepo, fingerprint, scan

from scanner.demo import make_token
from scanner.detect.content import (
    BINARY,
    NUL_SEPARATED,
    TEXT,
    read_as,
    scannable_text,
    sniff,
    utf16_encoding,
)

KEY = make_token("xai", random.Random("content-sniffing"))
LE_BOM, BE_BOM = b"\xff\xfe", b"\xfe\xff"


def test_a_byte_order_mark_names_the_utf16_codec() -> None:
    assert utf16_encoding(LE_BOM + "key".encode("utf-16-le")) == "utf-16-le"
    assert utf16_encoding(BE_BOM + "key".encode("utf-16-be")) == "utf-16-be"
    assert utf16_encoding(b"key = 1\n") is None


def test_utf16_with_a_byte_order_mark_is_decoded_whatever_its_script() -> None:
    # Japanese text has no NUL half to recognise it by: only the mark says it is UTF-16.
    text = f"# 設定ファイル（本番環境）\nXAI_API_KEY={KEY}\n"
    raw = LE_BOM + text.encode("utf-16-le")
    assert sniff(raw) == "utf-16-le"
    assert scannable_text(raw) == text.encode()


def test_utf16_with_a_mark_and_no_nul_in_its_first_8000_bytes_is_still_decoded() -> None:
    # Only past the sniffed head does an ASCII character bring the first NUL byte: the mark
    # alone must send the content to be decoded.
    text = "設定" * 2001 + f"\nXAI_API_KEY={KEY}\n"
    raw = LE_BOM + text.encode("utf-16-le")
    assert b"\x00" not in raw[:8002]
    assert scannable_text(raw) == text.encode()


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_recognised_and_decoded(codec: str) -> None:
    text = f"$env:XAI_API_KEY = '{KEY}'\r\n"
    raw = text.encode(codec)
    assert sniff(raw) == codec
    assert scannable_text(raw) == text.encode()


def test_eight_utf16_characters_are_enough_to_tell_utf16_without_a_mark() -> None:
    assert sniff("abcdefgh".encode("utf-16-le")) == "utf-16-le"  # 16 bytes
    assert sniff("abcdefg".encode("utf-16-le")) == NUL_SEPARATED  # 14: too few to tell


def test_utf16_without_a_mark_allows_one_character_in_ten_beyond_latin1() -> None:
    # "Ł" (U+0141) has no NUL byte in UTF-16: it counts against the NUL half.
    assert sniff(("abcdefghiŁ" * 4).encode("utf-16-le")) == "utf-16-le"
    assert sniff(("abcdefghijklmnopqŁŁŁ" * 2).encode("utf-16-le")) == BINARY  # 3 in 20


def test_utf16_without_a_mark_allows_one_nul_character_in_ten() -> None:
    # A U+0000 character puts a NUL in the other half too.
    assert sniff(("abcdefghi\x00" * 4).encode("utf-16-le")) == "utf-16-le"
    assert sniff(("abcdefgh\x00\x00" * 4).encode("utf-16-le")) == NUL_SEPARATED


def test_text_padded_with_nuls_is_not_taken_for_utf16() -> None:
    raw = f"xai_key = '{KEY}'\n".encode() + b"\x00" * 4096
    assert sniff(raw) == NUL_SEPARATED
    text = scannable_text(raw)
    assert text is not None and KEY.encode() in text


def test_nuls_do_not_dilute_the_control_bytes_of_binary_data() -> None:
    # 2 control bytes in 20 others: binary, however many NULs surround them.
    assert sniff(b"abcdefghijklmnop\x01\x02qr" + b"\x00" * 100) == BINARY


def test_one_control_byte_in_twenty_is_still_text() -> None:
    assert sniff(b"abcdefghijklmnopqrs\x01" + b"\x00") == NUL_SEPARATED
    assert sniff(b"abcdefghijklmnopqr\x01\x01" + b"\x00") == BINARY


def test_a_tar_archive_is_binary_even_when_its_members_are_text() -> None:
    out = io.BytesIO()
    body = f"XAI_API_KEY={KEY}\n".encode()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        member = tarfile.TarInfo("settings.env")
        member.size = len(body)
        archive.addfile(member, io.BytesIO(body))
    assert sniff(out.getvalue()) == BINARY


def test_compiled_python_is_binary_even_when_its_constants_are_text(tmp_path: Path) -> None:
    source = tmp_path / "settings.py"
    prose = "The service reads its settings from the environment at start-up. " * 40
    source.write_text(f'"""{prose}"""\nXAI_API_KEY = "{KEY}"\n')
    compiled = Path(py_compile.compile(str(source), cfile=str(tmp_path / "settings.pyc")))
    assert sniff(compiled.read_bytes()) == BINARY


@pytest.mark.parametrize(
    ("magic", "expected"),
    [(2999, NUL_SEPARATED), (3000, BINARY), (3999, BINARY), (4000, NUL_SEPARATED)],
)
def test_a_compiled_python_header_is_a_magic_number_from_3000_to_3999(
    magic: int, expected: str
) -> None:
    raw = magic.to_bytes(2, "little") + b"\r\n" + b"some text with a NUL\x00 in it\n"
    assert sniff(raw) == expected


def test_crlf_text_with_a_nul_is_not_taken_for_compiled_python() -> None:
    assert sniff(b"ab\r\nkey = 1\x00\n") == NUL_SEPARATED


def test_read_as_text_and_nul_separated() -> None:
    assert read_as(b"key = 1\n", TEXT) == b"key = 1\n"
    assert read_as(b"A=1\x00B=2\x00", NUL_SEPARATED) == b"A=1\nB=2\n"


def test_read_as_utf16_drops_the_byte_order_mark_unless_told_to_keep_it() -> None:
    raw = LE_BOM + "key = 1\n".encode("utf-16-le")
    assert read_as(raw, "utf-16-le") == b"key = 1\n"
    # A later piece of a long stream is decoded as it is: a FEFF there is not a mark.
    assert read_as(raw, "utf-16-le", skip_bom=False) == "\ufeffkey = 1\n".encode()


def test_read_as_utf16_keeps_the_first_character_when_there_is_no_mark() -> None:
    assert read_as("key = 1\n".encode("utf-16-be"), "utf-16-be") == b"key = 1\n"


def test_broken_utf16_is_decoded_with_replacement_characters() -> None:
    raw = "key".encode("utf-16-le") + b"\x00\xd8" + "=1".encode("utf-16-le")  # lone surrogate
    assert read_as(raw, "utf-16-le") == "key\ufffd=1".encode()


def test_a_history_scan_finds_keys_in_text_with_nuls(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    keys = [make_token("xai", random.Random(f"content-sniffing-{n}")) for n in range(3)]
    repo.write("stray-nul.env", b"\x00XAI_API_KEY=" + keys[0].encode() + b"\n")
    repo.write("profile.ps1", f'$env:XAI_API_KEY = "{keys[1]}"\r\n'.encode("utf-16-le"))
    repo.write("notes.txt", LE_BOM + f"# 設定\nXAI_API_KEY={keys[2]}\n".encode("utf-16-le"))
    repo.commit("settings")
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    assert {f["fingerprint"] for f in report["findings"]} == {fingerprint(k) for k in keys}
    assert report["scan"]["stats"]["blobs_skipped_binary"] == 0

"""Files written through planted links, and files read from FIFOs, devices and links."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from scanner.errors import LeakwindowError
from scanner.safe_files import private_directory, read_regular_file, write_file_atomically


def test_a_symlink_at_the_target_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "bashrc"
    victim.write_text("original\n")
    link = tmp_path / "results.sarif"
    link.symlink_to(victim)
    with pytest.raises(LeakwindowError, match="symbolic link"):
        write_file_atomically(link, b"report")
    assert victim.read_text() == "original\n"
    assert link.is_symlink()


def test_a_file_made_by_someone_else_is_replaced_by_a_fresh_private_one(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    os.chmod(target, 0o666)
    before = os.stat(target).st_ino
    write_file_atomically(target, b"new")
    after = os.stat(target)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(after.st_mode) == 0o600
    assert after.st_ino != before  # a new file, not the old one truncated
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left


def test_a_symlinked_directory_inside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    outside = tmp_path / "home"
    repo.mkdir()
    outside.mkdir()
    (repo / "out").symlink_to(outside)
    with pytest.raises(LeakwindowError, match="inside the scanned repository"):
        write_file_atomically(repo / "out" / "r.json", b"x", untrusted_roots=[repo])
    assert list(outside.iterdir()) == []
    # Outside the untrusted roots, a symlinked directory is the user's own choice.
    write_file_atomically(repo / "out" / "r.json", b"x")
    assert (outside / "r.json").read_bytes() == b"x"


def test_reading_refuses_fifos_devices_links_and_oversized_files(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(LeakwindowError, match="not a regular file"):
        read_regular_file(fifo, limit=10)
    with pytest.raises(LeakwindowError, match="not a regular file"):
        read_regular_file(Path("/dev/zero"), limit=10)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 11)
    with pytest.raises(LeakwindowError, match="limit"):
        read_regular_file(big, limit=10)
    link = tmp_path / "link"
    link.symlink_to(big)
    with pytest.raises(LeakwindowError, match="symbolic link"):
        read_regular_file(link, limit=100, follow_symlinks=False)
    assert read_regular_file(link, limit=100) == b"x" * 11


def test_a_private_directory_is_tightened_and_a_link_refused(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    os.chmod(loose, 0o777)
    private_directory(loose)
    assert stat.S_IMODE(os.stat(loose).st_mode) == 0o700
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planted = tmp_path / "planted"
    planted.symlink_to(elsewhere)
    with pytest.raises(LeakwindowError, match="not a directory"):
        private_directory(planted)

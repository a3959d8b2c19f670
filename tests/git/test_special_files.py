"""A FIFO or device where git reads a file stops the scan with one line, never a hang.

git opens repository files with a plain open(), which blocks on a FIFO until something
writes to it. A tarball can carry FIFOs anywhere under `.git`, or in a directory its config
includes or its alternates file names. Each test puts one there and scans through the
command line in a child process that is killed after a timeout: a hang fails the test.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from git_builders import GitRepo, fingerprint, token
from hostile_support import Run, finished, leakwindow

TIMEOUT = 45.0


def run_scan(repo: Path, *extra: str) -> Run:
    return finished(leakwindow("scan", str(repo), "--no-cache", "-q", *extra, seconds=TIMEOUT))


def leaky_repository(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.write("config.py", f'XAI_KEY = "{token(1801)}"\n')
    repo.commit("add config", date="2025-03-01T09:00:00+00:00")
    repo.git("branch", "other")
    return repo


def replace_with_fifo(path: Path) -> Path:
    path.unlink()
    os.mkfifo(path)
    return path


def loose_object(repo: GitRepo) -> Path:
    objects = repo.path / ".git" / "objects"
    return next(p for p in objects.glob("??/*") if p.is_file())


def packed_refs(repo: GitRepo) -> Path:
    repo.git("pack-refs", "--all")
    return repo.path / ".git" / "packed-refs"


def pack_index(repo: GitRepo) -> Path:
    repo.git("repack", "-a", "-d", "-q")
    return next((repo.path / ".git" / "objects" / "pack").glob("*.idx"))


PLACES: dict[str, Callable[[GitRepo], Path]] = {
    "config": lambda repo: repo.path / ".git" / "config",
    "HEAD": lambda repo: repo.path / ".git" / "HEAD",
    "a loose ref": lambda repo: repo.path / ".git" / "refs" / "heads" / "other",
    "packed-refs": packed_refs,
    "a loose object": loose_object,
    "a pack index": pack_index,
}


@pytest.mark.parametrize("place", list(PLACES))
def test_a_fifo_in_the_git_dir_is_refused_with_one_line(tmp_path: Path, place: str) -> None:
    repo = leaky_repository(tmp_path / "repo")
    fifo = replace_with_fifo(PLACES[place](repo))
    done = run_scan(repo.path)
    assert done.code == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "FIFO" in done.stderr and str(fifo) in done.stderr
    assert "Traceback" not in done.stderr


def test_a_fifo_named_by_include_path_is_refused(tmp_path: Path) -> None:
    """The config includes a file outside the repository, which includes a FIFO."""
    repo = leaky_repository(tmp_path / "repo")
    fifo = tmp_path / "elsewhere" / "more.inc"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    middle = tmp_path / "elsewhere" / "first.inc"
    middle.write_text("[include]\n\tpath = more.inc\n")
    repo.git("config", "includeIf.gitdir:/.path", str(middle))
    done = run_scan(repo.path)
    assert done.code == 2, done.stderr
    assert "FIFO" in done.stderr and str(fifo) in done.stderr


def test_a_fifo_in_an_alternate_object_directory_is_refused(tmp_path: Path) -> None:
    source = leaky_repository(tmp_path / "source")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--shared", str(source.path), str(clone)],
        check=True,
        capture_output=True,
    )
    fifo = replace_with_fifo(loose_object(source))
    done = run_scan(clone)
    assert done.code == 2, done.stderr
    assert "FIFO" in done.stderr and str(fifo) in done.stderr


def test_a_link_to_a_fifo_is_refused(tmp_path: Path) -> None:
    repo = leaky_repository(tmp_path / "repo")
    fifo = tmp_path / "outside-fifo"
    os.mkfifo(fifo)
    head = repo.path / ".git" / "refs" / "heads" / "other"
    head.unlink()
    head.symlink_to(fifo)
    done = run_scan(repo.path)
    assert done.code == 2, done.stderr
    assert "FIFO" in done.stderr


def test_a_clean_repository_with_links_and_includes_still_scans(tmp_path: Path) -> None:
    """The check refuses only what git would block on: regular included files, a link to a
    regular file and a loop of directory links are fine."""
    repo = leaky_repository(tmp_path / "repo")
    extra = tmp_path / "extra.inc"
    extra.write_text("[core]\n\tautocrlf = false\n")
    repo.git("config", "include.path", str(extra))
    (repo.path / ".git" / "loop").symlink_to(repo.path / ".git")
    done = run_scan(repo.path, "-f", "json")
    assert done.code == 1, done.stderr
    assert fingerprint(token(1801)) in done.stdout


def test_the_pre_commit_hook_gives_up_on_a_repository_git_blocks_on(tmp_path: Path) -> None:
    """The hook finds its repository with git alone (no walk of the git dir: it must start
    fast), so a FIFO at `.git/config` is caught by the discovery timeout, here 2 s."""
    repo = leaky_repository(tmp_path / "repo")
    replace_with_fifo(repo.path / ".git" / "config")
    patch = "import scanner.hooks.staged; scanner.hooks.staged.DISCOVERY_TIMEOUT = 2.0"
    done = finished(
        leakwindow("staged", str(repo.path), prelude=patch, seconds=TIMEOUT), "the hook"
    )
    assert done.code == 2, done.stderr
    assert "did not answer in 2 s" in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr

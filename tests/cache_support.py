"""Where a scanned repository's incremental cache lives, for tests that look inside it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from scanner.cache_place import cache_root, repository_key


def git_dir_of(repo: Path) -> Path:
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--absolute-git-dir"],
        capture_output=True,
        check=True,
    )
    return Path(out.stdout.decode().strip())


def cache_directory(repo: Path, root: Path | None = None) -> Path:
    """The repository's cache directory under `root` (default: the user's cache root)."""
    return (root if root is not None else cache_root()) / "repos" / repository_key(git_dir_of(repo))

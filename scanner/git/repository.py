"""Find the repository a path belongs to, the way git itself does.

Discovery runs `git rev-parse` through scanner.git.process, whose environment drops GIT_DIR and
GIT_WORK_TREE: inside a git hook those name the hook's repository, and the path given on
the command line must decide what is scanned. The history scan then runs git inside the git
dir that discovery found (`Repository.scan_root`), never in a work tree the repository's own
config names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import LeakwindowError
from scanner.git.dir_check import check_git_dir, common_dir
from scanner.git.process import DISCOVERY_TIMEOUT, first_problem, run_git_completed


@dataclass(frozen=True)
class Repository:
    git_dir: Path
    worktree: Path | None  # None for a bare repository
    common_dir: Path | None = None  # the main git dir a linked work tree's git dir shares

    @property
    def root(self) -> Path:
        """Where git commands run: the worktree, or the git dir of a bare repository."""
        return self.worktree if self.worktree is not None else self.git_dir

    @property
    def scan_root(self) -> Path:
        """Where the history scan runs git: in the git dir itself. git finds the repository
        from where it runs, and the work tree of a repository whose `core.worktree` names
        another repository's work tree would make every command read that one instead."""
        return self.git_dir

    @property
    def name(self) -> str:
        """What a report calls the repository: its work tree's directory name, or a bare
        repository's without `.git` (`leakwindow scan .` says `acme-models`, not `.`)."""
        root = Path(os.path.realpath(self.root))
        name = root.name.removesuffix(".git") if self.worktree is None else root.name
        if not name and self.worktree is None:
            name = root.parent.name  # a bare repository named just `.git`
        return name or str(root)

    def directories(self) -> tuple[Path, ...]:
        """Every directory that belongs to the repository (git dir, work tree, common dir):
        its author could have put anything there, links included."""
        return tuple(d for d in (self.git_dir, self.worktree, self.common_dir) if d is not None)

    def holds(self, path: Path) -> bool:
        """Whether `path` (links resolved) lies in one of the repository's directories."""
        real = os.path.realpath(path)
        for directory in self.directories():
            root = os.path.realpath(directory)
            if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
                return True
        return False


def open_repository(path: Path) -> Repository:
    if not path.exists():
        raise LeakwindowError(f"no such path: {path}")
    where = path if path.is_dir() else path.parent
    # git reads the repository's files as it finds it: those it could block on are checked
    # first, in the git dir discovery will most likely find, and again in the one it found.
    likely = likely_git_dir(where)
    if likely is not None:
        check_git_dir(likely)
    found = run_git_completed(
        ["rev-parse", "--absolute-git-dir", "--is-bare-repository"],
        where,
        timeout=DISCOVERY_TIMEOUT,
    )
    lines = found.stdout.decode("utf-8", "surrogateescape").splitlines()
    if found.returncode != 0 or len(lines) != 2:
        problem = first_problem(found.stderr, found.returncode)
        if "not a git repository" in problem:
            raise LeakwindowError(f"not a git repository: {path}")
        raise LeakwindowError(f"cannot open repository {path}: {problem}")
    git_dir = Path(lines[0])
    if likely is None or os.path.realpath(likely) != os.path.realpath(git_dir):
        check_git_dir(git_dir)
    worktree = None if lines[1] == "true" else _worktree(where, git_dir)
    if worktree is not None and not worktree.is_dir():
        worktree = None  # e.g. a `core.worktree` naming a directory that does not exist
    return Repository(git_dir=git_dir, worktree=worktree, common_dir=common_dir(git_dir))


def _worktree(where: Path, git_dir: Path) -> Path | None:
    """The worktree of a non-bare repository, also when `where` is inside its git dir.

    A directory counts as the worktree only if its `.git` is this git dir (or a `gitdir:`
    file naming it): a repository's `core.worktree` may name any directory (another
    project's, the user's home, a parent of the repository), and its `.leakwindow.toml` and
    baseline would then be read there and `baseline create` would write there.
    """
    top = run_git_completed(["rev-parse", "--show-toplevel"], where, timeout=DISCOVERY_TIMEOUT)
    candidates: list[Path] = []
    if top.returncode == 0 and top.stdout.strip():
        candidates.append(Path(top.stdout.decode("utf-8", "surrogateescape").strip()))
    if git_dir.name == ".git":
        candidates.append(git_dir.parent)
    linked = git_dir / "gitdir"  # .git/worktrees/NAME/gitdir names the worktree's .git file
    if linked.is_file():
        named = linked.read_text(encoding="utf-8", errors="surrogateescape").strip()
        candidates.append(Path(named).parent)
    return next((c for c in candidates if _git_dir_of(c) == os.path.realpath(git_dir)), None)


def _git_dir_of(directory: Path) -> str | None:
    """The real path of the git dir `directory/.git` is or names (a `gitdir:` file)."""
    dot_git = directory / ".git"
    try:
        if dot_git.is_dir():
            return os.path.realpath(dot_git)
        if dot_git.is_file() and dot_git.stat().st_size <= 4096:
            text = dot_git.read_text(encoding="utf-8", errors="surrogateescape").strip()
            if text.startswith("gitdir:"):
                return os.path.realpath(directory / text.removeprefix("gitdir:").strip())
    except OSError:
        return None
    return None


def likely_git_dir(where: Path) -> Path | None:
    """The git dir git's discovery will find from `where`, found without running git: the
    first `.git` directory or `gitdir:` file upwards, or a directory that is itself one."""
    for directory in (where, *where.parents):
        found = _git_dir_of(directory)
        if found is not None:
            return Path(found)
        if (directory / "HEAD").is_file() and (directory / "objects").is_dir():
            return directory
    return None

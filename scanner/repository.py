"""Find the repository a path belongs to (GitPython does the discovery rules for us)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.errors import LeakwindowError


@dataclass(frozen=True)
class Repository:
    git_dir: Path
    worktree: Path | None  # None for a bare repository

    @property
    def root(self) -> Path:
        """Where git commands run: the worktree, or the git dir of a bare repository."""
        return self.worktree if self.worktree is not None else self.git_dir


def open_repository(path: Path) -> Repository:
    if not path.exists():
        raise LeakwindowError(f"no such path: {path}")
    import git

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except git.InvalidGitRepositoryError:
        raise LeakwindowError(f"not a git repository: {path}") from None
    except git.NoSuchPathError:
        raise LeakwindowError(f"no such path: {path}") from None
    except git.GitError as exc:
        raise LeakwindowError(f"cannot open repository {path}: {type(exc).__name__}") from None
    worktree = Path(repo.working_tree_dir) if repo.working_tree_dir else None
    return Repository(git_dir=Path(repo.git_dir), worktree=worktree)

"""Build a validated scenario spec as a git repository, and describe what was built.

Prepares the destination, draws the spec's synthetic secrets, has the steps applied
(cloning the result shallowly when the spec ends with `clone_shallow`) and reports the SHAs
tests refer to; a failed build leaves nothing half-made behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scanner.demo.git_env import config_env, repo_env
from scanner.demo.model import ScenarioSpec, Step
from scanner.demo.steps import RepoBuilder
from scanner.demo.tokens import make_token, seeded_rng
from scanner.errors import LeakwindowError
from scanner.git.process import run_git


@dataclass(frozen=True)
class BuiltFixture:
    """A built scenario: where it is and the names tests use to refer into it.

    `commits` maps each step label to its commit SHA; in a shallow clone, commits beyond the
    boundary keep their label but are absent from the object database. `branches` are local
    branches and `tags` map tag name to the commit it points at (annotated tags peeled).
    """

    name: str
    path: Path
    commits: Mapping[str, str]
    secrets: Mapping[str, str]
    branches: Mapping[str, str]
    tags: Mapping[str, str]
    head: str


def build_spec(spec: ScenarioSpec, dest: Path) -> BuiltFixture:
    """Build a validated spec at `dest`, which must not exist or be an empty directory."""
    dest = Path(dest).absolute()
    created = _prepare_destination(dest)
    secrets = {
        name: make_token(kind, seeded_rng(spec.seed, spec.name, name))
        for name, kind in spec.secrets.items()
    }
    try:
        final = spec.steps[-1]
        if final.op == "clone_shallow":
            with tempfile.TemporaryDirectory(prefix=f"leakwindow-{spec.name}-") as scratch:
                source = Path(scratch) / "source"
                labels = RepoBuilder(spec, source, secrets).run(spec.steps[:-1])
                _shallow_clone(spec, final, source, dest)
        else:
            labels = RepoBuilder(spec, dest, secrets).run(spec.steps)
        return _describe(spec.name, dest, labels, secrets)
    except BaseException:
        _discard(dest, created)
        raise


def _prepare_destination(dest: Path) -> bool:
    """Make sure `dest` is a usable empty directory; return whether it was created here."""
    if dest.exists():
        if not dest.is_dir() or any(dest.iterdir()):
            raise LeakwindowError(f"{dest}: destination must not exist or be an empty directory")
        return False
    try:
        dest.mkdir(parents=True)
    except OSError as error:
        raise LeakwindowError(f"{dest}: cannot create: {error.strerror}") from None
    return True


def _discard(dest: Path, created: bool) -> None:
    """Remove a half-built fixture so a failed build leaves nothing misleading behind."""
    if created:
        shutil.rmtree(dest, ignore_errors=True)
        return
    for child in dest.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _shallow_clone(spec: ScenarioSpec, step: Step, source: Path, dest: Path) -> None:
    """Replace the build with a shallow `file://` clone of it, as a CI checkout would be."""
    # Clone must not see a pinned GIT_DIR (it would clone into it), so only config is pinned.
    args = ["-c", "protocol.file.allow=always", "clone", "--quiet", "--no-single-branch"]
    if step.depth is not None:
        args.append(f"--depth={step.depth}")
    else:
        assert step.since is not None
        args.append(f"--shallow-since={step.since}")
    try:
        run_git([*args, source.as_uri(), str(dest)], dest.parent, env=config_env())
        # The source is a temporary directory: point origin at a stable, unroutable address.
        origin = f"https://git.example.test/{spec.name}.git"
        run_git(["remote", "set-url", "origin", origin], dest, env=repo_env(dest))
    except LeakwindowError as error:
        raise LeakwindowError(
            f"{spec.source}: step {step.number} (clone_shallow): {error}"
        ) from None


def _describe(
    name: str, repo: Path, labels: Mapping[str, str], secrets: Mapping[str, str]
) -> BuiltFixture:
    env = repo_env(repo)
    listing = run_git(
        [
            "for-each-ref",
            "--format=%(refname) %(*objectname) %(objectname)",
            "refs/heads",
            "refs/tags",
        ],
        repo,
        env=env,
    ).decode()
    branches: dict[str, str] = {}
    tags: dict[str, str] = {}
    for line in listing.splitlines():
        refname, *shas = line.split()
        commit = shas[0]  # the peeled commit of an annotated tag comes first when present
        if refname.startswith("refs/heads/"):
            branches[refname.removeprefix("refs/heads/")] = commit
        else:
            tags[refname.removeprefix("refs/tags/")] = commit
    head = run_git(["rev-parse", "HEAD"], repo, env=env).decode().strip()
    return BuiltFixture(name, repo, dict(labels), dict(secrets), branches, tags, head)

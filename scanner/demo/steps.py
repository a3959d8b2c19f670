"""Apply the steps of a validated scenario spec, in order, to a fresh git repository.

One method per step kind (commit, branch, merge, tag, revert, reset, ...), each done with
git itself. Identities and dates come from the spec, so every commit SHA is fixed; the
commit each step label names is recorded for the built fixture.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from pathlib import Path

from scanner.demo.git_env import MAIN_BRANCH, repo_env
from scanner.demo.model import SECRET_REFERENCE, Identity, ScenarioSpec, Step, parse_identity
from scanner.errors import LeakwindowError
from scanner.git.process import run_git

DEFAULT_AUTHOR = "Dana Developer <dana@example.test>"


class RepoBuilder:
    """Applies spec steps, in order, to a fresh repository."""

    def __init__(self, spec: ScenarioSpec, repo: Path, secrets: Mapping[str, str]) -> None:
        self.spec = spec
        self.repo = repo
        self.secrets = secrets
        self.labels: dict[str, str] = {}
        self.base_env = repo_env(repo)
        # Dates for git calls that record one without making a commit (reflog entries).
        self.current_date = next(step.date for step in spec.steps if step.date is not None)

    def run(self, steps: tuple[Step, ...]) -> dict[str, str]:
        self.repo.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--template=", f"--initial-branch={MAIN_BRANCH}")
        for step in steps:
            try:
                self.apply(step)
            except LeakwindowError as error:
                raise LeakwindowError(
                    f"{self.spec.source}: step {step.number} ({step.op}): {error}"
                ) from None
        # A pseudo-ref left by reset/merge would keep abandoned commits reachable.
        self.git("update-ref", "-d", "ORIG_HEAD")
        return self.labels

    def git(self, *args: str, step: Step | None = None) -> str:
        env = dict(self.base_env)
        if step is not None and step.date is not None:
            self.current_date = step.date
        # A step's author is also its committer: people commit their own work here.
        ident = (step.author if step is not None else None) or _default_identity()
        author_date = step.author_date if step is not None and step.author_date else None
        env.update(
            {
                "GIT_AUTHOR_NAME": ident.name,
                "GIT_AUTHOR_EMAIL": ident.email,
                "GIT_COMMITTER_NAME": ident.name,
                "GIT_COMMITTER_EMAIL": ident.email,
                "GIT_AUTHOR_DATE": author_date or self.current_date,
                "GIT_COMMITTER_DATE": self.current_date,
            }
        )
        return run_git(args, self.repo, env=env).decode("utf-8", "replace").strip()

    def commit_of(self, ref: str) -> str:
        """A label's SHA, or what a branch/tag name points at."""
        if ref in self.labels:
            return self.labels[ref]
        try:
            return self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except LeakwindowError:
            raise LeakwindowError(f"{ref!r} is neither a label nor a branch or tag") from None

    def record(self, step: Step) -> None:
        if step.label is not None:
            self.labels[step.label] = self.git("rev-parse", "HEAD")

    def apply(self, step: Step) -> None:
        handlers = {
            "commit": self._do_commit,
            "branch": self._do_branch,
            "delete_branch": self._do_delete_branch,
            "checkout": self._do_checkout,
            "detach": self._do_detach,
            "merge": self._do_merge,
            "tag": self._do_tag,
            "revert": self._do_revert,
            "reset": self._do_reset,
        }
        handlers[step.op](step)

    def _do_commit(self, step: Step) -> None:
        for source, target in step.rename:
            (self.repo / target).parent.mkdir(parents=True, exist_ok=True)  # git mv won't
            self.git("mv", "--", source, target)
        for path in step.delete:
            self.git("rm", "--quiet", "--", path)
        for path, content in step.write:
            self.write_file(path, self.expand(content))
        self.git("add", "--all")
        assert step.message is not None  # guaranteed by validation
        self.git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", step.message, step=step)
        self.record(step)

    def write_file(self, path: str, content: str) -> None:
        target = self.repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
        target.chmod(0o644)  # git records only the executable bit; keep it off everywhere

    def expand(self, content: str) -> str:
        def fill(found: re.Match[str]) -> str:
            value = self.secrets[found.group(1)]
            if found.group(2) == "base64":
                return base64.b64encode(value.encode("utf-8")).decode("ascii")
            return value

        return SECRET_REFERENCE.sub(fill, content)

    def _do_branch(self, step: Step) -> None:
        assert step.name is not None
        start = self.commit_of(step.ref) if step.ref else "HEAD"
        self.git("branch", "--no-track", step.name, start)

    def _do_delete_branch(self, step: Step) -> None:
        assert step.name is not None
        self.git("branch", "-D", step.name)

    def _do_checkout(self, step: Step) -> None:
        assert step.name is not None
        self.git("checkout", "--quiet", step.name)

    def _do_detach(self, step: Step) -> None:
        assert step.ref is not None
        self.git("checkout", "--quiet", "--detach", self.commit_of(step.ref))

    def _do_merge(self, step: Step) -> None:
        assert step.ref is not None
        message = step.message or f"Merge branch '{step.ref}'"
        self.git("merge", "--quiet", "--no-ff", "--no-edit", "-m", message, step.ref, step=step)
        self.record(step)

    def _do_tag(self, step: Step) -> None:
        assert step.name is not None
        target = self.commit_of(step.ref) if step.ref else self.git("rev-parse", "HEAD")
        if step.annotated:
            message = step.message or f"Release {step.name}"
            self.git("tag", "--annotate", "-m", message, step.name, target, step=step)
        else:
            self.git("tag", step.name, target)

    def _do_revert(self, step: Step) -> None:
        assert step.ref is not None
        target = self.commit_of(step.ref)
        # The message is written here rather than by git, whose wording differs by version.
        subject = self.git("log", "-1", "--format=%s", target)
        message = step.message or f'Revert "{subject}"\n\nThis reverts commit {target}.'
        self.git("revert", "--no-commit", target)
        self.git("commit", "--quiet", "--no-verify", "-m", message, step=step)
        self.record(step)

    def _do_reset(self, step: Step) -> None:
        assert step.ref is not None
        self.git("reset", "--quiet", "--hard", self.commit_of(step.ref))
        # Forget the abandoned commits everywhere except the object database: they become
        # dangling, as after a force-push. gc.auto=0 (scanner.git.process) keeps them from
        # being pruned.
        self.git("reflog", "expire", "--expire=now", "--expire-unreachable=now", "--all")
        self.git("update-ref", "-d", "ORIG_HEAD")


def _default_identity() -> Identity:
    identity = parse_identity(DEFAULT_AUTHOR)
    assert identity is not None
    return identity

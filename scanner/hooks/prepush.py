"""`leakwindow pre-push`: refuse a push when a commit being pushed introduces a secret.

Which commits are being pushed comes from, in order:
1. `PRE_COMMIT_FROM_REF` / `PRE_COMMIT_TO_REF`, set by the pre-commit framework;
2. the `<local ref> <local sha> <remote ref> <remote sha>` lines git gives a plain pre-push
   hook on stdin: `remote..local` for an update, `local --not --remotes=<remote>` for a new
   branch (remote sha all zeros), nothing for a deletion;
3. otherwise (pre-commit pushing a branch from its root commit, or a person running the
   command by hand): the commits of the branch that no remote has yet.

The scan is the history scan limited to secrets those commits introduce, so a key that was
already on the remote does not block every later push, and a key added then deleted within the
pushed commits still does: it would be in the remote's history.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scanner.errors import LeakwindowError
from scanner.git.process import run_git
from scanner.printable import printable_lines
from scanner.report.exit_policy import (
    FAIL_ON_DEFAULT,
    MIN_CONFIDENCE_DEFAULT,
    BlockingPolicy,
    check_fail_on,
    check_min_confidence,
)

ZERO_SHA = "0" * 40

_FIX_HELP = (
    "To fix: these commits are not on the remote yet, so rewrite them without the secret "
    "(`git commit --amend`, or `git rebase -i` for older commits), then push again; if the "
    "secret was ever shared, rotate it.\n"
    "A false positive? Add `leakwindow:allow` on that line, or record it in the baseline "
    "(`leakwindow baseline create`)."
)


@dataclass(frozen=True)
class PushUpdate:
    """One line of git's pre-push input: a ref and the commits it moves between."""

    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str


def parse_push_lines(text: str) -> list[PushUpdate]:
    updates: list[PushUpdate] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.rsplit(maxsplit=3)
        if len(parts) != 4:
            raise LeakwindowError(
                "pre-push input lines must be '<local ref> <local sha> <remote ref> <remote sha>'"
            )
        updates.append(PushUpdate(*parts))
    return updates


def _commit_exists(repo: Path, sha: str) -> bool:
    found = run_git(["rev-parse", "-q", "--verify", f"{sha}^{{commit}}"], repo, check=False)
    return bool(found.strip())


def _not_on_remote(remote: str | None) -> list[str]:
    return ["--not", f"--remotes={remote}" if remote else "--remotes"]


def revisions_for(update: PushUpdate, remote: str | None, repo: Path) -> list[str] | None:
    """`git rev-list` arguments selecting the commits this update sends, or None for none."""
    if update.local_sha == ZERO_SHA:
        return None  # deleting a remote ref sends no commits
    if update.remote_sha != ZERO_SHA and _commit_exists(repo, update.remote_sha):
        return [update.local_sha, f"^{update.remote_sha}"]
    # A new branch, or a remote tip we have never fetched (a force push): everything that
    # the remote's known branches do not already have.
    return [update.local_sha, *_not_on_remote(remote)]


def _rev_list(repo: Path, revisions: Sequence[str]) -> set[str]:
    return set(run_git(["rev-list", *revisions, "--"], repo).decode().split())


def pushed_commits(
    repo: Path, remote: str | None, stdin_text: str, environ: Mapping[str, str]
) -> frozenset[str]:
    """The commits a push sends, from pre-commit's variables, git's stdin lines, or the
    branch's commits that no remote has (see the module docstring for the order)."""
    from_ref = environ.get("PRE_COMMIT_FROM_REF")
    to_ref = environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        for name in (from_ref, to_ref):
            if not _commit_exists(repo, name):
                raise LeakwindowError(f"revision {name!r} is not in this repository")
        return frozenset(_rev_list(repo, [to_ref, f"^{from_ref}"]))
    remote = remote or environ.get("PRE_COMMIT_REMOTE_NAME") or None
    updates = parse_push_lines(stdin_text)
    if updates:
        commits: set[str] = set()
        for update in updates:
            revisions = revisions_for(update, remote, repo)
            if revisions is not None:
                commits |= _rev_list(repo, revisions)
        return frozenset(commits)
    tip = environ.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    if not _commit_exists(repo, tip):
        return frozenset()  # an unborn branch: nothing to push
    return frozenset(_rev_list(repo, [tip, *_not_on_remote(remote)]))


def _where(finding: Mapping[str, Any], commits: frozenset[str]) -> list[str]:
    """path:line:column (and short commit) of the finding's places inside the pushed commits."""
    pushed = [loc for loc in finding["locations"] if loc["commit"] in commits]
    if pushed:
        return [
            f"{loc['path']}:{loc['line']}:{loc['column']}  (commit {loc['commit'][:10]})"
            for loc in pushed
        ]
    first = finding.get("first_commit")
    if first:
        return [f"{first['path']}:{first['line']}  (commit {first['sha'][:10]})"]
    return ["(location unknown)"]


def push_message(findings: Sequence[Mapping[str, Any]], commits: frozenset[str]) -> str:
    plural = "s" if len(findings) != 1 else ""
    lines = [f"leakwindow: the push adds {len(findings)} secret{plural}"]
    for finding in findings:
        rules = ",".join(finding["rules"])
        for where in _where(finding, commits):
            lines.append(
                f"  {where}  {finding['severity']:<8} {rules}  {finding['secret_preview']}"
            )
    return printable_lines(lines) + "\n" + _FIX_HELP + "\n"


def run_pre_push(
    path: Path,
    *,
    remote: str | None,
    stdin_text: str,
    environ: Mapping[str, str],
    fail_on: str = FAIL_ON_DEFAULT,
    min_confidence: str = MIN_CONFIDENCE_DEFAULT,
) -> int:
    """Exit code for a push: 0 clean, 1 when a pushed commit introduces a secret (at least
    as sure as `min_confidence`)."""
    from scanner.hooks.staged import repository_root
    from scanner.scan.service import scan_repository

    policy = BlockingPolicy(check_fail_on(fail_on))
    least_sure = check_min_confidence(min_confidence)
    root = repository_root(path)
    commits = pushed_commits(root, remote, stdin_text, environ)
    if not commits:
        return 0
    report, *_ = scan_repository(
        root,
        as_of=datetime.now(timezone.utc).replace(microsecond=0),
        only_commits=commits,
        min_confidence=least_sure,
    )
    blocking = policy.blocking_findings(report["findings"])
    if blocking:
        sys.stderr.write(push_message(blocking, commits))
    # The pushed commits decide alone: a part of the repository the scan could not read is
    # not the push's doing, so it does not make the hook answer 3.
    return policy.exit_code(blocking=bool(blocking))


def read_hook_stdin() -> str:
    """git's pre-push lines; nothing when a person runs the command at a terminal."""
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return ""
        return sys.stdin.read()
    except (OSError, ValueError):  # closed or unreadable stdin: no hook input
        return ""

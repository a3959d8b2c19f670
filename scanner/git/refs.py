"""Read the refs a history scan starts from, and resolve the revisions a user names.

Every ref counts, not only branches: remote-tracking branches, tags, the stash, notes and a
detached HEAD all keep commits alive. A ref that peels to a tree or a blob keeps what that
tree or blob holds alive the same way, so those are listed with their blobs. A ref naming a
missing object is listed as unreadable rather than failing the listing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from scanner.errors import LeakwindowError
from scanner.git.inventory import shallow_boundary
from scanner.git.process import run_git, run_git_completed


@dataclass(frozen=True)
class Ref:
    name: str
    commit: str
    symbolic: bool = False  # names another ref (refs/remotes/origin/HEAD): no windows of its own


class TreeBlob(NamedTuple):
    path: str  # in the tree, or the ref's name when the ref peels to the blob itself
    blob: str


@dataclass(frozen=True)
class ObjectRef:
    """A ref whose target peels to a tree or a blob (`git tag v1-tree HEAD^{tree}`): what it
    holds can be recovered from it, like a commit's tree from a branch."""

    name: str
    oid: str  # the tree or blob the ref peels to
    blobs: tuple[TreeBlob, ...]


@dataclass(frozen=True)
class Head:
    ref: str  # "refs/heads/main", or "HEAD" when detached
    commit: str | None  # None for an unborn branch


@dataclass
class RefListing:
    refs: list[Ref] = field(default_factory=list)  # refs to commits
    unreadable: list[str] = field(default_factory=list)  # refs naming a missing object
    object_refs: list[ObjectRef] = field(default_factory=list)  # refs to trees and blobs


class _Peeled(NamedTuple):
    kind: str  # the object's own type, or "missing"
    target: str  # the object it fully peels to
    target_kind: str  # that object's type, or "missing"


def read_refs(repo: Path) -> RefListing:
    """Every ref whose target peels to a commit, those that peel to a tree or a blob (with
    the blobs they hold), and the refs whose target is missing or cannot be read.

    Reading names and ids only (no `%(objecttype)`) keeps one broken ref from failing the
    whole listing; the objects are then checked in one batch. `%(symref)` says which refs
    are symbolic (git's answer, not a guess from the name).
    """
    out = run_git(["for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)"], repo)
    named: list[tuple[str, str, bool]] = []
    for line in out.decode("utf-8", "backslashreplace").splitlines():
        name, _, rest = line.partition("\0")
        oid, _, target = rest.partition("\0")
        if oid:
            named.append((name, oid, bool(target)))
    if not run_git(["symbolic-ref", "-q", "HEAD"], repo, check=False).strip():
        detached = run_git(["rev-parse", "-q", "--verify", "HEAD"], repo, check=False)
        if detached.strip():
            named.append(("HEAD", detached.decode().strip(), False))
    listing = RefListing()
    peeled_refs = _peel([oid for _, oid, _ in named], repo)
    for (name, _, symbolic), peeled in zip(named, peeled_refs, strict=True):
        if peeled.kind == "missing" or peeled.target_kind == "missing":
            listing.unreadable.append(name)
        elif name == "HEAD":
            continue
        elif peeled.target_kind == "commit":
            listing.refs.append(Ref(name, peeled.target, symbolic))
        elif peeled.target_kind == "blob":
            blob = TreeBlob(name, peeled.target)
            listing.object_refs.append(ObjectRef(name, peeled.target, (blob,)))
        elif peeled.target_kind == "tree":
            blobs = _tree_blobs(repo, peeled.target)
            if blobs is None:
                listing.unreadable.append(name)
            else:
                listing.object_refs.append(ObjectRef(name, peeled.target, blobs))
    return listing


def _tree_blobs(repo: Path, tree: str) -> tuple[TreeBlob, ...] | None:
    """Every file under a tree, submodules left out; None when the tree is unreadable."""
    listed = run_git_completed(["ls-tree", "-r", "-z", "--full-tree", tree], repo)
    if listed.returncode != 0:
        return None
    blobs: list[TreeBlob] = []
    for entry in listed.stdout.decode("utf-8", "backslashreplace").split("\0"):
        info, _, path = entry.partition("\t")  # "<mode> <type> <oid>": no tab in them
        fields = info.split(" ")
        if len(fields) == 3 and fields[1] == "blob":
            blobs.append(TreeBlob(path, fields[2]))
    return tuple(blobs)


def _peel(oids: list[str], repo: Path) -> list[_Peeled]:
    """Each object's type and what it fully peels to; "missing" where it cannot be read."""
    if not oids:
        return []
    query = "".join(f"{oid}\n{oid}^{{}}\n" for oid in oids).encode()
    completed = run_git_completed(
        ["cat-file", "--batch-check=%(objectname) %(objecttype)"], repo, input_bytes=query
    )
    lines = completed.stdout.decode("ascii", "replace").splitlines()
    if completed.returncode != 0 or len(lines) != 2 * len(oids):
        if len(oids) == 1:
            return [_Peeled("missing", oids[0], "missing")]
        return [peeled for oid in oids for peeled in _peel([oid], repo)]
    result: list[_Peeled] = []
    for index in range(len(oids)):
        own = lines[2 * index].split(" ")
        peeled = lines[2 * index + 1].split(" ")
        result.append(_Peeled(own[-1], peeled[0], peeled[-1]))
    return result


def read_head(repo: Path) -> Head:
    symbolic = run_git(["symbolic-ref", "-q", "HEAD"], repo, check=False).decode().strip()
    commit = run_git(["rev-parse", "-q", "--verify", "HEAD^{commit}"], repo, check=False)
    sha = commit.decode().strip() or None
    return Head(ref=symbolic or "HEAD", commit=sha)


class ResolvedRef(NamedTuple):
    """A ref the user named (--ref), as git resolves it."""

    name: str  # the full ref name, or the name as given when it is not a ref (a commit id)
    tip: str


def resolve_ref(repo: Path, name: str) -> ResolvedRef:
    """Full ref name and commit for a user-given ref; LeakwindowError when it does not exist."""
    commit = run_git(["rev-parse", "-q", "--verify", f"{name}^{{commit}}"], repo, check=False)
    sha = commit.decode().strip()
    if not sha or name.startswith("-"):
        raise LeakwindowError(f"unknown ref: {name}")
    full = run_git(["rev-parse", "--symbolic-full-name", name], repo, check=False).decode().strip()
    return ResolvedRef(full or name, sha)


def range_commits(repo: Path, revision_range: str) -> frozenset[str]:
    """Commits of `A..B` (or of `REV..HEAD` for --since), with a clear error for a missing base."""
    base, _, tip = revision_range.partition("..")
    for name in (base, tip or "HEAD"):
        if (
            name
            and not run_git(
                ["rev-parse", "-q", "--verify", f"{name}^{{commit}}"], repo, check=False
            ).strip()
        ):
            hint = ""
            if shallow_boundary(repo):
                hint = (
                    " (this is a shallow clone: fetch the base, e.g. `git fetch --deepen=100` "
                    "or `git fetch origin <base-branch>`, or check out with fetch-depth: 0)"
                )
            raise LeakwindowError(f"revision {name!r} is not in this repository{hint}")
    out = run_git(["rev-list", f"{base}..{tip or 'HEAD'}", "--"], repo)
    return frozenset(out.decode().split())

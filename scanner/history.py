"""Read a repository's refs, object inventory and commit graph with its tree changes.

One streamed `git log` pass gives, for every commit, its parents, dates, author and its tree
changes against its first parent (`--diff-merges=first-parent`). That is enough to rebuild
every commit's tree: a commit's tree is its first parent's plus that diff, and every other
parent's tree is known from its own chain. (`-m` would also give diffs against the other
parents, but git omits the header of an empty per-parent diff, so the diffs of a merge that
equals one of its parents cannot be attributed to a parent.) Renames are not detected: a
rename is a delete plus an add in the same commit, which is all presence needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scanner.errors import LeakwindowError
from scanner.git import run_git, start_git
from scanner.model import CommitInfo

_ZERO_OID = "0" * 40
_GITLINK_MODE = "160000"
_LOG_FORMAT = "%x01%H%x02%P%x02%ct%x02%cI%x02%aI%x02%an <%ae>"
_READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class Ref:
    name: str
    commit: str


@dataclass(frozen=True)
class Head:
    ref: str  # "refs/heads/main", or "HEAD" when detached
    commit: str | None  # None for an unborn branch


@dataclass
class Inventory:
    """Every object in the object database that matters to the scan."""

    blob_sizes: dict[str, int] = field(default_factory=dict)
    commits: list[str] = field(default_factory=list)


@dataclass
class History:
    """The commit graph, in an order where parents come before children."""

    commits: dict[str, CommitInfo] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    # sha -> [(path, new blob or None when deleted)] against the first parent
    changes: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    gitlinks: set[str] = field(default_factory=set)
    referenced_blobs: set[str] = field(default_factory=set)


def list_refs(repo: Path) -> list[Ref]:
    """Every ref whose target peels to a commit: branches, remote-tracking, tags, stash, notes."""
    out = run_git(
        [
            "for-each-ref",
            "--format=%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)",
        ],
        repo,
    )
    refs: list[Ref] = []
    for line in out.decode("utf-8", "backslashreplace").splitlines():
        name, oid, kind, peeled, peeled_kind = line.split("\0")
        if kind == "commit":
            refs.append(Ref(name, oid))
        elif kind == "tag" and peeled_kind == "commit":
            refs.append(Ref(name, peeled))
    return refs


def read_head(repo: Path) -> Head:
    symbolic = run_git(["symbolic-ref", "-q", "HEAD"], repo, check=False).decode().strip()
    commit = run_git(["rev-parse", "-q", "--verify", "HEAD^{commit}"], repo, check=False)
    sha = commit.decode().strip() or None
    return Head(ref=symbolic or "HEAD", commit=sha)


def resolve_ref(repo: Path, name: str) -> tuple[str, str]:
    """Full ref name and commit for a user-given ref; LeakwindowError when it does not exist."""
    commit = run_git(["rev-parse", "-q", "--verify", f"{name}^{{commit}}"], repo, check=False)
    sha = commit.decode().strip()
    if not sha or name.startswith("-"):
        raise LeakwindowError(f"unknown ref: {name}")
    full = run_git(["rev-parse", "--symbolic-full-name", name], repo, check=False).decode().strip()
    return (full or name), sha


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


def shallow_boundary(repo: Path) -> set[str]:
    path = run_git(["rev-parse", "--git-path", "shallow"], repo).decode().strip()
    shallow_file = Path(path) if Path(path).is_absolute() else repo / path
    if not shallow_file.is_file():
        return set()
    return {line.strip() for line in shallow_file.read_text().splitlines() if line.strip()}


def read_inventory(repo: Path) -> Inventory:
    """Sizes of all blobs and the ids of all commits in the object database, reachable or not."""
    inventory = Inventory()
    out = run_git(
        [
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname) %(objecttype) %(objectsize)",
        ],
        repo,
    )
    for line in out.decode("ascii", "replace").splitlines():
        oid, kind, size = line.split(" ")
        if kind == "blob":
            inventory.blob_sizes[oid] = int(size)
        elif kind == "commit":
            inventory.commits.append(oid)
    return inventory


def _records(repo: Path, tips: list[str]) -> Iterator[bytes]:
    """Stream `git log` output split into per-commit records."""
    args = [
        "log",
        "--all",
        "--stdin",
        "--topo-order",
        "--diff-merges=first-parent",
        "--root",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "-z",
        f"--format={_LOG_FORMAT}",
    ]
    process = start_git(args, repo, stdin=-1)
    assert process.stdin is not None and process.stdout is not None
    import threading

    def feed() -> None:
        assert process.stdin is not None
        try:
            process.stdin.write("".join(f"{tip}\n" for tip in tips).encode())
            process.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    pending = b""
    while True:
        chunk = process.stdout.read(_READ_CHUNK)
        if not chunk:
            break
        pending += chunk
        parts = pending.split(b"\x01")
        pending = parts.pop()
        for part in parts:
            if part:
                yield part
    if pending:
        yield pending
    feeder.join()
    stderr = process.stderr.read() if process.stderr else b""
    if process.wait() != 0:
        first = stderr.decode("utf-8", "replace").strip().splitlines()
        raise LeakwindowError(f"git log failed: {first[0] if first else 'unknown error'}")


def _parse_record(record: bytes, history: History) -> None:
    header, _, raw = record.partition(b"\0")
    sha, parents, ts, committed_at, authored_at, author = header.decode(
        "utf-8", "backslashreplace"
    ).split("\x02")
    changes: list[tuple[str, str | None]] = []
    fields = raw.lstrip(b"\n").split(b"\0")
    index = 0
    while index + 1 < len(fields):
        meta = fields[index].decode("ascii", "replace")
        path = fields[index + 1].decode("utf-8", "backslashreplace")
        index += 2
        if not meta.startswith(":"):
            continue
        _old_mode, new_mode, _old_oid, new_oid, _status = meta[1:].split(" ")
        if new_mode == _GITLINK_MODE:
            history.gitlinks.add(path)
            continue
        if new_oid == _ZERO_OID:
            changes.append((path, None))
        else:
            changes.append((path, new_oid))
            history.referenced_blobs.add(new_oid)
    if sha in history.commits:
        return
    history.commits[sha] = CommitInfo(
        sha=sha,
        parents=tuple(parents.split()),
        committed_ts=int(ts),
        committed_at=committed_at,
        authored_at=authored_at,
        author=author,
    )
    history.order.append(sha)
    if changes:
        history.changes[sha] = changes


def read_history(repo: Path, tips: list[str]) -> History:
    """Parse every commit reachable from any ref or from `tips` (e.g. unreachable commits)."""
    history = History()
    for record in _records(repo, tips):
        _parse_record(record, history)
    history.order.reverse()  # git gives children before parents
    return history

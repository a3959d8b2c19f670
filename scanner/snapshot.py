"""A rescan of an unchanged repository: reuse the parsed history instead of reading it again.

After a complete scan, the object inventory and the parsed history are saved next to the blob
cache, with a fingerprint of the repository's state (refs, HEAD, object counts and pack files,
shallow boundary) and the scan key (rules, matching code, size cap, path settings). The
history keeps every commit but only the tree changes at paths that ever held a matching blob:
that is all presence needs, and it keeps the file small. Like the blob cache it holds ids,
dates, author names and paths, never a secret: for blobs that matched it keeps where (rule,
offset, length, line, column), and a rescan reads those blobs to take the secret from there.

The bulk (every commit's row, every blob's size) sits in a file of its own
(`cache-history-base.bin`), which a rescan after new commits keeps: it rewrites only the
small main file, holding what was added since and the parts that change. The bulk is
rewritten after a full read, or once the additions outgrow a tenth of it.

When anything changed the snapshot is simply not used (the blob cache still saves the
matching); it is also ignored when it cannot be read.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import marshal
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.git import run_git
from scanner.history import History, Integrity, Inventory
from scanner.model import CommitInfo

_FORMAT = 5


@dataclass
class Snapshot:
    inventory: Inventory
    history: History
    positives: list[str]  # blobs that matched and must be matched again
    integrity: Integrity
    # blobs that matched, with where (rule, offset, length, line, column): read, not matched
    positions: dict[str, list[tuple[str, int, int, int, int]]] = field(default_factory=dict)
    packs: tuple[str, ...] = ()  # the packs the inventory was read from
    shallow: str = ""
    base: BaseFile | None = None  # the saved bulk this snapshot was loaded from


@dataclass(frozen=True)
class BaseFile:
    """The bulk of a saved history (every commit, every blob size), in a file of its own so
    that a rescan after a few new commits rewrites only the small rest. What it holds is a
    prefix of the snapshot's lists; the last entry of each is kept to check that."""

    token: str
    commits: int
    blobs: int
    inventory_commits: int
    last: tuple[str, str, str]  # last commit row, blob, inventory commit ("" when none)


@dataclass(frozen=True)
class RepoState:
    """The repository's state: an exact fingerprint, and the parts that decide whether a
    snapshot can be extended instead of rebuilt (packs only added, same shallow boundary)."""

    fingerprint: str
    packs: tuple[str, ...]
    shallow: str
    objects_dir: str


def repository_state(repo: Path, refs_signature: str) -> RepoState:
    """A fingerprint that changes whenever refs, HEAD or the object database change.

    `refs_signature` describes the refs and HEAD the scan already read, so they are not
    asked of git a second time.
    """
    digest = hashlib.sha256(refs_signature.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(run_git(["count-objects", "-v"], repo, check=False) + b"\0")
    paths = run_git(["rev-parse", "--git-path", "objects", "--git-path", "shallow"], repo)
    objects_path, shallow_path = (Path(line) for line in paths.decode().splitlines()[:2])
    objects = objects_path if objects_path.is_absolute() else repo / objects_path
    shallow_path = shallow_path if shallow_path.is_absolute() else repo / shallow_path
    packs: list[str] = []
    for pack in sorted((objects / "pack").glob("*.pack")):
        with contextlib.suppress(OSError):
            stat = pack.stat()
            packs.append(pack.name)
            digest.update(f"{pack.name} {stat.st_size} {stat.st_mtime_ns}\0".encode())
    shallow = b""
    with contextlib.suppress(OSError):
        shallow = shallow_path.read_bytes()
    digest.update(shallow)
    return RepoState(
        fingerprint=digest.hexdigest(),
        packs=tuple(packs),
        shallow=hashlib.sha256(shallow).hexdigest(),
        objects_dir=str(objects),
    )


def new_object_ids(repo: Path, state: RepoState, known_packs: tuple[str, ...]) -> set[str]:
    """Ids of objects that may be new since `known_packs`: every object of a pack added
    since, and every loose object (few, unless the repository was never packed)."""
    objects = Path(state.objects_dir)
    found: set[str] = set()
    for name in set(state.packs) - set(known_packs):
        index = objects / "pack" / (name[: -len(".pack")] + ".idx")
        listing = run_git(["show-index"], repo, input_bytes=index.read_bytes())
        found.update(line.split()[1] for line in listing.decode().splitlines() if line)
    for directory in objects.glob("[0-9a-f][0-9a-f]"):
        found.update(directory.name + entry.name for entry in directory.iterdir())
    return found


def restricted(history: History, positives: set[str]) -> History:
    """The history with tree changes kept only at paths that ever held a matching blob."""
    paths = {
        path
        for changes in history.changes.values()
        for path, blob in changes
        if blob is not None and blob in positives
    }
    kept = History(
        commits=history.commits,
        order=history.order,
        gitlinks=history.gitlinks,
        referenced_blobs=history.referenced_blobs & positives,
        unreadable=history.unreadable,
        salvaged=history.salvaged,
    )
    for sha, changes in history.changes.items():
        interesting = [(path, blob) for path, blob in changes if path in paths]
        if interesting:
            kept.changes[sha] = interesting
    return kept


class SnapshotStore:
    """Where one repository's snapshot lives, and the key it must match."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key

    @property
    def base_path(self) -> Path:
        return self.path.with_name(self.path.stem + "-base.bin")

    def load(self, state: RepoState) -> tuple[Snapshot, bool] | None:
        """The saved snapshot and whether it matches `state` exactly; None when it cannot
        serve (other rules or code, a different boundary, packs removed by a repack/gc)."""
        try:
            if any(p.is_symlink() for p in (self.path, self.base_path, self.path.parent)):
                return None
            data: Any = marshal.loads(self.path.read_bytes())
            if data[0] != _FORMAT or data[1] != self.key:
                return None
            bulk: Any = marshal.loads(self.base_path.read_bytes())
            if bulk[0] != _FORMAT or bulk[1] != self.key or bulk[2] != data[3]:
                return None  # the bulk was rewritten since (by another scan)
            snapshot = _decode(data[4], bulk[3:], data[3])
        except (OSError, ValueError, EOFError, TypeError, IndexError):
            return None
        if data[2] == state.fingerprint:
            return snapshot, True
        if snapshot.shallow != state.shallow or not set(snapshot.packs) <= set(state.packs):
            return None
        return snapshot, False

    def save(self, state: RepoState, snapshot: Snapshot) -> None:
        """Write the snapshot; the bulk file only when it cannot be kept: the snapshot was
        not loaded from it, or has outgrown it by a tenth."""
        with contextlib.suppress(OSError, ValueError):
            if any(p.is_symlink() for p in (self.path, self.base_path, self.path.parent)):
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            base = snapshot.base if _extends(snapshot) else None
            if base is None:
                base = _bulk_of(snapshot)
                _write(self.base_path, (_FORMAT, self.key, base.token, *_encode_bulk(snapshot)))
            # Not compressed: inflating it cost a rescan more time than reading the bigger
            # file (~12 MB for 60,000 commits) from the page cache.
            _write(
                self.path,
                (_FORMAT, self.key, state.fingerprint, base.token, _encode(snapshot, base)),
            )


def _write(path: Path, payload: tuple[Any, ...]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(marshal.dumps(payload))
    temporary.replace(path)


def _extends(snapshot: Snapshot) -> bool:
    """Whether the snapshot is its base's lists plus a little more (checked, not assumed)."""
    base = snapshot.base
    if base is None:
        return False
    order = snapshot.history.order
    blobs = snapshot.inventory.blob_sizes
    commits = snapshot.inventory.commits
    if len(order) - base.commits > max(1000, base.commits // 10):
        return False
    if (
        len(order) < base.commits
        or len(blobs) < base.blobs
        or len(commits) < base.inventory_commits
    ):
        return False
    last = (
        order[base.commits - 1] if base.commits else "",
        next(itertools.islice(blobs, base.blobs - 1, None)) if base.blobs else "",
        commits[base.inventory_commits - 1] if base.inventory_commits else "",
    )
    return last == base.last


def _bulk_of(snapshot: Snapshot) -> BaseFile:
    order = snapshot.history.order
    blobs = snapshot.inventory.blob_sizes
    commits = snapshot.inventory.commits
    return BaseFile(
        token=secrets.token_hex(16),
        commits=len(order),
        blobs=len(blobs),
        inventory_commits=len(commits),
        last=(
            order[-1] if order else "",
            next(reversed(blobs)) if blobs else "",
            commits[-1] if commits else "",
        ),
    )


def _commit_rows(history: History, shas: list[str], same: dict[str, str]) -> list[tuple[Any, ...]]:
    """Each commit as a plain tuple. `same` maps each id or author to one object of that
    value: marshal then writes it once and refers back to it (a commit id recurs as a parent
    and in the inventory), and loading gets faster."""
    one = same.setdefault
    return [
        (
            one(c.sha, c.sha),
            tuple(one(p, p) for p in c.parents),
            c.committed_ts,
            c.committed_at,
            c.authored_at,
            one(c.author, c.author),
        )
        for c in (history.commits[sha] for sha in shas)
    ]


def _encode_bulk(snapshot: Snapshot) -> tuple[Any, ...]:
    same: dict[str, str] = {}
    rows = _commit_rows(snapshot.history, snapshot.history.order, same)
    return (
        snapshot.inventory.blob_sizes,
        [same.setdefault(sha, sha) for sha in snapshot.inventory.commits],
        rows,
    )


def _encode(snapshot: Snapshot, base: BaseFile) -> tuple[Any, ...]:
    """Everything but the base's bulk: what was added since, and the small parts."""
    history = snapshot.history
    integrity = snapshot.integrity
    blob_sizes = snapshot.inventory.blob_sizes
    return (
        dict(itertools.islice(blob_sizes.items(), base.blobs, None)),
        snapshot.inventory.commits[base.inventory_commits :],
        _commit_rows(history, history.order[base.commits :], {}),
        history.changes,
        sorted(history.gitlinks),
        sorted(history.referenced_blobs),
        snapshot.positives,
        (integrity.shallow_boundary, integrity.gitlinks),
        snapshot.positions,
        (list(snapshot.packs), snapshot.shallow),
    )


def _decode(data: tuple[Any, ...], bulk: tuple[Any, ...], token: str) -> Snapshot:
    (
        more_blob_sizes,
        more_commit_ids,
        more_commits,
        changes,
        gitlinks,
        referenced,
        positives,
        extra,
        positions,
        origin,
    ) = data
    blob_sizes, commit_ids, commits = bulk
    base = BaseFile(
        token=token,
        commits=len(commits),
        blobs=len(blob_sizes),
        inventory_commits=len(commit_ids),
        last=(
            commits[-1][0] if commits else "",
            next(reversed(blob_sizes)) if blob_sizes else "",
            commit_ids[-1] if commit_ids else "",
        ),
    )
    blob_sizes.update(more_blob_sizes)
    history = History(changes=changes, gitlinks=set(gitlinks), referenced_blobs=set(referenced))
    rows = [*commits, *more_commits]
    history.commits = dict(zip([row[0] for row in rows], map(CommitInfo._make, rows), strict=True))
    history.order = list(history.commits)
    return Snapshot(
        inventory=Inventory(blob_sizes=blob_sizes, commits=[*commit_ids, *more_commit_ids]),
        history=history,
        positives=positives,
        integrity=Integrity(shallow_boundary=tuple(extra[0]), gitlinks=tuple(extra[1])),
        positions={oid: [tuple(p) for p in found] for oid, found in positions.items()},
        packs=tuple(origin[0]),
        shallow=origin[1],
        base=base,
    )


def snapshot_path(cache_file: Path) -> Path:
    return cache_file.with_name(cache_file.stem + "-history.bin")

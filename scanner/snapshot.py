"""A rescan of an unchanged repository: reuse the parsed history instead of reading it again.

After a complete scan, the object inventory and the parsed history are saved next to the blob
cache, with a fingerprint of the repository's state (refs, HEAD, object counts and pack files,
shallow boundary) and the scan key (rules, matching code, size cap, path settings). The
history keeps every commit but only the tree changes at paths that ever held a matching blob:
that is all presence needs, and it keeps the file small. Like the blob cache it holds ids,
dates, author names and paths, never a secret: for blobs that matched it keeps where (rule,
offset, length, line, column), and a rescan reads those blobs to take the secret from there.

When anything changed the snapshot is simply not used (the blob cache still saves the
matching); it is also ignored when it cannot be read.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.git import run_git
from scanner.history import History, Integrity, Inventory
from scanner.model import CommitInfo

_FORMAT = 4


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

    def load(self, state: RepoState) -> tuple[Snapshot, bool] | None:
        """The saved snapshot and whether it matches `state` exactly; None when it cannot
        serve (other rules or code, a different boundary, packs removed by a repack/gc)."""
        try:
            if self.path.is_symlink() or self.path.parent.is_symlink():
                return None
            data: Any = marshal.loads(self.path.read_bytes())
            if data[0] != _FORMAT or data[1] != self.key:
                return None
            snapshot = _decode(data[3])
        except (OSError, ValueError, EOFError, TypeError, IndexError):
            return None
        if data[2] == state.fingerprint:
            return snapshot, True
        if snapshot.shallow != state.shallow or not set(snapshot.packs) <= set(state.packs):
            return None
        return snapshot, False

    def save(self, state: RepoState, snapshot: Snapshot) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.path.parent.is_symlink() or self.path.is_symlink():
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            payload = (_FORMAT, self.key, state.fingerprint, _encode(snapshot))
            # Not compressed: inflating it cost a rescan more time than reading the bigger
            # file (~19 MB for 60,000 commits) from the page cache.
            blob = marshal.dumps(payload)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_bytes(blob)
            temporary.replace(self.path)


def _encode(snapshot: Snapshot) -> tuple[Any, ...]:
    history = snapshot.history
    integrity = snapshot.integrity
    return (
        snapshot.inventory.blob_sizes,
        snapshot.inventory.commits,
        [
            (c.sha, c.parents, c.committed_ts, c.committed_at, c.authored_at, c.author)
            for c in (history.commits[sha] for sha in history.order)
        ],
        history.changes,
        sorted(history.gitlinks),
        sorted(history.referenced_blobs),
        snapshot.positives,
        (integrity.shallow_boundary, integrity.gitlinks),
        snapshot.positions,
        (list(snapshot.packs), snapshot.shallow),
    )


def _decode(data: tuple[Any, ...]) -> Snapshot:
    (
        blob_sizes,
        commit_ids,
        commits,
        changes,
        gitlinks,
        referenced,
        positives,
        extra,
        positions,
        origin,
    ) = data
    history = History(changes=changes, gitlinks=set(gitlinks), referenced_blobs=set(referenced))
    for sha, parents, ts, committed_at, authored_at, author in commits:
        history.commits[sha] = CommitInfo(
            sha, tuple(parents), ts, committed_at, authored_at, author
        )
        history.order.append(sha)
    return Snapshot(
        inventory=Inventory(blob_sizes=blob_sizes, commits=commit_ids),
        history=history,
        positives=positives,
        integrity=Integrity(shallow_boundary=tuple(extra[0]), gitlinks=tuple(extra[1])),
        positions={oid: [tuple(p) for p in found] for oid, found in positions.items()},
        packs=tuple(origin[0]),
        shallow=origin[1],
    )


def snapshot_path(cache_file: Path) -> Path:
    return cache_file.with_name(cache_file.stem + "-history.bin")

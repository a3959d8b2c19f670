"""A rescan of an unchanged repository: reuse the parsed history instead of reading it again.

After a complete scan, the object inventory and the parsed history are saved in the
repository's cache directory (`cache_place`: the user's, never the repository's), with a
fingerprint of the repository's state and the scan key (code, rules, engine, size cap, path
settings: `cache_keys`). The state covers refs and HEAD, every object store git reads (the
repository's own and its alternates', recursively, as `git count-objects -v` lists them):
their packs and the names of their loose objects, and the shallow boundary. The history
keeps every commit but only the tree changes at paths that ever held a matching blob: that
is all presence needs, and it keeps the file small. Like the blob cache it holds ids, dates,
author names and paths, never a secret: for blobs that matched it keeps where (rule, offset,
length, line, column), and a rescan reads those blobs to take the secret from there.

After new commits the snapshot is extended with the objects added since (new packs, new
loose objects, in any store) when nothing was taken away: a pack that is gone, or a loose
object that vanished without turning up in a new pack (`git prune`, `gc --prune=now`), means
a full read. The caller checks the extension too (every ref tip in the history, every blob
the new commits name in the inventory) and reads everything again when it does not hold.

The bulk (every commit's row, every blob's size) sits in a file of its own
(`history-base.bin`), which a rescan after new commits keeps: it rewrites only the small
main file, holding what was added since and the parts that change. The bulk is rewritten
after a full read, or once the additions outgrow a tenth of it.

When anything changed the snapshot is simply not used (the blob cache still saves the
matching); it is also ignored when it cannot be read.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import marshal
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.cache.files import read_sealed, write_sealed
from scanner.git.history import History
from scanner.git.integrity import Integrity
from scanner.git.inventory import Inventory
from scanner.git.process import run_git
from scanner.matches import Position
from scanner.model import CommitInfo

_FORMAT = 8
_HEX = frozenset("0123456789abcdef")


@dataclass
class Snapshot:
    inventory: Inventory
    history: History
    positives: list[str]  # blobs that matched and must be matched again
    integrity: Integrity
    # blobs that matched, with where (rule, offset, length, line, column, grade): read, not matched
    positions: dict[str, list[Position]] = field(default_factory=dict)
    packs: tuple[str, ...] = ()  # the packs the inventory was read from (paths)
    shallow: str = ""
    loose: tuple[str, ...] = ()  # the loose objects there were (ids)
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
    snapshot can be extended instead of rebuilt (nothing taken away, same boundary)."""

    fingerprint: str
    packs: tuple[str, ...]  # every pack git reads (own and alternates'), by path
    shallow: str
    loose: frozenset[str] = frozenset()  # every loose object id (own and alternates')


def repository_state(repo: Path, refs_signature: str) -> RepoState:
    """A fingerprint that changes whenever refs, HEAD, the object stores (the repository's
    and its alternates') or the shallow boundary change.

    `refs_signature` describes the refs and HEAD the scan already read, so they are not
    asked of git a second time. OSError or LeakwindowError when the stores cannot be listed.
    """
    digest = hashlib.sha256(refs_signature.encode("utf-8", "surrogateescape") + b"\0")
    counts = run_git(["count-objects", "-v"], repo, check=False)
    digest.update(counts + b"\0")
    where = ["rev-parse"]
    for name in ("objects", "shallow", "config"):
        where += ["--git-path", name]
    lines = run_git(where, repo).decode("utf-8", "surrogateescape").splitlines()
    if len(lines) != 3:
        raise ValueError("git rev-parse --git-path gave an unexpected answer")
    objects, shallow_path, config = (
        path if path.is_absolute() else repo / path for path in map(Path, lines)
    )
    packs: list[str] = []
    loose: set[str] = set()
    for store in [objects, *alternate_stores(counts)]:
        digest.update(b"store " + bytes(store) + b"\0")
        for pack, idx in _packs(store):
            packs.append(str(pack))
            for part in (pack, idx):
                info = part.stat()
                digest.update(f"{part.name} {info.st_size} {info.st_mtime_ns}\0".encode())
        names = _loose_objects(store)
        digest.update("".join(sorted(names)).encode() + b"\0")
        loose |= names
    shallow = b""
    with contextlib.suppress(FileNotFoundError):
        shallow = shallow_path.read_bytes()
    digest.update(shallow + b"\0")
    with contextlib.suppress(FileNotFoundError):  # settings git reads change answers too
        info = config.stat()
        digest.update(f"config {info.st_size} {info.st_mtime_ns}".encode())
    return RepoState(
        fingerprint=digest.hexdigest(),
        packs=tuple(packs),
        shallow=hashlib.sha256(shallow).hexdigest(),
        loose=frozenset(loose),
    )


def alternate_stores(count_objects: bytes) -> list[Path]:
    """The alternate object directories git reads, from `git count-objects -v`: git has
    already followed objects/info/alternates recursively (relative paths, comments, the
    nesting limit), so its list is the one that counts."""
    stores: list[Path] = []
    for line in count_objects.split(b"\n"):
        if line.startswith(b"alternate: "):
            stores.append(Path(os.fsdecode(_unquoted(line[len(b"alternate: ") :]))))
    return stores


_ESCAPES = {ord(k): v for k, v in zip('abtnvfr"\\', '\a\b\t\n\v\f\r"\\', strict=True)}


def _unquoted(value: bytes) -> bytes:
    """A path as git prints it: as is, or C-quoted ("...", backslash escapes, octal bytes)."""
    if not (value.startswith(b'"') and value.endswith(b'"') and len(value) >= 2):
        return value
    body, out, index = value[1:-1], bytearray(), 0
    while index < len(body):
        byte = body[index]
        index += 1
        if byte != ord("\\") or index >= len(body):
            out.append(byte)
        elif body[index : index + 3].isdigit():
            out.append(int(body[index : index + 3], 8) & 0xFF)
            index += 3
        else:
            out.extend(_ESCAPES.get(body[index], chr(body[index])).encode("latin-1"))
            index += 1
    return bytes(out)


def _packs(store: Path) -> list[tuple[Path, Path]]:
    """(pack, index) pairs git uses in `store`: a pack without its index is not read by git
    (and an index without its pack neither)."""
    try:
        names = set(os.listdir(store / "pack"))
    except (FileNotFoundError, NotADirectoryError):
        return []
    pairs = []
    for name in sorted(names):
        if name.endswith(".idx") and name[: -len(".idx")] + ".pack" in names:
            base = store / "pack" / name[: -len(".idx")]
            pairs.append((base.with_name(base.name + ".pack"), base.with_name(name)))
    return pairs


def _loose_objects(store: Path) -> set[str]:
    """The ids of the loose objects in `store` (temporary files left aside)."""
    try:
        fans = [name for name in os.listdir(store) if len(name) == 2 and set(name) <= _HEX]
    except (FileNotFoundError, NotADirectoryError):
        return set()
    found: set[str] = set()
    for fan in fans:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            found.update(
                fan + name
                for name in os.listdir(store / fan)
                if len(name) in (38, 62) and set(name) <= _HEX
            )
    return found


def new_object_ids(repo: Path, state: RepoState, snapshot: Snapshot) -> set[str] | None:
    """Ids of objects that may be new since `snapshot`: every object of a pack added since
    (in any store), and every loose object. None when an object may have been taken away:
    a loose object the snapshot saw is gone and did not turn up in a new pack."""
    found = set(state.loose)
    for pack in sorted(set(state.packs) - set(snapshot.packs)):
        index = Path(pack[: -len(".pack")] + ".idx")
        listing = run_git(["show-index"], repo, input_bytes=index.read_bytes())
        found.update(line.split()[1] for line in listing.decode("ascii").splitlines() if line)
    if not found.issuperset(snapshot.loose):
        return None
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
            data: Any = marshal.loads(read_sealed(self.path))
            if data[0] != _FORMAT or data[1] != self.key:
                return None
            bulk: Any = marshal.loads(read_sealed(self.base_path))
            if bulk[0] != _FORMAT or bulk[1] != self.key or bulk[2] != data[3]:
                return None  # the bulk was rewritten since (by another scan)
            snapshot = _decode(data[4], bulk[3:], data[3])
            exact = data[2] == state.fingerprint
        except Exception:  # whatever is wrong with a cache file, it is not used
            return None
        if exact:
            return snapshot, True
        if snapshot.shallow != state.shallow or not set(snapshot.packs) <= set(state.packs):
            return None
        return snapshot, False

    def save(self, state: RepoState, snapshot: Snapshot) -> None:
        """Write the snapshot; the bulk file only when it cannot be kept: the snapshot was
        not loaded from it, or has outgrown it by a tenth."""
        with contextlib.suppress(ValueError):  # a value marshal cannot write: not saved
            base = snapshot.base if _extends(snapshot) else None
            if base is None:
                base = _bulk_of(snapshot)
                bulk = (_FORMAT, self.key, base.token, *_encode_bulk(snapshot))
                if not write_sealed(self.base_path, marshal.dumps(bulk)):
                    return
            # Not compressed: inflating it cost a rescan more time than reading the bigger
            # file (~12 MB for 60,000 commits) from the page cache.
            main = (_FORMAT, self.key, state.fingerprint, base.token, _encode(snapshot, base))
            write_sealed(self.path, marshal.dumps(main))


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
        (integrity.shallow_boundary, integrity.gitlinks, integrity.alternates),
        snapshot.positions,
        (list(snapshot.packs), snapshot.shallow, sorted(snapshot.loose)),
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
        integrity=Integrity(
            shallow_boundary=tuple(extra[0]),
            gitlinks=tuple(extra[1]),
            alternates=tuple(extra[2]),
        ),
        positions={oid: [tuple(p) for p in found] for oid, found in positions.items()},
        packs=tuple(origin[0]),
        shallow=origin[1],
        loose=tuple(origin[2]),
        base=base,
    )

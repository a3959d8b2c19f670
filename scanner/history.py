"""Read a repository's refs, object inventory and commit graph with its tree changes.

One streamed `git log` pass gives, for every commit, its parents, dates, author and its tree
changes against its first parent (`--diff-merges=first-parent`). That is enough to rebuild
every commit's tree: a commit's tree is its first parent's plus that diff, and every other
parent's tree is known from its own chain. (`-m` would also give diffs against the other
parents, but git omits the header of an empty per-parent diff, so the diffs of a merge that
equals one of its parents cannot be attributed to a parent.) Renames are not detected: a
rename is a delete plus an add in the same commit, which is all presence needs.

`git log` stops at the first commit or tree it cannot read. When a repository is damaged
that way, the same History is rebuilt object by object (`salvage_history`), keeping
everything readable and listing what was not.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, TypeAlias

from scanner.errors import LeakwindowError
from scanner.git import (
    ObjectReader,
    first_problem,
    run_git,
    run_git_completed,
    start_git,
    widen_pipe,
)
from scanner.model import CommitInfo

_GITLINK_MODE = "160000"
_TREE_MODE = "40000"
_LOG_FORMAT = "%x01%H%x02%P%x02%ct%x02%cI%x02%aI%x02%an <%ae>"
_READ_CHUNK = 1 << 20
_INVENTORY_BLOB = re.compile(r"\nblob ([0-9a-f]+) ([0-9]+)(?=\n)")
_INVENTORY_COMMIT = re.compile(r"\ncommit ([0-9a-f]+) [0-9]+(?=\n)")


@dataclass(frozen=True)
class Ref:
    name: str
    commit: str


@dataclass(frozen=True)
class Head:
    ref: str  # "refs/heads/main", or "HEAD" when detached
    commit: str | None  # None for an unborn branch


@dataclass
class RefListing:
    refs: list[Ref] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # refs naming a missing object


@dataclass
class Inventory:
    """Every object in the object database that matters to the scan."""

    blob_sizes: dict[str, int] = field(default_factory=dict)
    commits: list[str] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # listed by the database, unreadable


@dataclass
class History:
    """The commit graph, in an order where parents come before children."""

    commits: dict[str, CommitInfo] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    # sha -> [(path, new blob or None when deleted)] against the first parent
    changes: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    gitlinks: set[str] = field(default_factory=set)
    referenced_blobs: set[str] = field(default_factory=set)
    unreadable: set[str] = field(default_factory=set)  # commits and trees that could not be read
    salvaged: bool = False  # rebuilt object by object because `git log` could not read it


@dataclass(frozen=True)
class Integrity:
    """What the repository refers to but the scan could not read (see `incomplete_reasons`)."""

    unreadable_refs: tuple[str, ...] = ()
    unreadable_objects: tuple[str, ...] = ()  # corrupt or truncated, of any type
    missing_blobs: int = 0  # named by a tree, absent from the object database
    partial_clone: bool = False
    shallow_boundary: tuple[str, ...] = ()
    gitlinks: tuple[str, ...] = ()

    def incomplete_reasons(self, blobs_unreadable: int = 0, blobs_timed_out: int = 0) -> list[str]:
        """One line per kind of loss; empty when everything the repository names was read."""
        reasons: list[str] = []
        if self.unreadable_refs:
            names = ", ".join(self.unreadable_refs[:5])
            more = " …" if len(self.unreadable_refs) > 5 else ""
            reasons.append(
                f"{len(self.unreadable_refs)} ref(s) point to a missing object: {names}{more}"
            )
        if self.unreadable_objects:
            reasons.append(f"{len(self.unreadable_objects)} object(s) could not be read")
        if blobs_unreadable:
            reasons.append(f"{blobs_unreadable} blob(s) unreadable")
        if blobs_timed_out:
            reasons.append(
                f"{blobs_timed_out} blob(s) not fully scanned: matching ran past the per-blob "
                "time budget (set with LEAKWINDOW_BLOB_SECONDS)"
            )
        if self.missing_blobs:
            where = (
                "not available locally (partial clone); they were not fetched"
                if self.partial_clone
                else "missing from the object database"
            )
            reasons.append(f"{self.missing_blobs} blob(s) {where}")
        return reasons


def read_refs(repo: Path) -> RefListing:
    """Every ref whose target peels to a commit, and the refs whose target is missing.

    Reading names and ids only (no `%(objecttype)`) keeps one broken ref from failing the
    whole listing; the objects are then checked in one batch.
    """
    out = run_git(["for-each-ref", "--format=%(refname)%00%(objectname)"], repo)
    named: list[tuple[str, str]] = []
    for line in out.decode("utf-8", "backslashreplace").splitlines():
        name, _, oid = line.partition("\0")
        if oid:
            named.append((name, oid))
    if not run_git(["symbolic-ref", "-q", "HEAD"], repo, check=False).strip():
        detached = run_git(["rev-parse", "-q", "--verify", "HEAD"], repo, check=False)
        if detached.strip():
            named.append(("HEAD", detached.decode().strip()))
    listing = RefListing()
    peeled_refs = _peel([oid for _, oid in named], repo)
    for (name, _), (kind, peeled, peeled_kind) in zip(named, peeled_refs, strict=True):
        if kind == "missing" or peeled_kind == "missing":
            listing.unreadable.append(name)
        elif name != "HEAD" and peeled_kind == "commit":
            listing.refs.append(Ref(name, peeled))
    return listing


def _peel(oids: list[str], repo: Path) -> list[tuple[str, str, str]]:
    """(type, fully peeled id, its type) per object; "missing" where it cannot be read."""
    if not oids:
        return []
    query = "".join(f"{oid}\n{oid}^{{}}\n" for oid in oids).encode()
    completed = run_git_completed(
        ["cat-file", "--batch-check=%(objectname) %(objecttype)"], repo, input_bytes=query
    )
    lines = completed.stdout.decode("ascii", "replace").splitlines()
    if completed.returncode != 0 or len(lines) != 2 * len(oids):
        if len(oids) == 1:
            return [("missing", oids[0], "missing")]
        return [peeled for oid in oids for peeled in _peel([oid], repo)]
    result: list[tuple[str, str, str]] = []
    for index in range(len(oids)):
        own = lines[2 * index].split(" ")
        peeled = lines[2 * index + 1].split(" ")
        result.append((own[-1], peeled[0], peeled[-1]))
    return result


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


def is_partial_clone(repo: Path) -> bool:
    """A promisor remote is configured: objects may be missing on purpose."""
    out = run_git(
        ["config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$"],
        repo,
        check=False,
    )
    return any(
        line.split(" ", 1)[0].endswith("partialclone") or line.endswith(" true")
        for line in out.decode("utf-8", "replace").lower().splitlines()
    )


def read_inventory(repo: Path) -> Inventory:
    """Sizes of all blobs and the ids of all commits in the object database, reachable or not.

    An object whose header cannot be read (a corrupt loose object) is listed as unreadable.
    """
    inventory = Inventory()
    # Type first: the regexes below then start with a literal, which `re` searches fast.
    listing = "--batch-check=%(objecttype) %(objectname) %(objectsize)"
    try:
        # Pack order, not id order: the blob workers read blobs in this order, and
        # neighbours in a pack share delta chains (id order costs git ~8x the inflation).
        out = run_git(["cat-file", "--batch-all-objects", "--unordered", listing], repo)
    except LeakwindowError:
        # A damaged pack stops the pack-order walk; the id-order one lists what it can
        # (and "missing" for the rest), so nothing readable is lost.
        out = run_git(["cat-file", "--batch-all-objects", listing], repo)
    text = "\n" + out.decode("ascii", "replace")
    # Hundreds of thousands of lines, most of them trees: regexes pick the blobs and commits
    # out at C speed (0.15 s instead of 0.5 s for 450,000 lines). When they do not account
    # for every line (a "missing" or damaged object), every line is looked at.
    blobs = _INVENTORY_BLOB.findall(text)
    commits = _INVENTORY_COMMIT.findall(text)
    others = text.count("\ntree ") + text.count("\ntag ")
    if len(blobs) + len(commits) + others == out.count(b"\n"):
        inventory.blob_sizes = {oid: int(size) for oid, size in blobs}
        inventory.commits = commits
        return inventory
    for line in text[1:].splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or not parts[2].isdigit():
            inventory.unreadable.add(parts[0])  # "<id> missing", or a damaged header
            continue
        kind, oid, size = parts
        if kind == "blob":
            inventory.blob_sizes[oid] = int(size)
        elif kind == "commit":
            inventory.commits.append(oid)
    return inventory


def check_integrity(
    repo: Path, refs: RefListing, inventory: Inventory, history: History
) -> Integrity:
    """Collect what the scan could not read, for the report and the exit code."""
    available = inventory.blob_sizes.keys() | inventory.unreadable
    missing = history.referenced_blobs - available
    return Integrity(
        unreadable_refs=tuple(refs.unreadable),
        unreadable_objects=tuple(sorted(inventory.unreadable | history.unreadable)),
        missing_blobs=len(missing),
        partial_clone=bool(missing) and is_partial_clone(repo),
        shallow_boundary=tuple(sorted(shallow_boundary(repo))),
        gitlinks=tuple(sorted(history.gitlinks)),
    )


# --- the fast path: one streamed `git log` ---------------------------------------------


def _records(repo: Path, tips: list[str], errors: IO[bytes], walk: bool = True) -> Iterator[bytes]:
    """Stream `git log` output split into per-commit records.

    The walk starts from `tips` only (every commit in the object database), not `--all`: a
    ref naming a missing object would make `--all` fail before anything is read.
    """
    args = [
        "log",
        "--stdin",
        "--topo-order" if walk else "--no-walk=unsorted",
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
    # GIT_FLUSH=0: git flushes after every commit into a pipe otherwise, and each of those
    # small writes wakes this reader (60,000 wake-ups for 60,000 commits).
    process = start_git(args, repo, stdin=-1, stderr=errors, env={"GIT_FLUSH": "0"})
    assert process.stdin is not None and process.stdout is not None  # tips go to stdin
    widen_pipe(process.stdout)  # git runs ahead while a chunk is parsed

    def feed() -> None:
        assert process.stdin is not None
        try:
            process.stdin.write("".join(f"{tip}\n" for tip in tips).encode())
            process.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    yield from _whole_records(_pieces(process.stdout.read))
    feeder.join()
    if process.wait() != 0:
        errors.seek(0)
        raise LeakwindowError(f"git log failed: {first_problem(errors.read(), 128)}")


def _pieces(read: Callable[[int], bytes]) -> Iterator[bytes]:
    """The stream split at every \x01, across read chunks (the last piece included)."""
    # The unfinished piece, kept in parts: a piece larger than a chunk is joined once, not
    # copied and re-split with every chunk.
    pending: list[bytes] = []
    while chunk := read(_READ_CHUNK):
        pieces = chunk.split(b"\x01")
        if len(pieces) == 1:
            pending.append(chunk)
            continue
        pending.append(pieces[0])
        pieces[0] = b"".join(pending)
        pending = [pieces.pop()]
        yield from pieces
    yield b"".join(pending)


def _whole_records(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Commit records from the pieces: a piece that does not open with a commit id followed
    a \x01 inside a path or a name (git allows both) and belongs to the record before."""
    record: bytes | None = None
    for piece in pieces:
        if _opens_record(piece):
            if record is not None:
                yield record
            record = piece
        elif record is not None:
            record += b"\x01" + piece
    if record is not None:
        yield record


def _opens_record(piece: bytes) -> bool:
    """Whether a piece after a \x01 is a commit's record: its id (SHA-1 or SHA-256), then
    \x02. (Slices and isalnum: a regex match costs twice the split, for 60,000 records.)"""
    if piece[40:41] == b"\x02":
        return piece[:40].isalnum()
    return piece[64:65] == b"\x02" and piece[:64].isalnum()


def _parse_record(record: bytes, history: History) -> None:
    """One commit: `header NUL`, then `:meta NUL path NUL` per changed path."""
    if record.isascii():  # the usual case: one decode gives every field
        fields = record.decode("ascii").split("\0")
        header = fields[0]
        metas = fields[1::2]
        paths = fields[2::2]
    else:
        # Decoding all fields at once gives the same strings as field by field: a NUL is
        # never part of a multi-byte sequence, nor of an invalid one that gets escaped.
        head, _, raw = record.partition(b"\0")
        header = head.decode("utf-8", "backslashreplace")
        metas = raw.decode("ascii", "replace").split("\0")[0::2]
        paths = raw.decode("utf-8", "backslashreplace").split("\0")[1::2]
    if metas:
        metas[0] = metas[0].lstrip("\n")  # the change list starts on a line of its own
    fields_of_header = header.split("\x02", 5)  # the author (last) may hold a \x02 too
    if len(fields_of_header) != 6:
        raise LeakwindowError("git log gave a commit record that cannot be read")
    sha, parents, ts, committed_at, authored_at, author = fields_of_header
    changes: list[tuple[str, str | None]] = []
    add_change = changes.append
    add_blob = history.referenced_blobs.add
    for meta, path in zip(metas, paths, strict=False):  # ends with an empty, unpaired field
        # ":<old mode> <new mode> <old oid> <new oid> <status>": git prints modes with 6
        # digits; both oids have the repository's hash length (40 for SHA-1, 64 for SHA-256).
        if meta[:1] != ":":
            continue
        if meta[8:14] == _GITLINK_MODE:
            history.gitlinks.add(path)
            add_change((path, None))  # a file replaced by a submodule is gone
            continue
        width = meta.find(" ", 15) - 15  # of the old oid, so of the new one too
        new_oid = meta[16 + width : 16 + 2 * width]
        if new_oid.strip("0"):
            add_change((path, new_oid))
            add_blob(new_oid)
        else:  # all zeros: deleted
            add_change((path, None))
    if sha in history.commits:
        return
    # Positional arguments: a quarter cheaper than keywords, and this runs once per commit.
    info = CommitInfo(sha, tuple(parents.split()), int(ts), committed_at, authored_at, author)
    history.commits[sha] = info
    history.order.append(sha)
    if changes:
        history.changes[sha] = changes


def read_history(repo: Path, tips: list[str]) -> History:
    """Parse every commit reachable from `tips` (all commits in the database, reachable or not).

    When `git log` cannot read the repository (a corrupt commit or tree), fall back to
    `salvage_history`, which reads what it can object by object.
    """
    history = History()
    with tempfile.TemporaryFile() as errors:
        try:
            for record in _records(repo, tips, errors):
                _parse_record(record, history)
        except LeakwindowError:
            return salvage_history(repo, tips)
    history.order.reverse()  # git gives children before parents
    return history


def read_commits_only(repo: Path, commits: list[str]) -> History:
    """Just these commits (no walk to their ancestors), each with its first-parent diff,
    ordered parents first among themselves: the new commits of an incremental rescan."""
    history = History()
    with tempfile.TemporaryFile() as errors:
        for record in _records(repo, commits, errors, walk=False):
            _parse_record(record, history)
    history.order = _parents_first(history.commits)
    return history


def merge_histories(first: History, second: History) -> History:
    """`first` extended by the commits of `second` it lacks (parents stay before children:
    `second`'s commits only have parents in `second` or in `first`)."""
    for sha in second.order:
        if sha in first.commits:
            continue
        first.commits[sha] = second.commits[sha]
        first.order.append(sha)
        if sha in second.changes:
            first.changes[sha] = second.changes[sha]
    first.gitlinks |= second.gitlinks
    first.referenced_blobs |= second.referenced_blobs
    first.unreadable |= second.unreadable
    first.salvaged = first.salvaged or second.salvaged
    return first


# --- the salvage path: object by object, tolerating unreadable commits and trees --------

# A tree as the scan sees it: its id, or (where a subtree could not be read and the
# parent's content stands in for it) an explicit {name: (mode, node)} mapping.
Node: TypeAlias = "str | dict[str, tuple[str, Node]]"
Entries: TypeAlias = "dict[str, tuple[str, Node]]"


def salvage_history(repo: Path, tips: Iterable[str]) -> History:
    """Rebuild the History that `read_history` gives, reading one object at a time.

    An unreadable commit ends the walk along that line (its children keep it as a parent,
    like a missing parent at a shallow boundary). An unreadable tree is taken to hold what
    the first parent's tree held there: the scan cannot know better, and assuming a removal
    would invent windows that close and reopen.
    """
    history = History(salvaged=True)
    grafted = shallow_boundary(repo)
    with ObjectReader(repo) as reader:
        trees: dict[str, str] = {}
        for sha, info, tree in _read_commits(reader, tips, grafted, history):
            history.commits[sha] = info
            trees[sha] = tree
        history.order = _parents_first(history.commits)
        differ = _TreeDiffer(reader, history)
        roots: dict[str, Node | None] = {}
        for sha in history.order:
            parents = history.commits[sha].parents
            base = roots.get(parents[0]) if parents else None
            changes: list[tuple[str, str | None]] = []
            roots[sha] = differ.diff(base, trees[sha], "", changes)
            if changes:
                history.changes[sha] = changes
    return history


def _read_commits(
    reader: ObjectReader, tips: Iterable[str], grafted: set[str], history: History
) -> Iterator[tuple[str, CommitInfo, str]]:
    seen: set[str] = set()
    stack = list(tips)
    while stack:
        sha = stack.pop()
        if sha in seen:
            continue
        seen.add(sha)
        found = reader.read(sha)
        parsed = _parse_commit(sha, found[1]) if found and found[0] == "commit" else None
        if parsed is None:
            history.unreadable.add(sha)
            continue
        info, tree = parsed
        if sha in grafted:  # a shallow boundary: git itself shows it without parents
            info = CommitInfo(
                info.sha, (), info.committed_ts, info.committed_at, info.authored_at, info.author
            )
        stack.extend(info.parents)
        yield sha, info, tree


def _parse_commit(sha: str, raw: bytes) -> tuple[CommitInfo, str] | None:
    header = raw.partition(b"\n\n")[0]
    tree: str | None = None
    parents: list[str] = []
    people: dict[bytes, tuple[str, int, str]] = {}
    for line in header.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"tree" and tree is None:
            tree = value.decode("ascii", "replace")
        elif key == b"parent":
            parents.append(value.decode("ascii", "replace"))
        elif key in (b"author", b"committer") and key not in people:
            people[key] = _parse_person(value)
    if tree is None:
        return None
    author, _, authored_at = people.get(b"author", ("", 0, _iso(0, b"+0000")))
    _, committed_ts, committed_at = people.get(b"committer", ("", 0, _iso(0, b"+0000")))
    info = CommitInfo(sha, tuple(parents), committed_ts, committed_at, authored_at, author)
    return info, tree


def _parse_person(value: bytes) -> tuple[str, int, str]:
    """`Name <email> 1735689600 +0100` → ("Name <email>", timestamp, ISO-8601 with offset)."""
    rest, _, offset = value.rpartition(b" ")
    who, _, stamp = rest.rpartition(b" ")
    try:
        ts = int(stamp)
    except ValueError:
        return value.decode("utf-8", "backslashreplace"), 0, _iso(0, b"+0000")
    return who.decode("utf-8", "backslashreplace"), ts, _iso(ts, offset)


def _iso(ts: int, offset: bytes) -> str:
    try:
        sign = -1 if offset.startswith(b"-") else 1
        minutes = int(offset[-4:-2]) * 60 + int(offset[-2:])
        zone = timezone(timedelta(minutes=sign * minutes))
        return datetime.fromtimestamp(ts, zone).isoformat()
    except (ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(0, timezone.utc).isoformat()


def _parents_first(commits: dict[str, CommitInfo]) -> list[str]:
    """A topological order of the read commits: every parent before its children."""
    order: list[str] = []
    done: set[str] = set()
    for start in commits:
        if start in done:
            continue
        stack: list[tuple[str, bool]] = [(start, False)]
        while stack:
            sha, expanded = stack.pop()
            if expanded:
                order.append(sha)
                continue
            if sha in done:
                continue
            done.add(sha)
            stack.append((sha, True))
            for parent in commits[sha].parents:
                if parent in commits and parent not in done:
                    stack.append((parent, False))
    return order


class _TreeDiffer:
    """Tree-to-tree diffs in the shape `git log --raw` gives, reading trees as needed."""

    def __init__(self, reader: ObjectReader, history: History) -> None:
        self._reader = reader
        self._history = history
        self._cache: dict[str, Entries] = {}

    def entries(self, node: Node | None) -> Entries | None:
        if node is None:
            return {}
        if isinstance(node, dict):
            return node
        cached = self._cache.get(node)
        if cached is None:
            found = self._reader.read(node)
            if found is None or found[0] != "tree":
                self._history.unreadable.add(node)
                return None
            cached = _parse_tree(found[1], len(node) // 2)
            self._cache[node] = cached
        return cached

    def diff(
        self, old: Node | None, new: Node | None, prefix: str, changes: list[tuple[str, str | None]]
    ) -> Node | None:
        """Append the changes from `old` to `new`; return the tree that stands for `new`."""
        if isinstance(old, str) and old == new:
            return new
        new_entries = self.entries(new)
        if new_entries is None:
            return old  # unreadable: assume unchanged
        old_entries = self.entries(old) or {}
        standing_in: Entries = {}
        for name in sorted(old_entries.keys() | new_entries.keys()):
            path = prefix + name
            before = old_entries.get(name)
            after = new_entries.get(name)
            if after is None:
                self._remove(before, path, changes)
                continue
            mode, target = after
            if mode == _TREE_MODE:
                if before is not None and before[0] != _TREE_MODE:
                    self._remove(before, path, changes)
                    before = None
                effective = self.diff(before[1] if before else None, target, path + "/", changes)
                if effective != target:
                    standing_in[name] = (_TREE_MODE, effective if effective is not None else {})
            elif mode == _GITLINK_MODE:
                self._history.gitlinks.add(path)
                self._remove(before, path, changes)
            else:
                if before is not None and before[0] == _TREE_MODE:
                    self._remove(before, path, changes)
                    before = None
                if before != after:
                    assert isinstance(target, str)
                    changes.append((path, target))
                    self._history.referenced_blobs.add(target)
        if not standing_in:
            return new
        assert new_entries is not None
        return {**new_entries, **standing_in}

    def _remove(
        self, entry: tuple[str, Node] | None, path: str, changes: list[tuple[str, str | None]]
    ) -> None:
        if entry is None:
            return
        mode, target = entry
        if mode == _TREE_MODE:
            for name, child in sorted((self.entries(target) or {}).items()):
                self._remove(child, f"{path}/{name}", changes)
        elif mode != _GITLINK_MODE:
            changes.append((path, None))


def _parse_tree(raw: bytes, oid_bytes: int) -> Entries:
    entries: Entries = {}
    position = 0
    while position < len(raw):
        space = raw.find(b" ", position)
        nul = raw.find(b"\0", space)
        if space < 0 or nul < 0 or nul + 1 + oid_bytes > len(raw):
            break  # a truncated tree: keep the entries read so far
        mode = raw[position:space].decode("ascii", "replace")
        name = raw[space + 1 : nul].decode("utf-8", "backslashreplace")
        oid = raw[nul + 1 : nul + 1 + oid_bytes].hex()
        entries[name] = (mode, oid)
        position = nul + 1 + oid_bytes
    return entries

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
from scanner.git.process import (
    ObjectReader,
    first_problem,
    run_git,
    run_git_completed,
    start_git,
    stop,
    unquote_c,
    widen_pipe,
)
from scanner.model import CommitInfo

_GITLINK_MODE = "160000"
_TREE_MODE = "40000"
_READ_CHUNK = 1 << 20
_INVENTORY_BLOB = re.compile(r"\nblob ([0-9a-f]+) ([0-9]+)(?=\n)")
_INVENTORY_COMMIT = re.compile(r"\ncommit ([0-9a-f]+) [0-9]+(?=\n)")


@dataclass(frozen=True)
class Ref:
    name: str
    commit: str
    symbolic: bool = False  # names another ref (refs/remotes/origin/HEAD): no windows of its own


@dataclass(frozen=True)
class ObjectRef:
    """A ref whose target peels to a tree or a blob (`git tag v1-tree HEAD^{tree}`): what it
    holds can be recovered from it, like a commit's tree from a branch."""

    name: str
    oid: str  # the tree or blob the ref peels to
    blobs: tuple[tuple[str, str], ...]  # (path in the tree, or the ref's name for a blob; blob)


@dataclass(frozen=True)
class Head:
    ref: str  # "refs/heads/main", or "HEAD" when detached
    commit: str | None  # None for an unborn branch


@dataclass
class RefListing:
    refs: list[Ref] = field(default_factory=list)  # refs to commits
    unreadable: list[str] = field(default_factory=list)  # refs naming a missing object
    object_refs: list[ObjectRef] = field(default_factory=list)  # refs to trees and blobs


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
    # Object directories this repository borrows objects from (`git clone --shared`,
    # `--reference`): legitimate, and scanned as its own, but not inside it.
    alternates: tuple[str, ...] = ()

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
    for (name, _, symbolic), (kind, peeled, peeled_kind) in zip(named, peeled_refs, strict=True):
        if kind == "missing" or peeled_kind == "missing":
            listing.unreadable.append(name)
        elif name == "HEAD":
            continue
        elif peeled_kind == "commit":
            listing.refs.append(Ref(name, peeled, symbolic))
        elif peeled_kind == "blob":
            listing.object_refs.append(ObjectRef(name, peeled, ((name, peeled),)))
        elif peeled_kind == "tree":
            blobs = _tree_blobs(repo, peeled)
            if blobs is None:
                listing.unreadable.append(name)
            else:
                listing.object_refs.append(ObjectRef(name, peeled, blobs))
    return listing


def _tree_blobs(repo: Path, tree: str) -> tuple[tuple[str, str], ...] | None:
    """(path, blob) of every file under a tree, submodules left out; None when unreadable."""
    listed = run_git_completed(["ls-tree", "-r", "-z", "--full-tree", tree], repo)
    if listed.returncode != 0:
        return None
    blobs: list[tuple[str, str]] = []
    for entry in listed.stdout.decode("utf-8", "backslashreplace").split("\0"):
        info, _, path = entry.partition("\t")  # "<mode> <type> <oid>": no tab in them
        fields = info.split(" ")
        if len(fields) == 3 and fields[1] == "blob":
            blobs.append((path, fields[2]))
    return tuple(blobs)


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


def alternates(repo: Path) -> tuple[str, ...]:
    """The alternate object directories git reads objects from (`objects/info/alternates`,
    followed the way git follows it), as `git count-objects -v` lists them."""
    out = run_git(["count-objects", "-v"], repo, check=False)
    prefix = "alternate: "
    return tuple(
        unquote_c(line[len(prefix) :])
        for line in out.decode("utf-8", "surrogateescape").splitlines()
        if line.startswith(prefix)
    )


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
        alternates=alternates(repo),
    )


# --- the fast path: one streamed `git log` ---------------------------------------------

# Six header fields, each ended by a NUL. None can hold a NUL: git ends an ident at a NUL
# inside its header line, and scanner.git.process pins the output to UTF-8 (UTF-16 has NULs
# anywhere).
_LOG_FORMAT = "%H%x00%P%x00%ct%x00%cI%x00%aI%x00%an <%ae>"
_HEADER_FIELDS = 6


def _log_args(walk: bool) -> list[str]:
    return [
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
        # Every gitlink change listed, whatever the repository's `diff.ignoreSubmodules`.
        "--ignore-submodules=none",
        "-z",
        f"--format={_LOG_FORMAT}",
    ]


def _parse_log(
    repo: Path, tips: list[str], history: History, errors: IO[bytes], walk: bool = True
) -> None:
    """Stream `git log` over `tips` into `history`.

    The walk starts from `tips` only (every commit in the object database), not `--all`: a
    ref naming a missing object would make `--all` fail before anything is read.
    """
    # GIT_FLUSH=0: git flushes after every commit into a pipe otherwise, and each of those
    # small writes wakes this reader (60,000 wake-ups for 60,000 commits).
    process = start_git(_log_args(walk), repo, stdin=-1, stderr=errors, env={"GIT_FLUSH": "0"})
    assert process.stdin is not None and process.stdout is not None  # tips go to stdin
    widen_pipe(process.stdout)  # git runs ahead while a chunk is parsed

    def feed() -> None:
        assert process.stdin is not None
        try:
            process.stdin.write("".join(f"{tip}\n" for tip in tips).encode())
            process.stdin.close()
        except (OSError, ValueError):  # git ended early, or was stopped: it reports why
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        unformatted = _parse_stream(process.stdout.read, history)
    except BaseException:
        stop(process)  # it may be blocked writing output nobody reads any more
        raise
    finally:
        feeder.join()
    if process.wait() != 0:
        errors.seek(0)
        raise LeakwindowError(f"git log failed: {first_problem(errors.read(), 128)}")
    if unformatted:
        _read_unformatted(repo, unformatted, history)


def _parse_stream(read: Callable[[int], bytes], history: History) -> set[str]:
    """Parse git log's `-z` output, read in chunks, into `history`.

    The output is a sequence of NUL-ended fields: per commit the six header fields, then
    (when it changes anything) pairs of `\n:meta` / `:meta` and path. A path may hold any
    byte but NUL, and it is always the field after a meta, so it is never looked at for
    structure: a commit ends where the field after its header or after a path does not
    start with ":", and the next commit starts there. Returns the commits whose dates git
    could not format (see `_read_unformatted`).
    """
    unformatted: set[str] = set()
    tail: list[bytes] = []  # bytes after the last NUL read so far: an unfinished field
    carried: list[str] = []  # the fields of a commit whose end has not been read yet
    while chunk := read(_READ_CHUNK):
        cut = chunk.rfind(b"\0")
        if cut < 0:
            tail.append(chunk)
            continue
        tail.append(chunk[:cut])
        # One decode for the whole run: a NUL is never part of a multi-byte sequence, nor of
        # an invalid one that gets escaped, so the fields are those of a field-by-field decode.
        fields = b"".join(tail).decode("utf-8", "backslashreplace").split("\0")
        tail = [chunk[cut + 1 :]]
        if carried:
            fields[:0] = carried
        carried = fields[_take_commits(fields, history, unformatted, final=False) :]
    rest = b"".join(tail)
    if rest:  # git ends every field with a NUL: an unfinished one means a cut-off stream
        raise LeakwindowError("git log output ended inside a field")
    if carried:
        _take_commits(carried, history, unformatted, final=True)
    return unformatted


def _take_commits(fields: list[str], history: History, unformatted: set[str], final: bool) -> int:
    """Parse the complete commits at the start of `fields` into `history`; return where the
    first one that may still go on (in the next chunk) starts. With `final`, all are complete.

    One loop for all of them, locals bound once: this runs for every commit of a cold scan.
    """
    count = len(fields)
    start = 0
    commits = history.commits
    add_commit = history.order.append
    changes_of = history.changes
    add_blob = history.referenced_blobs.add
    while count - start >= _HEADER_FIELDS:
        first = end = start + _HEADER_FIELDS
        if end < count and fields[end][:2] == "\n:":  # the change list starts on its own line
            end += 2
            while end < count and fields[end][:1] == ":":
                end += 2
        if end > count or (end == count and not final):
            if final:  # a meta without its path: the output was cut off
                break
            return start  # the commit may have more changes in the next chunk
        sha, parents, ts, committed_at, authored_at, author = fields[start:first]
        # Every commit starts with its full id: anything else means the stream is out of
        # step, and a wrong answer must never come of it.
        if len(sha) not in (40, 64) or not sha.isalnum() or not sha.isascii():
            raise LeakwindowError("git log gave a commit record that cannot be read")
        start = end
        changes: list[tuple[str, str | None]] = []
        if end != first:
            add_change = changes.append
            metas = fields[first:end:2]
            metas[0] = metas[0][1:]
            for meta, path in zip(metas, fields[first + 1 : end : 2], strict=True):
                # ":<old mode> <new mode> <old oid> <new oid> <status>": git prints modes
                # with 6 digits; both oids have the repository's hash length (40 for SHA-1,
                # 64 for SHA-256).
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
        if sha in commits:
            continue
        if not (ts.isdigit() and ts.isascii() and committed_at[:1].isdigit()) or (
            not authored_at[:1].isdigit()
        ):
            # git could not format a date (an ident line it cannot parse, or an `encoding`
            # header that garbles the commit when git converts it): read the object instead.
            unformatted.add(sha)
            ts, committed_at, authored_at = "0", _iso(0, b"+0000"), _iso(0, b"+0000")
        # Positional arguments: a quarter cheaper than keywords, and this runs once per commit.
        commits[sha] = CommitInfo(
            sha, tuple(parents.split()), int(ts), committed_at, authored_at, author
        )
        add_commit(sha)
        if changes:
            changes_of[sha] = changes
    if final and start != count:
        raise LeakwindowError("git log gave a commit record that cannot be read")
    return start


def _read_unformatted(repo: Path, commits: set[str], history: History) -> None:
    """Dates and author of commits whose header git could not format, from the objects
    themselves (parents stay as git gave them: at a shallow boundary it gives none)."""
    with ObjectReader(repo) as reader:
        for sha in sorted(commits):
            found = reader.read(sha)
            parsed = _parse_commit(sha, found[1]) if found and found[0] == "commit" else None
            if parsed is not None:
                known = history.commits[sha]
                history.commits[sha] = parsed[0]._replace(parents=known.parents)


def read_history(repo: Path, tips: list[str]) -> History:
    """Parse every commit reachable from `tips` (all commits in the database, reachable or not).

    When `git log` cannot read the repository (a corrupt commit or tree), fall back to
    `salvage_history`, which reads what it can object by object.
    """
    history = History()
    with tempfile.TemporaryFile() as errors:
        try:
            _parse_log(repo, tips, history, errors)
        except LeakwindowError:
            return salvage_history(repo, tips)
    history.order.reverse()  # git gives children before parents
    return history


def read_commits_only(repo: Path, commits: list[str]) -> History:
    """Just these commits (no walk to their ancestors), each with its first-parent diff,
    ordered parents first among themselves: the new commits of an incremental rescan."""
    history = History()
    with tempfile.TemporaryFile() as errors:
        _parse_log(repo, commits, history, errors, walk=False)
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
        """Append the changes from `old` to `new`; return the tree that stands for `new`.

        Directories are compared from an explicit stack, not by recursion: a damaged
        repository may hold a tree thousands of directories deep.
        """
        opened = self._open(old, new, prefix)
        if not isinstance(opened, _Comparison):
            return opened
        stack = [opened]
        while True:
            comparison = stack[-1]
            if not comparison.names:  # done: hand what stands for it to its parent
                stack.pop()
                effective = comparison.effective()
                if not stack:
                    return effective
                stack[-1].settle(comparison.name, comparison.new, effective)
                continue
            name = comparison.names.pop()
            path = comparison.prefix + name
            before = comparison.old_entries.get(name)
            after = comparison.new_entries.get(name)
            if after is None:
                self._remove(before, path, changes)
                continue
            mode, target = after
            if mode == _TREE_MODE:
                if before is not None and before[0] != _TREE_MODE:
                    self._remove(before, path, changes)
                    before = None
                inner = self._open(before[1] if before else None, target, path + "/", name)
                if isinstance(inner, _Comparison):
                    stack.append(inner)
                else:
                    comparison.settle(name, target, inner)
                continue
            if before == after:
                continue
            if before is not None and before[0] == _TREE_MODE:
                self._remove(before, path, changes)
            if mode == _GITLINK_MODE:
                self._history.gitlinks.add(path)
                changes.append((path, None))  # a submodule is not followed: nothing there
            else:
                assert isinstance(target, str)
                changes.append((path, target))
                self._history.referenced_blobs.add(target)

    def _open(
        self, old: Node | None, new: Node | None, prefix: str, name: str = ""
    ) -> _Comparison | Node | None:
        """The comparison of two directories, or what stands for `new` when there is
        nothing to compare (the same tree, or an unreadable one: assumed unchanged)."""
        if isinstance(old, str) and old == new:
            return new
        new_entries = self.entries(new)
        if new_entries is None:
            return old
        old_entries = self.entries(old) or {}
        assert new is not None
        return _Comparison(name, prefix, new, old_entries, new_entries)

    def _remove(
        self, entry: tuple[str, Node] | None, path: str, changes: list[tuple[str, str | None]]
    ) -> None:
        """Everything under a removed entry is gone (depth first, in name order)."""
        pending = [(path, entry)]
        while pending:
            where, removed = pending.pop()
            if removed is None:
                continue
            mode, target = removed
            if mode == _TREE_MODE:
                children = sorted((self.entries(target) or {}).items(), reverse=True)
                pending.extend((f"{where}/{name}", child) for name, child in children)
            else:
                changes.append((where, None))


@dataclass
class _Comparison:
    """Two versions of one directory being compared, and what stands for the new one."""

    name: str  # in the parent directory
    prefix: str  # the directory's path, with its trailing slash
    new: Node
    old_entries: Entries
    new_entries: Entries
    names: list[str] = field(default_factory=list)  # still to compare, the last one first
    standing_in: Entries = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = sorted(self.old_entries.keys() | self.new_entries.keys(), reverse=True)

    def settle(self, name: str, target: Node, effective: Node | None) -> None:
        """A subdirectory compared: where its tree could not be read, what stands for it."""
        if effective != target:
            self.standing_in[name] = (_TREE_MODE, effective if effective is not None else {})

    def effective(self) -> Node:
        if not self.standing_in:
            return self.new
        return {**self.new_entries, **self.standing_in}


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

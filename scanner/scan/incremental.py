"""A history read from the one a previous scan saved, and the history saved for the next.

When nothing changed since the last complete scan, its history and inventory are reused
whole and the blobs that matched are read at their saved positions. When objects were only
added, the saved history is extended: just the new commits are parsed and the new blobs
matched. Anything that looks off makes the saved history unusable, and the scan reads
everything (scanner.scan.cold): a cache problem costs time, never a finding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from scanner.cache.blob_verdicts import BlobCache
from scanner.cache.history_snapshot import (
    BaseFile,
    RepoState,
    Snapshot,
    SnapshotStore,
    new_object_ids,
    restricted,
)
from scanner.detect.matcher import Matcher
from scanner.git.history import History, merge_histories
from scanner.git.integrity import Integrity, check_integrity
from scanner.git.inventory import Inventory
from scanner.git.log_parse import read_commits_only
from scanner.git.process import run_git
from scanner.git.refs import Head, Ref, RefListing
from scanner.matches import Match
from scanner.scan import background
from scanner.scan.blobscan import recover_matches, saved_positions
from scanner.scan.options import HistoryRead, ScanOptions
from scanner.scan.workers import finish_matching, not_known_clean, start_matching


class _KnownState(NamedTuple):
    """The repository as a saved history describes it now."""

    inventory: Inventory
    history: History
    new_blobs: dict[str, int]  # added since the history was saved
    recovered: dict[str, list[Match]]  # the saved matches, read back at their positions
    unfit: list[str]  # blobs that matched and could not be read back: matched again


class _Extension(NamedTuple):
    """A saved history with the objects added since."""

    inventory: Inventory
    history: History
    new_blobs: dict[str, int]
    named: set[str]  # the blobs the new commits name


def reuse_saved_history(
    repo: Path,
    loaded: tuple[Snapshot, bool] | None,
    state: RepoState | None,
    listing: RefListing,
    head: Head,
    matcher: Matcher,
    options: ScanOptions,
) -> HistoryRead | None:
    """The repository's history and matches from a saved history (`loaded`: the snapshot, and
    whether it is exact), extended with the objects added since when it is not; None when it
    cannot serve."""
    known = _known_state(repo, loaded, state, listing.refs, head)
    if known is None or loaded is None:
        return None
    snapshot, exact = loaded
    to_scan = _to_match(snapshot, known.unfit, known.new_blobs, options.cache)
    blobs = finish_matching(start_matching(repo, to_scan, matcher, options, None), to_scan, options)
    blobs.matches.update(known.recovered)
    return HistoryRead(
        inventory=known.inventory,
        history=known.history,
        blobs=blobs,
        blobs_cached=len(known.inventory.blob_sizes) - len(to_scan),
        integrity=(
            snapshot.integrity
            if exact
            else check_integrity(repo, listing, known.inventory, known.history)
        ),
        cache_answer="saved history" if exact else "extended history",
        already_saved=exact,
        base=snapshot.base,
    )


def start_saving(
    store: SnapshotStore, state: RepoState, read: HistoryRead, parallel: bool
) -> background.Pending[None]:
    """Save what a rescan reuses, waited for before the scan returns.

    A full save is written by a forked child while the scan computes windows (it inherits
    the data: nothing is copied). An extension writes only the small main file: there, a
    fork would cost more.
    """
    return background.start(
        _save_snapshot_job,
        store,
        state,
        read.inventory,
        read.history,
        read.blobs.matches,
        read.integrity,
        read.base,
        parallel=parallel and read.base is None,
    )


def _known_state(
    repo: Path,
    loaded: tuple[Snapshot, bool] | None,
    state: RepoState | None,
    refs: list[Ref],
    head: Head,
) -> _KnownState | None:
    """The inventory and history a saved snapshot gives for the repository as it is now
    (extended with the objects added since, when it is not exact), the new blobs, and the
    snapshot's matches read back at their saved positions (with the blobs to match again).

    None when the snapshot cannot serve: objects taken away, a ref tip or a blob the new
    commits name that it does not hold (objects it never saw, e.g. fetched into an
    alternate), or any problem reading what it refers to. The caller then reads everything:
    a cache problem costs time, never a finding."""
    if loaded is None or state is None:
        return None
    snapshot, exact = loaded
    try:
        new_blobs: dict[str, int] = {}
        named: set[str] = set()
        if exact:
            inventory, history = snapshot.inventory, snapshot.history
        else:
            extension = _extend(repo, snapshot, state)
            if extension is None:
                return None
            inventory, history, new_blobs, named = extension
        tips = {ref.commit for ref in refs} | ({head.commit} if head.commit else set())
        if not tips <= history.commits.keys() or not named <= inventory.blob_sizes.keys():
            return None
        recovered, unfit = recover_matches(repo, snapshot.positions)
    except Exception:  # anything wrong with the snapshot or the objects it names: read all
        return None
    return _KnownState(inventory, history, new_blobs, recovered, unfit)


def _to_match(
    snapshot: Snapshot, unfit: list[str], new_blobs: dict[str, int], cache: BlobCache | None
) -> dict[str, int]:
    """The blobs to match beside a snapshot's: those that matched and cannot be read back at
    saved positions (its positives, and `unfit`), and the new blobs not known clean."""
    sizes = {**snapshot.inventory.blob_sizes, **new_blobs}
    to_scan = {oid: sizes[oid] for oid in [*snapshot.positives, *unfit] if oid in sizes}
    to_scan.update(not_known_clean(new_blobs, cache))
    return to_scan


def _extend(repo: Path, snapshot: Snapshot, state: RepoState) -> _Extension | None:
    """The snapshot extended with the objects added since (new packs, loose objects, in the
    repository's stores and its alternates'): only new commits are parsed. None when
    anything looks off (an object taken away, or one that cannot be read): the caller then
    does the full read."""
    known_blobs = snapshot.inventory.blob_sizes
    added = new_object_ids(repo, state, snapshot)
    if added is None:
        return None
    known = known_blobs.keys() | set(snapshot.inventory.commits)
    candidates = sorted(added - known)
    new_blobs: dict[str, int] = {}
    new_commits: list[str] = []
    if candidates:
        listing = run_git(
            ["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
            repo,
            input_bytes="".join(f"{oid}\n" for oid in candidates).encode(),
        )
        for line in listing.decode("ascii", "replace").splitlines():
            parts = line.split()
            if len(parts) != 3:
                return None  # missing or unreadable: let the full read report it
            if parts[1] == "blob":
                new_blobs[parts[0]] = int(parts[2])
            elif parts[1] == "commit":
                new_commits.append(parts[0])
    history = snapshot.history
    named: set[str] = set()
    if new_commits:
        added_history = read_commits_only(repo, new_commits)
        if set(added_history.commits) != set(new_commits) or added_history.unreadable:
            return None
        named = set(added_history.referenced_blobs)
        history = merge_histories(history, added_history)
    inventory = Inventory(
        blob_sizes={**known_blobs, **new_blobs},
        commits=[*snapshot.inventory.commits, *new_commits],
    )
    return _Extension(inventory, history, new_blobs, named)


def _save_snapshot_job(
    store: SnapshotStore,
    state: RepoState,
    inventory: Inventory,
    history: History,
    matches: dict[str, list[Match]],
    integrity: Integrity,
    base: BaseFile | None,
    progress: Callable[[str, int, int], None] | None,
) -> None:
    """Save what a rescan reuses: the history kept only where matches are, and where in
    each matching blob its secrets sit (`base`: the bulk an extended snapshot came from)."""
    positions, again = saved_positions(matches, inventory.blob_sizes)
    snapshot = Snapshot(
        inventory,
        restricted(history, set(matches)),
        again,
        integrity,
        positions,
        packs=state.packs,
        shallow=state.shallow,
        loose=tuple(sorted(state.loose)),
        base=base,
    )
    with contextlib.suppress(Exception):  # a cache that cannot be written is just not saved
        store.save(state, snapshot)

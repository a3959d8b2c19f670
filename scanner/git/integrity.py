"""Say what the scan could not read, so a report never passes off a partial scan as whole.

Refs naming missing objects, corrupt or truncated objects, blobs a tree names but the
database lacks (a partial clone's, or lost ones), a shallow clone's boundary, submodules
that are not followed and borrowed object directories: each is collected here once, for the
report, the exit code and the saved caches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.git.history import History
from scanner.git.inventory import Inventory, alternates, is_partial_clone, shallow_boundary
from scanner.git.refs import RefListing


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

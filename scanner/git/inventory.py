"""What the object database holds, and how far it reaches beyond itself.

The scan reads every blob and commit the database lists, reachable or not, so a rewrite that
dropped a commit from every branch does not hide it. Around that listing sit the facts that
say what the database cannot hold: the commits a shallow clone was cut at, the objects a
partial clone left on its promisor remote, and the other object directories it borrows from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scanner.errors import LeakwindowError
from scanner.git.process import run_git, unquote_c

_INVENTORY_BLOB = re.compile(r"\nblob ([0-9a-f]+) ([0-9]+)(?=\n)")
_INVENTORY_COMMIT = re.compile(r"\ncommit ([0-9a-f]+) [0-9]+(?=\n)")


@dataclass
class Inventory:
    """Every object in the object database that matters to the scan."""

    blob_sizes: dict[str, int] = field(default_factory=dict)
    commits: list[str] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # listed by the database, unreadable


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


def shallow_boundary(repo: Path) -> set[str]:
    """The commits a shallow clone was cut at (git shows them without parents); empty when
    the history is whole."""
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

"""Parse a raw commit object: its tree, parents, author and dates.

The salvage path reads commits one object at a time, and the fast path reads the few whose
dates `git log` could not format; both need the header parsed without git's help, and
without failing on an ident line git itself cannot parse.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from scanner.model import CommitInfo


class CommitObject(NamedTuple):
    info: CommitInfo
    tree: str  # the id of the commit's root tree


class Person(NamedTuple):
    """An author or committer line: who, when, and when in ISO-8601 with its offset."""

    ident: str  # "Name <email>"
    timestamp: int
    iso: str


def parse_commit(sha: str, raw: bytes) -> CommitObject | None:
    """The commit's header, or None when it names no tree (not a commit one can use)."""
    header = raw.partition(b"\n\n")[0]
    tree: str | None = None
    parents: list[str] = []
    people: dict[bytes, Person] = {}
    for line in header.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"tree" and tree is None:
            tree = value.decode("ascii", "replace")
        elif key == b"parent":
            parents.append(value.decode("ascii", "replace"))
        elif key in (b"author", b"committer") and key not in people:
            people[key] = parse_person(value)
    if tree is None:
        return None
    nobody = Person("", 0, iso_date(0, b"+0000"))
    author = people.get(b"author", nobody)
    committer = people.get(b"committer", nobody)
    info = CommitInfo(
        sha, tuple(parents), committer.timestamp, committer.iso, author.iso, author.ident
    )
    return CommitObject(info, tree)


def parse_person(value: bytes) -> Person:
    """`Name <email> 1735689600 +0100` → ("Name <email>", timestamp, ISO-8601 with offset)."""
    rest, _, offset = value.rpartition(b" ")
    who, _, stamp = rest.rpartition(b" ")
    try:
        ts = int(stamp)
    except ValueError:
        return Person(value.decode("utf-8", "backslashreplace"), 0, iso_date(0, b"+0000"))
    return Person(who.decode("utf-8", "backslashreplace"), ts, iso_date(ts, offset))


def iso_date(ts: int, offset: bytes) -> str:
    """The time in ISO-8601 at its offset; the epoch in UTC when either cannot be used."""
    try:
        sign = -1 if offset.startswith(b"-") else 1
        minutes = int(offset[-4:-2]) * 60 + int(offset[-2:])
        zone = timezone(timedelta(minutes=sign * minutes))
        return datetime.fromtimestamp(ts, zone).isoformat()
    except (ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(0, timezone.utc).isoformat()

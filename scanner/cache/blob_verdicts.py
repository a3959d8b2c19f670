"""Incremental scans: remember which blobs were scanned clean under which scan key.

Only blob ids with *no* match are stored (with the key of the code, rule pack, engine and
size cap that scanned them: `cache_keys.blob_verdict_key`), so the cache never holds a
secret, a digest of one, a preview or a path; blobs that did match are simply scanned again
(they are few). Anything that changes a verdict gives a new key, and nothing stored under an
old key is used.

The database is `blobs.sqlite` in the repository's cache directory under the user's cache
root (`cache_place`), mode 0600 in a 0700 directory: never inside the scanned repository,
which could forge it. Any problem opening or writing it (a locked or corrupt file, a full
disk) turns the cache off for that run: a cache must never make a scan fail.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Collection, Iterable
from pathlib import Path

from scanner.cache.files import prepare_private_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS clean_blobs (
    scan_key TEXT NOT NULL,
    oid TEXT NOT NULL,
    PRIMARY KEY (scan_key, oid)
) WITHOUT ROWID;
"""
_KEEP_KEYS = 3  # older rule packs' rows are dropped
_LOOK_UP_AT_MOST = 2000  # beyond this many ids, one pass over all clean ids is faster
_BATCH = 500  # ids per query (SQLite's variable limit is 999 on old builds)


class BlobCache:
    """Clean blob ids for one scan key; a no-op when the database cannot be used."""

    def __init__(self, path: Path | None, key: str) -> None:
        self.key = key
        self.path = path
        self._db: sqlite3.Connection | None = None
        if path is None:
            return
        try:
            # Created 0600 before SQLite opens it (SQLite gives its journal the same mode).
            prepare_private_file(path)
            self._db = sqlite3.connect(str(path), timeout=2.0)
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error):
            self.close()

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def clean_among(self, oids: Collection[str]) -> set[str]:
        """Which of `oids` were scanned clean. A few (a rescan's new blobs) are looked up by
        the primary key; many are checked against every clean id, read in one pass."""
        if self._db is None or not oids:
            return set()
        try:
            if len(oids) > _LOOK_UP_AT_MOST:
                query = "SELECT oid FROM clean_blobs WHERE scan_key = ?"
                return {oid for (oid,) in self._db.execute(query, (self.key,)) if oid in oids}
            asked = list(oids)
            clean: set[str] = set()
            for start in range(0, len(asked), _BATCH):
                batch = asked[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                query = f"SELECT oid FROM clean_blobs WHERE scan_key = ? AND oid IN ({marks})"
                clean.update(oid for (oid,) in self._db.execute(query, (self.key, *batch)))
            return clean
        except sqlite3.Error:
            self._db = None
            return set()

    def remember_clean(self, oids: Iterable[str]) -> None:
        if self._db is None:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO clean_blobs (scan_key, oid) VALUES (?, ?)",
                    ((self.key, oid) for oid in oids),
                )
                self._forget_old_keys()
        except sqlite3.Error:
            self._db = None

    def _forget_old_keys(self) -> None:
        assert self._db is not None
        keys = [key for (key,) in self._db.execute("SELECT DISTINCT scan_key FROM clean_blobs")]
        stale = [key for key in keys if key != self.key][: max(0, len(keys) - _KEEP_KEYS)]
        for key in stale:
            self._db.execute("DELETE FROM clean_blobs WHERE scan_key = ?", (key,))

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

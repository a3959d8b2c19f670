"""A rescan of an unchanged repository: reuse the last complete scan's findings.

When the repository's state (refs, HEAD, object database, shallow boundary), the scan key
(rules, matching code, size cap, path settings) and the options that decide which windows are
drawn are all what they were at the last complete scan, so are its findings, except what
depends on the moment of the scan: an open window's days count up to --as-of, and findings
sort by their longest window. Those are recomputed here. The baseline may have changed, so it
is applied afresh, from the digests each finding keeps (sha256, its fingerprint; and sha1,
what a detect-secrets baseline names a secret by).

The file holds what a report holds (ids, paths, dates, redacted previews, digests), never a
secret. A scan that needs the secrets themselves (--verify) or limits findings to a range does
not use it. Anything unexpected in the file means it is not used.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from scanner.history import Integrity
from scanner.model import (
    CommitPoint,
    Finding,
    FirstCommit,
    Location,
    SecretDigests,
    Window,
)
from scanner.windows import days_between

_FORMAT = 1


@dataclass(frozen=True)
class SavedResult:
    findings: list[Finding]  # unsuppressed, unverified
    sha1s: dict[str, str]  # fingerprint -> sha1 of the secret
    opened_ts: dict[str, list[int]]  # fingerprint -> each window's opening commit time
    commits: int
    blobs: int  # blobs in the object inventory: all of them known, none read
    integrity: Integrity
    engine: str  # the engine that matched

    def findings_as_of(
        self, as_of: datetime, suppression: Callable[[SecretDigests], str | None] | None
    ) -> list[Finding]:
        """The findings with open windows counted up to `as_of` and the baseline applied."""
        now = as_of.timestamp()
        updated: list[Finding] = []
        for finding in self.findings:
            opened = self.opened_ts[finding.fingerprint]
            windows = tuple(
                window if window.closed is not None else replace(window, days=days_between(ts, now))
                for window, ts in zip(finding.windows, opened, strict=True)
            )
            digests = SecretDigests(finding.fingerprint, self.sha1s[finding.fingerprint])
            updated.append(
                replace(
                    finding,
                    windows=windows,
                    suppressed=suppression(digests) if suppression is not None else None,
                )
            )
        return updated


class ResultStore:
    """Where one repository's saved result lives, and the key it must match."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key

    def load(self, fingerprint: str) -> SavedResult | None:
        """The saved result of a scan of exactly this repository state, or None."""
        try:
            if self.path.is_symlink() or self.path.parent.is_symlink():
                return None
            data = json.loads(self.path.read_bytes())
            if data["format"] != _FORMAT or data["key"] != self.key:
                return None
            if data["state"] != fingerprint:
                return None
            return _decode(data["result"])
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def save(self, fingerprint: str, result: SavedResult) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.path.parent.is_symlink() or self.path.is_symlink():
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            payload = {
                "format": _FORMAT,
                "key": self.key,
                "state": fingerprint,
                "result": _encode(result),
            }
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(payload, separators=(",", ":")))
            temporary.replace(self.path)


def result_path(cache_file: Path) -> Path:
    return cache_file.with_name(cache_file.stem + "-result.json")


def _encode(result: SavedResult) -> dict[str, Any]:
    return {
        "findings": [asdict(finding) for finding in result.findings],
        "sha1s": result.sha1s,
        "opened_ts": result.opened_ts,
        "commits": result.commits,
        "blobs": result.blobs,
        "integrity": asdict(result.integrity),
        "engine": result.engine,
    }


def _decode(data: dict[str, Any]) -> SavedResult:
    integrity = data["integrity"]
    return SavedResult(
        findings=[_finding(item) for item in data["findings"]],
        sha1s={str(k): str(v) for k, v in data["sha1s"].items()},
        opened_ts={str(k): [int(ts) for ts in v] for k, v in data["opened_ts"].items()},
        commits=int(data["commits"]),
        blobs=int(data["blobs"]),
        integrity=Integrity(
            unreadable_refs=tuple(integrity["unreadable_refs"]),
            unreadable_objects=tuple(integrity["unreadable_objects"]),
            missing_blobs=int(integrity["missing_blobs"]),
            partial_clone=bool(integrity["partial_clone"]),
            shallow_boundary=tuple(integrity["shallow_boundary"]),
            gitlinks=tuple(integrity["gitlinks"]),
        ),
        engine=str(data["engine"]),
    )


def _finding(item: dict[str, Any]) -> Finding:
    first = item["first_commit"]
    return Finding(
        fingerprint=item["fingerprint"],
        rules=tuple(item["rules"]),
        title=item["title"],
        severity=item["severity"],
        secret_preview=item["secret_preview"],
        first_commit=FirstCommit(**first) if first is not None else None,
        locations=tuple(Location(**location) for location in item["locations"]),
        windows=tuple(_window(window) for window in item["windows"]),
        in_head=bool(item["in_head"]),
        reachable_from=tuple(item["reachable_from"]),
        dangling=bool(item["dangling"]),
        decoded=item["decoded"],
    )


def _window(item: dict[str, Any]) -> Window:
    closed = item["closed"]
    return Window(
        ref=item["ref"],
        opened=CommitPoint(**item["opened"]),
        closed=CommitPoint(**closed) if closed is not None else None,
        days=float(item["days"]),
        opened_at_boundary=bool(item["opened_at_boundary"]),
    )

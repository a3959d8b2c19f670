"""Suppression that survives rebases: baselines keyed by the secret itself.

leakwindow's own `.leakwindow-baseline.json` matches by secret fingerprint (sha256) alone:
the rule, path and first commit each entry also records are for the reviewer, so moving code
or rewriting history never revives a suppressed finding. Entries with a fingerprint only (as
older versions wrote them) load the same. Writing a baseline is `baseline_entries.py`. A
detect-secrets `.secrets.baseline` is accepted too: its `hashed_secret` is the sha1 of the
secret. Entries that detect-secrets' audit marked `is_secret: true` are real secrets, so they
stay reported; unaudited entries and `is_secret: false` ones are suppressed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import LeakwindowError
from scanner.matches import SecretDigests, digests_of
from scanner.safe_files import read_regular_file

BASELINE_NAME = ".leakwindow-baseline.json"
BASELINE_SCHEMA = "leakwindow.baseline/1"
# An entry takes about 400 bytes: room for over a hundred thousand accepted secrets, and a
# bound on what a repository's baseline makes us read.
BASELINE_SIZE_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Baseline:
    fingerprints: frozenset[str]
    sha1s: frozenset[str]
    source: str

    def reason(self, secret: bytes) -> str | None:
        """Why this secret is suppressed, or None when it is not in the baseline."""
        return self.reason_for(digests_of(secret))

    def reason_for(self, digests: SecretDigests) -> str | None:
        """`reason`, from the secret's digests (all a saved scan result keeps)."""
        if digests.sha256 in self.fingerprints:
            return f"baseline {self.source}"
        if digests.sha1 in self.sha1s:
            return f"detect-secrets baseline {self.source}"
        return None


def _detect_secrets_hashes(document: dict[str, Any], source: Path) -> frozenset[str]:
    results = document.get("results")
    if not isinstance(results, dict):
        raise LeakwindowError(f"{source}: detect-secrets baseline without a 'results' table")
    hashes: set[str] = set()
    for entries in results.values():
        if not isinstance(entries, list):
            raise LeakwindowError(f"{source}: 'results' values must be lists")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("hashed_secret"), str):
                raise LeakwindowError(f"{source}: a result has no 'hashed_secret'")
            if entry.get("is_secret") is True:
                continue  # audited as a real secret: keep reporting it
            hashes.add(entry["hashed_secret"].lower())
    return frozenset(hashes)


def _parse_json(data: bytes, path: Path) -> Any:
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise LeakwindowError(f"{path}: baseline is not valid JSON: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise LeakwindowError(f"{path}: baseline is not valid JSON: {exc}") from None
    except ValueError:  # an integer of more than 4,300 digits, or NaN
        raise LeakwindowError(f"{path}: baseline is not valid JSON: a value out of range") from None
    except RecursionError:
        raise LeakwindowError(f"{path}: baseline is not valid JSON: nested too deeply") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def load_baseline(path: Path, *, follow_symlinks: bool = True) -> Baseline:
    data = read_regular_file(
        path, limit=BASELINE_SIZE_LIMIT, what="baseline", follow_symlinks=follow_symlinks
    )
    document = _parse_json(data, path)
    if not isinstance(document, dict):
        raise LeakwindowError(f"{path}: baseline must be a JSON object")
    if document.get("schema") == BASELINE_SCHEMA:
        secrets = document.get("secrets")
        if not isinstance(secrets, list) or not all(
            isinstance(item, dict) and isinstance(item.get("fingerprint"), str) for item in secrets
        ):
            raise LeakwindowError(f"{path}: 'secrets' must be a list of {{fingerprint: …}}")
        return Baseline(
            fingerprints=frozenset(item["fingerprint"].lower() for item in secrets),
            sha1s=frozenset(),
            source=path.name,
        )
    if "results" in document:
        return Baseline(
            fingerprints=frozenset(),
            sha1s=_detect_secrets_hashes(document, path),
            source=path.name,
        )
    raise LeakwindowError(f"{path}: neither a leakwindow nor a detect-secrets baseline")


def find_baseline(worktree: Path | None, explicit: Path | None) -> Baseline | None:
    """The baseline in force: `explicit` (--baseline: a link to a regular file is fine) or
    the repository's own `.leakwindow-baseline.json` when it is a regular file (a link,
    FIFO or directory there is ignored: it could point anywhere on the machine)."""
    if explicit is not None:
        return load_baseline(explicit)
    if worktree is None:
        return None
    found = worktree / BASELINE_NAME
    try:
        if not found.is_file() or found.is_symlink():
            return None
    except OSError:
        return None
    return load_baseline(found, follow_symlinks=False)

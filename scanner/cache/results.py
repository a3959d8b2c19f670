"""A rescan of an unchanged repository: reuse the last complete scan's findings.

When the repository's state (refs, HEAD, object stores, shallow boundary), the scan key
(code, rules, engine, size cap, path settings) and the options that decide which windows are
drawn are all what they were at the last complete scan, so are its findings, except what
depends on the moment of the scan: an open window's days count up to --as-of, and findings
sort by their longest window. Those are recomputed here. The baseline may have changed, so it
is applied afresh, from each finding's fingerprint (sha256 of the secret).

The file (`result.json` in the repository's cache directory, `cache_place`) holds what a
report holds (ids, paths, dates, redacted previews, fingerprints), never a secret, and no
other digest of one: a detect-secrets baseline names secrets by their sha1, so a scan with
one does not use the saved result (`needs_sha1`) rather than keeping a second digest of
every secret on disk. A scan that needs the secrets themselves (--verify) or limits findings
to a range does not use it either. The file is checked whole when loaded (every field's
type, every window's opening time): anything unexpected means it is not used.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from scanner.cache.files import read_sealed, write_sealed
from scanner.exposure.windows import days_between
from scanner.git.integrity import Integrity
from scanner.matches import SecretDigests
from scanner.model import Finding

_FORMAT = 3


@dataclass(frozen=True)
class SavedResult:
    findings: list[Finding]  # unsuppressed, unverified
    opened_ts: dict[str, list[int]]  # fingerprint -> each window's opening commit time
    commits: int
    blobs: int  # blobs in the object inventory: all of them known, none read
    integrity: Integrity
    engine: str  # the engine that matched

    def findings_as_of(
        self, as_of: datetime, suppression: Callable[[SecretDigests], str | None] | None
    ) -> list[Finding]:
        """The findings with open windows counted up to `as_of` and the baseline applied
        (by fingerprint: see the module's note on sha1)."""
        now = as_of.timestamp()
        updated: list[Finding] = []
        for finding in self.findings:
            opened = self.opened_ts[finding.fingerprint]
            windows = tuple(
                window if window.closed is not None else replace(window, days=days_between(ts, now))
                for window, ts in zip(finding.windows, opened, strict=True)
            )
            digests = SecretDigests(finding.fingerprint, sha1="")
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
            data = json.loads(read_sealed(self.path))
            if data["format"] != _FORMAT or data["key"] != self.key:
                return None
            if data["state"] != fingerprint:
                return None
            return _decode(data["result"])
        except Exception:  # whatever is wrong with a cache file, it is not used
            return None

    def save(self, fingerprint: str, result: SavedResult) -> None:
        payload = {
            "format": _FORMAT,
            "key": self.key,
            "state": fingerprint,
            "result": _encode(result),
        }
        write_sealed(self.path, json.dumps(payload, separators=(",", ":")).encode())


def _encode(result: SavedResult) -> dict[str, Any]:
    return {
        "findings": [asdict(finding) for finding in result.findings],
        "opened_ts": result.opened_ts,
        "commits": result.commits,
        "blobs": result.blobs,
        "integrity": asdict(result.integrity),
        "engine": result.engine,
    }


def _decode(data: dict[str, Any]) -> SavedResult:
    """The saved result, every value checked against its declared type; ValueError when
    anything is missing, extra, of the wrong type or inconsistent."""
    findings = [_typed(item, Finding) for item in _of(data["findings"], list)]
    opened_ts = {
        _of(fingerprint, str): [_of(ts, int) for ts in _of(times, list)]
        for fingerprint, times in _of(data["opened_ts"], dict).items()
    }
    for finding in findings:
        if len(opened_ts.get(finding.fingerprint, ())) != len(finding.windows):
            raise ValueError("a finding's windows do not match their opening times")
    if len({finding.fingerprint for finding in findings}) != len(findings):
        raise ValueError("a finding is saved twice")
    return SavedResult(
        findings=findings,
        opened_ts=opened_ts,
        commits=_of(data["commits"], int),
        blobs=_of(data["blobs"], int),
        integrity=_typed(data["integrity"], Integrity),
        engine=_of(data["engine"], str),
    )


def _of(value: Any, kind: type) -> Any:
    # bool is an int to Python, but never where the saved result holds a number.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _one_of(value: Any, allowed: frozenset[Any]) -> Any:
    # The model's literals are all strings (severities).
    if not isinstance(value, str) or value not in allowed:
        raise ValueError("a value outside its allowed set")
    return value


def _typed(value: Any, hint: Any) -> Any:
    """`value` (as JSON gave it back) as an instance of `hint` (see `_decoder`)."""
    return _decoder(hint)(value)


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """A function turning JSON data into an instance of `hint`, checking every value on the
    way: dataclasses field by field (a field with a default may be absent; an unknown one is
    refused), tuples, optionals, literals (a severity) and plain values of exactly their
    type. Built once per type: a saved result of a few hundred findings is checked in a few
    milliseconds."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _dataclass_decoder(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        (inner,) = [option for option in options if option is not type(None)]
        decode = _decoder(inner)
        if type(None) not in options:
            return decode
        return lambda value: None if value is None else decode(value)
    if origin is typing.Literal:
        allowed = frozenset(typing.get_args(hint))
        return lambda value: _one_of(value, allowed)
    if origin is tuple:
        inner, *more = typing.get_args(hint)
        if more != [Ellipsis]:
            raise ValueError(f"cannot check {hint}")
        item = _decoder(inner)
        return lambda value: tuple(map(item, _of(value, list)))
    if hint is float:
        return lambda value: float(value if isinstance(value, float) else _of(value, int))
    if hint in (str, int, bool):
        return lambda value: _of(value, hint)
    raise ValueError(f"cannot check {hint}")


def _dataclass_decoder(cls: type) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(cls)
    fields = [
        (
            field.name,
            _decoder(hints[field.name]),
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING,
        )
        for field in dataclasses.fields(cls)
    ]
    known = frozenset(name for name, _, _ in fields)

    def decode(value: Any) -> Any:
        items = _of(value, dict)
        if not items.keys() <= known:
            raise ValueError(f"unknown field in a saved {cls.__name__}")
        arguments = {}
        for name, field_decoder, required in fields:
            if name in items:
                arguments[name] = field_decoder(items[name])
            elif required:
                raise ValueError(f"a saved {cls.__name__} has no {name}")
        return cls(**arguments)

    return decode

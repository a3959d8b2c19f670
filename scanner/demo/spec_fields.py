"""Typed, validated access to the keys of one raw `[[step]]` table of a scenario spec.

Each accessor checks one key's shape (text, flag, date, identity, repository paths) and
turns it into what the step record holds; every problem is one line naming the step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath

from scanner.demo.model import Identity, parse_identity
from scanner.errors import LeakwindowError


class StepFields:
    """Typed access to one raw step table, raising one-line errors that name the step."""

    def __init__(self, where: str, raw: Mapping[str, object]) -> None:
        self.where = where
        self.raw = raw

    def _fail(self, key: str, expected: str) -> LeakwindowError:
        return LeakwindowError(f"{self.where}: {key!r} must be {expected}")

    def text(self, key: str, shape: re.Pattern[str] | None = None) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, "a non-empty string")
        if shape is not None and not shape.match(value):
            raise self._fail(key, f"a name matching {shape.pattern}")
        return value

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def positive_int(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self._fail(key, "a positive integer")
        return value

    def date(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        offset = moment.utcoffset() if moment is not None else None
        if moment is None or offset is None:
            raise self._fail(
                key, "an ISO-8601 date with a UTC offset, like 2025-03-02T09:14:00+00:00"
            )
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hours, remainder = divmod(abs(minutes), 60)
        return f"{int(moment.timestamp())} {sign}{hours:02d}{remainder:02d}"

    def identity(self, key: str) -> Identity | None:
        value = self.text(key)
        if value is None:
            return None
        identity = parse_identity(value)
        if identity is None:
            raise self._fail(key, 'of the form "Name <email>"')
        return identity

    def path_list(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(key, "a list of paths")
        return tuple(self._checked_path(key, item) for item in value)

    def path_map(self, key: str, *, values_are_paths: bool) -> tuple[tuple[str, str], ...]:
        value = self.raw.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self._fail(key, "a table of path = string")
        return tuple(
            (
                self._checked_path(key, source),
                self._checked_path(key, target) if values_are_paths else target,
            )
            for source, target in value.items()
        )

    def _checked_path(self, key: str, path: str) -> str:
        parts = PurePosixPath(path).parts
        if (
            not parts
            or path.startswith("/")
            or "\\" in path
            or any(part in ("..", ".") for part in parts)
            or parts[0] == ".git"
        ):
            raise self._fail(key, f"made of relative paths inside the repository, not {path!r}")
        return path

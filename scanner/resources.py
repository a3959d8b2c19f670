"""Locate the data shipped with leakwindow (rule pack, fixture specs).

In a wheel they live inside the package (`scanner/_data/...`); in a source checkout or an
editable install they are the top-level `rules/` and `fixtures/` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory holding the shipped data set `name` ("rules" or "fixtures")."""
    packaged = _PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / name


def rules_dir() -> Path:
    return data_dir("rules")


def fixtures_dir() -> Path:
    return data_dir("fixtures")

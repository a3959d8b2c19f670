"""Test-wide settings: the suite never reads or writes the user's own leakwindow cache.

Every test process (the main one and each pytest-xdist worker, which inherit its
environment) uses one cache directory made for this run, so the Hyperscan database is
compiled once per run and nothing a test leaves behind reaches `~/.cache/leakwindow`.
Tests that need a cold cache set XDG_CACHE_HOME themselves.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_OWNER_VARIABLE = "LEAKWINDOW_TEST_CACHE_OWNER"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(_OWNER_VARIABLE):
        return  # an xdist worker: the controller made the directory
    directory = tempfile.mkdtemp(prefix="leakwindow-test-cache-")
    os.environ["XDG_CACHE_HOME"] = directory
    os.environ[_OWNER_VARIABLE] = str(os.getpid())
    os.environ.pop("LEAKWINDOW_NO_CACHE", None)
    config.stash[_cache_key] = directory


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(_cache_key, None)
    if directory is not None and os.environ.get(_OWNER_VARIABLE) == str(os.getpid()):
        shutil.rmtree(directory, ignore_errors=True)


_cache_key = pytest.StashKey[str]()

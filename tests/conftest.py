"""Test-wide settings: the suite never reads or writes the user's own home or leakwindow cache.

Every test process (the main one and each pytest-xdist worker, which inherit its
environment) uses one cache directory and one HOME made for this run, so the Hyperscan
database is compiled once per run, and nothing a test leaves behind reaches
`~/.cache/leakwindow` or the user's git configuration: not from a test that drops
XDG_CACHE_HOME (the cache then falls back to `$HOME/.cache`), nor from the processes tests
start. Tests that need a cold cache set XDG_CACHE_HOME themselves. Each process also refuses a
write into the user's real cache and fails the test that tried (tests/home_guard.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import home_guard
import pytest
from hypothesis import HealthCheck, settings

_OWNER_VARIABLE = "LEAKWINDOW_TEST_CACHE_OWNER"
HOME_VARIABLE = "LEAKWINDOW_TEST_HOME"


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get(_OWNER_VARIABLE):
        # The controller, or a run without xdist; before any test module imports scanner. The
        # real roots are read before HOME changes.
        guarded = home_guard.real_cache_roots(os.environ)
        os.environ[home_guard.GUARDED_VARIABLE] = os.pathsep.join(guarded)
        directory = tempfile.mkdtemp(prefix="leakwindow-test-cache-")
        home = tempfile.mkdtemp(prefix="leakwindow-test-home-")
        os.environ["XDG_CACHE_HOME"] = directory
        os.environ["HOME"] = home
        os.environ[HOME_VARIABLE] = home
        os.environ[_OWNER_VARIABLE] = str(os.getpid())
        os.environ.pop("LEAKWINDOW_NO_CACHE", None)
        config.stash[_made_key] = [directory, home]
    home_guard.install_guard(os.environ[home_guard.GUARDED_VARIABLE].split(os.pathsep))


def pytest_unconfigure(config: pytest.Config) -> None:
    made = config.stash.get(_made_key, None)
    if made is not None and os.environ.get(_OWNER_VARIABLE) == str(os.getpid()):
        for directory in made:
            shutil.rmtree(directory, ignore_errors=True)


_made_key = pytest.StashKey[list[str]]()


@pytest.fixture(autouse=True)
def _no_write_into_the_users_cache() -> Iterator[None]:
    """Fails the test that wrote there: the scanner treats a cache it cannot write as no
    cache, so the refusal alone would go unnoticed."""
    home_guard.forbidden_writes.clear()
    yield
    tried = list(home_guard.forbidden_writes)
    home_guard.forbidden_writes.clear()
    assert not tried, f"a test wrote into the user's own leakwindow cache: {tried}"


# The mutation-testing pass (CONTRIBUTING.md) runs each test many times on a loaded machine,
# with a tracer on: the same examples every time, and no health check or deadline that
# slowness alone would fail.
settings.register_profile(
    "mutation", derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)


# Debian's Chromium, which CI installs: the browser tests skip without it. Without the
# background-networking flags it tries to reach Google's hosts at every start, and this
# machine's closed network refuses them.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (Playwright), for the HTML reports' tests."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()

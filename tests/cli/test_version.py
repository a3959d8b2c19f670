"""`leakwindow --version` and `-V` print the version and exit 0, as every peer's CLI does."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scanner import __version__


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_the_version_flag_prints_the_version(flag: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scanner.entry", flag], capture_output=True, text=True
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"leakwindow {__version__}\n", "")

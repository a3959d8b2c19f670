"""Only `scan-many` imports Dask: the commit hook and a single-repository scan never pay for
it (importing distributed takes about half a second)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from git_builders import PYTHON_ENGINE, GitRepo

_PROBE = """
import sys
from scanner import entry
code = entry.main(sys.argv[1:])
loaded = {name.split(".")[0] for name in sys.modules}
sys.stderr.write("\\nLOADED " + " ".join(sorted(loaded & {"dask", "distributed"})))
"""


def _dask_modules(*argv: str, cwd: Path, prelude: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-c", prelude + _PROBE, *argv], cwd=cwd, capture_output=True, check=False
    )
    return done.stderr.decode().rsplit("\nLOADED", 1)[1].strip()


def test_scan_and_staged_do_not_import_dask(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.txt", "hello\n")
    repo.commit("one")
    repo.write("b.txt", "staged\n")
    repo.git("add", "b.txt")
    out = tmp_path / "r.json"
    scan = ("scan", str(repo.path), "-q", "-f", "json", "-o", str(out), *PYTHON_ENGINE)
    assert _dask_modules(*scan, cwd=tmp_path) == ""
    assert out.is_file()  # the scan did run
    assert _dask_modules("staged", cwd=repo.path) == ""
    # The probe does see Dask where something imports it.
    assert _dask_modules("--version", cwd=tmp_path, prelude="import distributed\n") == (
        "dask distributed"
    )

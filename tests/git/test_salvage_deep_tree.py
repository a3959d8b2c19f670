"""A damaged repository holding a very deep tree is salvaged, not crashed on: the
object-by-object reader compares directories from a stack, not by recursion."""

from __future__ import annotations

import zlib
from pathlib import Path

from git_builders import GitRepo, finding, nested_tree, scan, token

DEPTH = 3000  # three times Python's default recursion limit


def test_a_deep_tree_in_a_damaged_repository_is_scanned(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("README", "hello\n")
    base = repo.commit("init", date="2025-01-01T09:00:00+00:00")
    secret = token(1712)
    blob = repo.write_object("blob", f'XAI_KEY = "{secret}"\n'.encode())
    leaf = repo.tree([("100644", "blob", blob, b"config.py")])
    deep = nested_tree(repo.path, leaf, DEPTH)
    readme = repo.rev(f"{base}:README")
    with_deep = repo.tree([("100644", "blob", readme, b"README"), ("040000", "tree", deep, b"d")])
    leak = repo.git("commit-tree", "-p", base, "-m", "deep", with_deep)
    removal = repo.git("commit-tree", "-p", leak, "-m", "gone", f"{base}^{{tree}}")
    repo.git("update-ref", "refs/heads/main", removal)
    # Damage: the first commit is unreadable, so git log stops and the salvage path reads
    # every commit and tree object by object.
    loose = repo.path / ".git" / "objects" / base[:2] / base[2:]
    loose.chmod(0o644)
    loose.write_bytes(zlib.compress(b"commit 7\0garbage"))

    code, report = scan(repo.path, tmp_path, "--no-cache")

    assert code == 1
    assert report["scan"]["stats"]["objects_unreadable"] == 1
    found = finding(report, secret)
    path = "d/" * (DEPTH + 1) + "config.py"
    assert [(loc["commit"], loc["path"]) for loc in found["locations"]] == [(leak, path)]
    assert found["in_head"] is False
    assert [(w["opened"]["sha"], w["closed"]["sha"]) for w in found["windows"]] == [(leak, removal)]

"""Which refs count and where a secret is said to be.

- A tag can point at a tree or a blob: a key reachable only that way can be recovered from
  that tag, so the tag is listed in `reachable_from`, the key is not dangling, and its
  location is the path inside the tree (for a bare blob, the tag's name).
- `--all-branches` draws windows on every branch, a branch named `team/HEAD` included; only
  symbolic refs (like `refs/remotes/origin/HEAD`, which names another branch) are skipped.
- A location names the earliest commit (by commit time, ties by topology) with the secret at
  that place, whatever the commits' ids.
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from git_builders import MAIN, GitRepo, finding, scan, token, windows

# --- item 5: refs to trees and blobs ------------------------------------------------------


def key_objects(repo: GitRepo, secret: str) -> tuple[str, str]:
    """A blob with the key, and a tree holding it at `deploy/config.py`; no commit has them."""
    blob = repo.write_object("blob", f'\nXAI_KEY = "{secret}"\n'.encode())
    inner = repo.tree([("100644", "blob", blob, b"config.py")])
    return blob, repo.tree([("040000", "tree", inner, b"deploy")])


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("README", "hello\n")
    repo.commit("init", date="2025-01-01T09:00:00+00:00")
    return repo


@pytest.mark.parametrize("annotated", [False, True])
def test_a_key_reachable_only_from_a_tag_to_a_tree(
    repo: GitRepo, tmp_path: Path, annotated: bool
) -> None:
    secret = token(1751)
    _, tree = key_objects(repo, secret)
    repo.git("tag", *(["-a", "-m", "a tree"] if annotated else []), "snapshot", tree)
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    found = finding(report, secret)
    assert found["reachable_from"] == ["refs/tags/snapshot"]
    assert found["dangling"] is False
    assert found["in_head"] is False
    assert found["windows"] == []
    assert [
        (loc["commit"], loc["path"], loc["line"], loc["column"]) for loc in found["locations"]
    ] == [(tree, "deploy/config.py", 2, 12)]


def test_a_key_reachable_only_from_a_tag_to_a_blob(repo: GitRepo, tmp_path: Path) -> None:
    secret = token(1752)
    blob, _ = key_objects(repo, secret)
    repo.git("tag", "raw-key", blob)
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    found = finding(report, secret)
    assert found["reachable_from"] == ["refs/tags/raw-key"]
    assert found["dangling"] is False
    assert [(loc["commit"], loc["path"], loc["line"]) for loc in found["locations"]] == [
        (blob, "refs/tags/raw-key", 2)
    ]


def test_a_committed_key_also_under_a_tree_tag_lists_both(repo: GitRepo, tmp_path: Path) -> None:
    secret = token(1753)
    _, tree = key_objects(repo, secret)
    repo.write("deploy/config.py", f'\nXAI_KEY = "{secret}"\n')
    leak = repo.commit("add config", date="2025-02-01T09:00:00+00:00")
    repo.git("tag", "snapshot", tree)
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    found = finding(report, secret)
    assert found["reachable_from"] == [MAIN, "refs/tags/snapshot"]
    assert found["first_commit"]["sha"] == leak
    assert windows(found) == [(MAIN, leak, None)]
    assert [(loc["commit"], loc["path"]) for loc in found["locations"]] == [
        (leak, "deploy/config.py"),
        (tree, "deploy/config.py"),
    ]


def test_a_key_no_ref_reaches_is_still_dangling(repo: GitRepo, tmp_path: Path) -> None:
    """The control: the same objects without a tag."""
    secret = token(1754)
    key_objects(repo, secret)
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    found = finding(report, secret)
    assert found["reachable_from"] == []
    assert found["dangling"] is True


# --- item 14: which refs get windows ------------------------------------------------------


def test_all_branches_draws_a_window_on_a_branch_named_team_head(
    repo: GitRepo, tmp_path: Path
) -> None:
    team_secret, main_secret = token(1755), token(1757)
    repo.git("checkout", "-q", "-b", "team/HEAD")
    repo.write("team.py", f'XAI_KEY = "{team_secret}"\n')
    team = repo.commit("team key", date="2025-02-01T09:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.write("main.py", f'XAI_KEY = "{main_secret}"\n')
    main = repo.commit("main key", date="2025-02-02T09:00:00+00:00")

    code, report = scan(repo.path, tmp_path, "--no-cache", "--all-branches")
    assert code == 1
    assert windows(finding(report, team_secret)) == [("refs/heads/team/HEAD", team, None)]

    # A clone's refs/remotes/origin/HEAD is a symbolic ref naming origin's main: it gets no
    # windows of its own (they would repeat main's), its branches do.
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--no-local", str(repo.path), str(clone)],
        check=True,
        capture_output=True,
    )
    code, report = scan(clone, tmp_path, "--no-cache", "--all-branches")
    assert code == 1
    assert sorted(windows(finding(report, main_secret))) == [
        (MAIN, main, None),
        ("refs/remotes/origin/main", main, None),
    ]
    assert windows(finding(report, team_secret)) == [("refs/remotes/origin/team/HEAD", team, None)]
    assert "refs/remotes/origin/HEAD" in finding(report, main_secret)["reachable_from"]


# --- item 15: the earliest commit of a location --------------------------------------------


@pytest.mark.parametrize("same_time", [False, True])
def test_a_location_names_the_earliest_commit_with_the_key_there(
    tmp_path: Path, same_time: bool
) -> None:
    """`leak` adds the key on line 1; `edit` changes another line, so config.py is a new blob
    with the key at the same line and column. The location must name `leak`, also when
    `edit`'s id sorts first (tried until it does) and when both have the same commit time."""
    secret = token(1756)
    for attempt in itertools.count():
        repo = GitRepo(tmp_path / f"repo-{attempt}")
        repo.write("config.py", f'XAI_KEY = "{secret}"\n# v1\n')
        leak = repo.commit("add config", date="2025-02-01T09:00:00+00:00")
        repo.write("config.py", f'XAI_KEY = "{secret}"\n# v2 attempt {attempt}\n')
        later = "2025-02-01T09:00:00+00:00" if same_time else "2025-03-01T09:00:00+00:00"
        edit = repo.commit("edit config", date=later)
        if edit < leak:
            break
        assert attempt < 200
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    found = finding(report, secret)
    assert [(loc["commit"], loc["path"], loc["line"]) for loc in found["locations"]] == [
        (leak, "config.py", 1)
    ]
    assert found["first_commit"]["sha"] == leak

"""Nothing a repository holds can make git's answers about it wrong.

Each test builds a real repository with git, plants a key in HEAD, adds one hostile thing
(a file name, an author, an object git's porcelain refuses, a setting in `.git/config`, a
file under `.git`, a variable a hook exports) and scans through the command line. The key
must still be reported as it is: in HEAD, first committed where it was, open on main.
"""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from git_builders import (
    MAIN,
    GitRepo,
    finding,
    fingerprint,
    raw_commit,
    scan,
    token,
    windows,
)
from hostile_support import Run, finished, leakwindow

from scanner.cli.app import main
from scanner.git.log_parse import read_history

BASE_DATE = "2025-01-01T09:00:00+00:00"
LEAK_DATE = "2025-03-01T09:00:00+00:00"
LATER_DATE = "2025-04-01T09:00:00+00:00"


class Planted:
    """main: base (a README) -> leak (adds config.py with the key) -> later (edits README)."""

    def __init__(self, path: Path, seed: int = 1701) -> None:
        self.repo = GitRepo(path)
        self.secret = token(seed)
        self.repo.write("README", "hello\n")
        self.base = self.repo.commit("init", date=BASE_DATE)
        self.repo.write("config.py", f'XAI_KEY = "{self.secret}"\n')
        self.leak = self.repo.commit("add config", date=LEAK_DATE)
        self.repo.write("README", "hello again\n")
        self.later = self.repo.commit("edit readme", date=LATER_DATE)

    @property
    def path(self) -> Path:
        return self.repo.path


def assert_key_in_head(report: dict[str, Any], secret: str, leak: str) -> None:
    """The true answer for a key added at `leak` and never removed from main."""
    found = finding(report, secret)
    assert found["in_head"] is True
    assert found["dangling"] is False
    assert MAIN in found["reachable_from"]
    assert found["first_commit"]["sha"] == leak
    assert windows(found) == [(MAIN, leak, None)]


@pytest.fixture
def planted(tmp_path: Path) -> Planted:
    return Planted(tmp_path / "repo")


# --- item 1: bytes in names that looked like the parser's record markers ------------------


def forged_record(sha: str) -> str:
    """What the old parser took for the start of a commit's record: \\x01, a commit id, then
    five \\x02-separated header fields (the last an author)."""
    return "\x01" + sha + "\x02\x02" + "1735689600\x02x\x02x\x02forged"


def forging_base(path: Path) -> tuple[GitRepo, str, str]:
    """main with one commit, and another branch whose tip is newer (git lists it first)."""
    repo = GitRepo(path)
    repo.write("README", "hello\n")
    base = repo.commit("init", date=BASE_DATE)
    repo.git("checkout", "-q", "--orphan", "other")
    repo.git("rm", "-q", "-r", "--cached", ".")
    other = repo.commit("unrelated", date="2025-06-01T09:00:00+00:00")
    repo.git("checkout", "-q", "-f", "main")
    return repo, base, other


def add_forged_leak(repo: GitRepo, other: str, where: str, seed: int = 1702) -> tuple[str, str]:
    """Commit a key on main in a commit whose file name, author name or author e-mail holds
    a forged record naming `other`; the commit and the key."""
    secret = token(seed)
    repo.write("config.py", f'XAI_KEY = "{secret}"\n')
    forged = forged_record(other)
    env: dict[str, str] = {}
    if where == "path":
        repo.write(forged.encode(), "sorts before config.py\n")
    elif where == "author name":
        env["GIT_AUTHOR_NAME"] = "Eve" + forged
    else:
        env["GIT_AUTHOR_EMAIL"] = "eve" + forged + "@example.test"
    return repo.commit("add config", date=LEAK_DATE, **env), secret


def forging_repository(path: Path, where: str) -> tuple[GitRepo, str, str, str]:
    repo, base, other = forging_base(path)
    leak, secret = add_forged_leak(repo, other, where)
    return repo, base, leak, secret


@pytest.mark.parametrize("where", ["path", "author name", "author e-mail"])
def test_a_forged_record_in_a_name_hides_no_key_from_scan(tmp_path: Path, where: str) -> None:
    repo, _, leak, secret = forging_repository(tmp_path / "repo", where)
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, secret, leak)
    assert [loc["path"] for loc in finding(report, secret)["locations"]] == ["config.py"]


@pytest.mark.parametrize("where", ["path", "author name", "author e-mail"])
def test_a_forged_record_in_a_name_hides_no_key_from_a_cached_rescan(
    tmp_path: Path, where: str
) -> None:
    """The rescan parses only the new commits (read_commits_only): the same parser."""
    repo, _, other = forging_base(tmp_path / "repo")
    assert scan(repo.path, tmp_path)[0] == 0
    leak, secret = add_forged_leak(repo, other, where)
    code, report = scan(repo.path, tmp_path)
    assert code == 1
    assert_key_in_head(report, secret, leak)


@pytest.mark.parametrize("where", ["path", "author name", "author e-mail"])
def test_a_forged_record_in_a_name_hides_no_key_from_the_ci_range_scan(
    tmp_path: Path, where: str
) -> None:
    repo, base, leak, secret = forging_repository(tmp_path / "repo", where)
    code, report = scan(repo.path, tmp_path, "--no-cache", "--since", base)
    assert code == 1
    assert report["scan"]["mode"] == "range"
    assert finding(report, secret)["first_commit"]["sha"] == leak


@pytest.mark.parametrize("where", ["path", "author name", "author e-mail"])
def test_a_forged_record_in_a_name_hides_no_key_from_pre_push(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, leak, _ = forging_repository(tmp_path / "repo", where)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", leak)
    assert main(["pre-push", "origin", "--path", str(repo.path)]) == 1
    assert "config.py" in capsys.readouterr().err


def commit_with_key(repo: GitRepo, secret: str, commit: bytes, parent: str) -> str:
    """Write `commit` (whose tree must be filled in) with a tree that adds config.py."""
    blob = repo.write_object("blob", f'XAI_KEY = "{secret}"\n'.encode())
    readme = repo.rev(f"{parent}:README")
    tree = repo.tree(
        [("100644", "blob", blob, b"config.py"), ("100644", "blob", readme, b"README")]
    )
    return repo.write_object("commit", commit.replace(b"TREE", tree.encode()))


def test_a_nul_inside_the_author_line_hides_nothing_and_dates_come_from_the_object(
    tmp_path: Path,
) -> None:
    """git cannot format an ident holding a NUL (it prints "%aI" as is): the commit is read
    from the object database instead of taking that text for a date."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("README", "hello\n")
    base = repo.commit("init", date=BASE_DATE)
    secret = token(1703)
    raw = raw_commit(
        "TREE",
        [base],
        author=b"Ev\0il <e\0x@example.test> 1740819600 +0000",
        committer=b"Dana Developer <dana@example.test> 1740819600 +0000",
    )
    leak = commit_with_key(repo, secret, raw, base)
    repo.git("update-ref", "refs/heads/main", leak)
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, secret, leak)
    first = finding(report, secret)["first_commit"]
    assert first["committed_at"] == first["authored_at"] == "2025-03-01T09:00:00+00:00"
    assert first["author"].startswith("Ev")


def test_a_commit_that_declares_utf16_hides_nothing(tmp_path: Path) -> None:
    """git re-encodes such a commit to UTF-8 before formatting it, which garbles its header
    (no author, no dates in git's output); the parser must neither crash nor guess."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("README", "hello\n")
    base = repo.commit("init", date=BASE_DATE)
    secret = token(1704)
    for padding in range(4):  # a buffer iconv accepts as UTF-16LE: even length, no odd halves
        raw = raw_commit(
            "TREE" + "0" * 36,
            [base],
            author=b"Dana Developer <dana@example.test> 1740819600 +0000",
            committer=b"Dana Developer <dana@example.test> 1740819600 +0000",
            extra_headers=b"encoding UTF-16LE\n",
            message=b"m" * padding + b"sg\n",
        )
        try:
            raw.decode("utf-16-le")
        except UnicodeDecodeError:
            continue
        break
    else:
        pytest.fail("no padding made a valid UTF-16LE buffer")
    leak = commit_with_key(repo, secret, raw.replace(b"TREE" + b"0" * 36, b"TREE"), base)
    assert repo.git("log", "-1", "--format=%ct", leak) == ""  # git cannot format its date
    repo.git("update-ref", "refs/heads/main", leak)
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, secret, leak)
    assert finding(report, secret)["first_commit"]["committed_at"] == "2025-03-01T09:00:00+00:00"


# --- item 4: repository-controlled git state ----------------------------------------------


def test_the_planted_repository_reads_true_without_tampering(
    planted: Planted, tmp_path: Path
) -> None:
    """The reference answer the tampered copies below must still give."""
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)


def test_a_graft_file_cannot_rewrite_parents(planted: Planted, tmp_path: Path) -> None:
    """`info/grafts` making `later` a child of `base` would move the key's first commit and
    the opening of its window to `later` (fewer days exposed)."""
    (planted.path / ".git" / "info").mkdir(exist_ok=True)
    (planted.path / ".git" / "info" / "grafts").write_text(f"{planted.later} {planted.base}\n")
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)


def test_a_graft_file_exported_by_a_hook_cannot_rewrite_parents(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grafts = tmp_path / "grafts"
    grafts.write_text(f"{planted.later} {planted.base}\n")
    monkeypatch.setenv("GIT_GRAFT_FILE", str(grafts))
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)


def test_a_shallow_file_exported_by_a_hook_cannot_cut_parents(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shallow = tmp_path / "shallow"
    shallow.write_text(f"{planted.later}\n")
    monkeypatch.setenv("GIT_SHALLOW_FILE", str(shallow))
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)
    assert report["scan"]["shallow_boundary"] == []


def forge_commit_graph(repo: GitRepo, commit: str, tree: str) -> None:
    """Write a commit-graph file, then make it say that `commit` has `tree` as its root."""
    repo.git("commit-graph", "write", "--reachable")
    graph = repo.path / ".git" / "objects" / "info" / "commit-graph"
    data = bytearray(graph.read_bytes())
    assert data[:4] == b"CGPH"
    chunks = {
        bytes(data[8 + 12 * i : 12 + 12 * i]): struct.unpack(">Q", data[12 + 12 * i : 20 + 12 * i])[
            0
        ]
        for i in range(data[6] + 1)
    }
    ids, commit_data = chunks[b"OIDL"], chunks[b"CDAT"]
    listed = [
        bytes(data[ids + 20 * i : ids + 20 * i + 20]).hex()
        for i in range((commit_data - ids) // 20)
    ]
    at = commit_data + 36 * listed.index(commit)  # per commit: root tree, 2 parents, date
    data[at : at + 20] = bytes.fromhex(tree)
    graph.chmod(0o644)
    graph.write_bytes(data)
    assert repo.git("log", "-1", "--format=%T", commit) == tree  # git believes it


def test_a_forged_commit_graph_cannot_remove_a_key_from_head(
    planted: Planted, tmp_path: Path
) -> None:
    forge_commit_graph(planted.repo, planted.later, planted.repo.rev(f"{planted.base}^{{tree}}"))
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)


@pytest.mark.parametrize("base", ["refs/replace/", "refs/swap/"])
def test_a_replaced_commit_cannot_remove_a_key_from_head(
    planted: Planted, tmp_path: Path, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replace ref (with `core.useReplaceRefs=true`, which beat GIT_NO_REPLACE_OBJECTS)
    swaps HEAD for a commit without the key; a hook may move the replace refs elsewhere."""
    repo = planted.repo
    stand_in = repo.git(
        "commit-tree", "-p", planted.leak, "-m", "stand-in", f"{planted.base}^{{tree}}"
    )
    repo.git("update-ref", f"{base}{planted.later}", stand_in)
    repo.git("config", "core.useReplaceRefs", "true")
    monkeypatch.setenv("GIT_REPLACE_REF_BASE", base)
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)


def test_a_replaced_blob_cannot_hide_a_key(planted: Planted, tmp_path: Path) -> None:
    repo = planted.repo
    key_blob = repo.rev(f"{planted.leak}:config.py")
    harmless = repo.write_object("blob", b"XAI_KEY = None\n")
    repo.git("replace", key_blob, harmless)
    repo.git("config", "core.useReplaceRefs", "true")
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)


def test_a_log_output_encoding_in_the_config_changes_nothing(
    planted: Planted, tmp_path: Path
) -> None:
    planted.repo.git("config", "i18n.logOutputEncoding", "UTF-16LE")
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)
    # Read from git log's output, not rebuilt object by object because it was unreadable.
    assert not read_history(planted.path, [planted.later]).salvaged


def test_a_config_hiding_submodule_changes_hides_no_gitlink(
    planted: Planted, tmp_path: Path
) -> None:
    """`diff.ignoreSubmodules=all` drops gitlinks from git log's diffs: a submodule added
    later must still be listed as not followed."""
    repo = planted.repo
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{planted.base},vendor/lib")
    repo.git("commit", "-q", "-m", "add a submodule", date="2025-05-01T09:00:00+00:00")
    repo.git("config", "diff.ignoreSubmodules", "all")
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert report["scan"]["gitlinks"] == ["vendor/lib"]


def run_with_timeout(argv: list[str], timeout: float) -> Run:
    """A scan in a child process (same interpreter, same `scanner` package), given up on and
    killed after `timeout` seconds (which fails the test)."""
    return finished(leakwindow(*argv, seconds=timeout))


@pytest.mark.parametrize("setting", ["diff.orderFile", "mailmap.file"])
def test_files_named_by_the_config_are_not_read(
    planted: Planted, tmp_path: Path, setting: str
) -> None:
    """A FIFO outside the repository: git would block opening it, for ever."""
    fifo = tmp_path / "outside-fifo"
    os.mkfifo(fifo)
    planted.repo.git("config", setting, str(fifo))
    done = run_with_timeout(
        ["scan", str(planted.path), "--no-cache", "-f", "json", "--as-of", "2025-12-31T00:00:00Z"],
        timeout=60,
    )
    assert done.code == 1, done.stderr
    assert fingerprint(planted.secret) in done.stdout


def test_a_core_worktree_naming_a_parent_directory_is_not_the_worktree(
    planted: Planted, tmp_path: Path
) -> None:
    """A tarball unpacked in the user's home whose `.git/config` names the home as its work
    tree: the home's `.leakwindow.toml` (here one excluding every path) must not decide the
    scan, and `baseline create` must not write into the home."""
    (tmp_path / ".leakwindow.toml").write_text('[paths]\nexclude = ["**"]\n')
    planted.repo.git("config", "core.worktree", str(tmp_path))
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)
    assert main(["baseline", "create", str(planted.path)]) == 0
    assert not (tmp_path / ".leakwindow-baseline.json").exists()
    assert (planted.path / ".leakwindow-baseline.json").is_file()


def test_a_core_worktree_naming_another_repository_does_not_move_the_scan(
    planted: Planted, tmp_path: Path
) -> None:
    """A tarball's `.git/config` naming a clean repository's work tree as its own: git run
    in that work tree would read the clean repository's objects and refs."""
    decoy = GitRepo(tmp_path / "decoy")
    decoy.commit("nothing to see", date=BASE_DATE)
    planted.repo.git("config", "core.worktree", str(decoy.path))
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert report["scan"]["head"]["sha"] == planted.later
    assert_key_in_head(report, planted.secret, planted.leak)


def test_an_object_directory_exported_by_a_hook_is_ignored(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = GitRepo(tmp_path / "elsewhere")
    elsewhere.commit("unrelated", date=BASE_DATE)
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(elsewhere.path / ".git" / "objects"))
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)


def test_alternate_object_directories_exported_by_a_hook_are_ignored(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Objects of another repository (its own key among them) are not this one's."""
    elsewhere = GitRepo(tmp_path / "elsewhere")
    foreign = token(1705)
    elsewhere.write("other.py", f'XAI_KEY = "{foreign}"\n')
    elsewhere.commit("foreign key", date=BASE_DATE)
    monkeypatch.setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", str(elsewhere.path / ".git" / "objects"))
    code, report = scan(planted.path, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)
    assert fingerprint(foreign) not in {f["fingerprint"] for f in report["findings"]}
    assert report["scan"]["alternates"] == []


def test_objects_borrowed_from_an_alternate_are_scanned_and_reported(
    planted: Planted, tmp_path: Path
) -> None:
    """`git clone --shared`: every object lives in the source repository. That is legitimate,
    so it is scanned as this repository's, and the report says where the objects came from."""
    clone = tmp_path / "shared"
    subprocess.run(
        ["git", "clone", "-q", "--shared", str(planted.path), str(clone)],
        check=True,
        capture_output=True,
    )
    assert not any((clone / ".git" / "objects" / "pack").iterdir())
    code, report = scan(clone, tmp_path, "--no-cache")
    assert code == 1
    assert_key_in_head(report, planted.secret, planted.leak)
    assert report["scan"]["alternates"] == [str(planted.path / ".git" / "objects")]


def test_broken_refs_are_reported_even_when_a_hook_says_ignore_them(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIT_REF_PARANOIA=0 makes git skip refs naming missing objects without a word."""
    ghost = planted.path / ".git" / "refs" / "heads" / "ghost"
    ghost.write_text("0123456789abcdef0123456789abcdef01234567\n")
    monkeypatch.setenv("GIT_REF_PARANOIA", "0")
    code, report = scan(planted.path, tmp_path, "--no-cache", "--fail-on", "critical")
    assert code == 1
    assert report["scan"]["stats"]["refs_unreadable"] == 1
    assert any("refs/heads/ghost" in reason for reason in report["scan"]["incomplete"])


def test_a_rescan_from_the_saved_history_still_names_the_alternates(
    planted: Planted, tmp_path: Path
) -> None:
    """The second scan draws other windows (--all-branches), so it answers from the saved
    history, not the saved result: it must say where objects come from just as the first."""
    clone = tmp_path / "shared"
    subprocess.run(
        ["git", "clone", "-q", "--shared", str(planted.path), str(clone)],
        check=True,
        capture_output=True,
    )
    first_code, first = scan(clone, tmp_path)
    second_code, second = scan(clone, tmp_path, "--all-branches")
    assert (first_code, second_code) == (1, 1)
    assert second["scan"]["cache"] == "saved history"
    assert first["scan"]["alternates"] == second["scan"]["alternates"]
    assert second["scan"]["alternates"] == [str(planted.path / ".git" / "objects")]

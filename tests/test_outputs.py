"""Nothing in a scanned repository can make leakwindow write outside the file it was asked
to write: reports, baselines and hooks are created fresh and
renamed into place, never written through a link the repository planted.

Each test builds the attack a pull request or a tarball could carry, with git itself, and
runs the command as a user (or the README's CI job) would.
"""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
from pathlib import Path

import pytest
from hostile_support import (
    error_line,
    plain_git,  # noqa: F401  (autouse: no user git configuration)
)

from scanner.cli.app import main
from scanner.demo import make_token

TOKEN = make_token("xai", random.Random("test-outputs"))
VICTIM_TEXT = "# the user's own file\nexport PATH=$HOME/bin:$PATH\n"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def pull_request(tmp_path: Path, links: dict[str, Path]) -> Path:
    """A checked-out repository holding a key and the committed symlinks `links`."""
    repo = tmp_path / "checkout"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "settings.py").write_text(f'XAI_API_KEY = "{TOKEN}"\n')
    for name, target in links.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).symlink_to(target)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a pull request")
    return repo


def victim(tmp_path: Path, name: str = "bashrc") -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    path = home / name
    path.write_text(VICTIM_TEXT)
    return path


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    return error_line(capsys.readouterr().err)


# --- reports -------------------------------------------------------------------------------


def test_the_ci_command_does_not_write_through_a_committed_report_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's CI step, `leakwindow scan . --since … -f sarif -o results.sarif`, in a
    checkout whose pull request committed `results.sarif -> ~/.bashrc`."""
    bashrc = victim(tmp_path)
    repo = pull_request(tmp_path, {"results.sarif": bashrc})
    monkeypatch.chdir(repo)
    code = main(["scan", ".", "--since", "HEAD~0", "-f", "sarif", "-o", "results.sarif", "-q"])
    assert code == 2
    line = one_error_line(capsys)
    assert "refusing to write report results.sarif: it is a symbolic link" in line
    assert bashrc.read_text() == VICTIM_TEXT
    assert (repo / "results.sarif").is_symlink()


def test_a_report_is_not_written_through_a_linked_directory_in_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "home" / "bin"
    outside.mkdir(parents=True)
    repo = pull_request(tmp_path, {"reports": outside})
    code = main(["scan", str(repo), "-f", "json", "-o", str(repo / "reports" / "ls"), "-q"])
    assert code == 2
    assert "is a symbolic link inside the scanned repository" in one_error_line(capsys)
    assert list(outside.iterdir()) == []


def test_a_repository_reached_through_the_users_own_link_is_still_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The user's link to the checkout is followed; a link inside the checkout is not."""
    outside = tmp_path / "home" / "bin"
    outside.mkdir(parents=True)
    repo = pull_request(tmp_path, {"out": outside})
    mine = tmp_path / "my-link"
    mine.symlink_to(repo)
    code = main(["scan", str(mine), "-f", "json", "-o", str(mine / "out" / "r.json"), "-q"])
    assert code == 2
    assert "symbolic link inside the scanned repository" in one_error_line(capsys)
    assert list(outside.iterdir()) == []
    # Through the user's own link, to a real directory of the repository: written.
    (repo / "reports").mkdir()
    assert main(["scan", str(mine), "-f", "json", "-o", str(mine / "reports" / "r.json")]) == 1
    assert json.loads((repo / "reports" / "r.json").read_text())["findings"]


def test_a_report_replaces_a_file_someone_else_made_instead_of_writing_into_it(
    tmp_path: Path,
) -> None:
    """Mode 0600 used to be a chmod of whatever file was there: a file created beforehand by
    another user (here: one with a second name, and on a root run another owner) kept its
    inode and owner, and the other name received the report."""
    repo = pull_request(tmp_path, {})
    report = tmp_path / "report.json"
    report.write_text("planted\n")
    os.chmod(report, 0o666)
    other_name = tmp_path / "watcher"
    os.link(report, other_name)
    if os.geteuid() == 0:
        os.chown(report, 65534, 65534)
    before = os.stat(report).st_ino
    assert main(["scan", str(repo), "-f", "json", "-o", str(report), "-q"]) == 1
    after = os.stat(report)
    assert after.st_ino != before
    assert stat.S_IMODE(after.st_mode) == 0o600
    assert after.st_uid == os.geteuid()
    assert other_name.read_text() == "planted\n"
    assert json.loads(report.read_text())["findings"]


def test_a_dash_output_is_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = pull_request(tmp_path, {})
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(repo), "-f", "json", "-o", "-", "-q"]) == 1
    assert json.loads(capsys.readouterr().out)["findings"]
    assert not (tmp_path / "-").exists()


def test_report_command_does_not_write_through_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = pull_request(tmp_path, {})
    saved = tmp_path / "saved.json"
    assert main(["scan", str(repo), "-f", "json", "-o", str(saved), "-q"]) == 1
    capsys.readouterr()  # the scan's own line (what it wrote where)
    bashrc = victim(tmp_path)
    link = tmp_path / "report.html"
    link.symlink_to(bashrc)
    assert main(["report", str(saved), "-f", "html", "-o", str(link)]) == 2
    assert "it is a symbolic link" in one_error_line(capsys)
    assert bashrc.read_text() == VICTIM_TEXT


# --- baselines ------------------------------------------------------------------------------


def test_baseline_create_does_not_write_through_a_committed_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bashrc = victim(tmp_path)
    repo = pull_request(tmp_path, {".leakwindow-baseline.json": bashrc})
    assert main(["baseline", "create", str(repo)]) == 2
    assert "refusing to write baseline" in one_error_line(capsys)
    assert bashrc.read_text() == VICTIM_TEXT


def test_baseline_create_writes_a_fresh_private_file(tmp_path: Path) -> None:
    repo = pull_request(tmp_path, {})
    target = repo / ".leakwindow-baseline.json"
    target.write_text("{}")
    other_name = tmp_path / "watcher"
    os.link(target, other_name)
    assert main(["baseline", "create", str(repo)]) == 0
    assert json.loads(target.read_text())["secrets"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert other_name.read_text() == "{}"
    assert main(["scan", str(repo), "-q", "-f", "json", "-o", str(tmp_path / "r.json")]) == 0


# --- install-hook ---------------------------------------------------------------------------


def test_install_hook_refuses_a_hooks_path_that_the_repository_points_outside_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tarball's `.git/config` says `core.hooksPath = ~/.config/autostart`: leakwindow
    must not put an executable there."""
    elsewhere = tmp_path / "home" / "autostart"
    elsewhere.mkdir(parents=True)
    repo = pull_request(tmp_path, {})
    git(repo, "config", "core.hooksPath", str(elsewhere))
    assert main(["install-hook", str(repo)]) == 2
    line = one_error_line(capsys)
    assert "core.hooksPath from the repository's own (local) config points outside" in line
    assert list(elsewhere.iterdir()) == []
    git(repo, "config", "core.hooksPath", "../home/autostart")  # relative: the same place
    assert main(["install-hook", str(repo)]) == 2
    assert "points outside the repository" in one_error_line(capsys)
    assert list(elsewhere.iterdir()) == []


def test_install_hook_follows_a_hooks_path_from_the_users_global_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "home" / "git-hooks"
    glob = tmp_path / "global.gitconfig"
    glob.write_text(f"[core]\n\thooksPath = {shared}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(glob))
    repo = pull_request(tmp_path, {})
    assert main(["install-hook", str(repo)]) == 0
    assert "core.hooksPath from global config" in capsys.readouterr().out
    assert os.access(shared / "pre-commit", os.X_OK)


def test_install_hook_refuses_a_hooks_directory_that_is_a_link_in_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "home" / "bin"
    elsewhere.mkdir(parents=True)
    repo = pull_request(tmp_path, {".githooks": elsewhere})
    git(repo, "config", "core.hooksPath", ".githooks")
    assert main(["install-hook", str(repo)]) == 2
    assert "symbolic link" in one_error_line(capsys)
    assert list(elsewhere.iterdir()) == []


def test_install_hook_does_not_write_through_a_planted_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The old installer wrote `.pre-commit.leakwindow-tmp` with a plain open(): a tarball's
    link of that name made it write (and chmod +x) any file of the user's."""
    bashrc = victim(tmp_path)
    repo = pull_request(tmp_path, {})
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / ".pre-commit.leakwindow-tmp").symlink_to(bashrc)
    assert main(["install-hook", str(repo)]) == 0
    assert bashrc.read_text() == VICTIM_TEXT
    assert stat.S_IMODE(bashrc.stat().st_mode) & 0o111 == 0
    hook = hooks / "pre-commit"
    assert not hook.is_symlink() and os.access(hook, os.X_OK)
    assert "leakwindow-hook" in hook.read_text()


def test_install_hook_treats_a_linked_hook_as_foreign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A planted `pre-commit -> ~/.bashrc` is not read as leakwindow's own hook, and with
    --force the link itself is moved aside: its target is never written."""
    bashrc = victim(tmp_path)
    bashrc.write_text(VICTIM_TEXT + "# leakwindow-hook\n")
    repo = pull_request(tmp_path, {})
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-commit").symlink_to(bashrc)
    assert main(["install-hook", str(repo)]) == 2
    assert "--force" in one_error_line(capsys)
    assert main(["install-hook", str(repo), "--force"]) == 0
    assert bashrc.read_text() == VICTIM_TEXT + "# leakwindow-hook\n"
    assert (hooks / "pre-commit.leakwindow-backup").is_symlink()
    assert not (hooks / "pre-commit").is_symlink()

"""Scanning a hostile repository runs none of its code.

The repository's own `.git/config` points every setting git could execute at a script that
leaves a canary file behind. A control test proves the canaries are live (plain git runs
them); the scanner's history, range and staged scans must leave no canary, and must still
find the planted secrets.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from git_builders import git_env

from scanner.cli.app import main
from scanner.demo import make_token
from scanner.git.process import run_git_completed

AS_OF = "2025-12-31T00:00:00+00:00"
# Every executable hook a repository's config can plant, by the canary name it leaves.
_CANARIES = (
    "fsmonitor",
    "hook",
    "diff-external",
    "diff-command",
    "textconv",
    "clean",
    "smudge",
    "process",
    "pager",
    "ssh",
    "gpg",
    "editor",
    "askpass",
    "credential",
    "included",
    "uploadpack",
    "ext-transport",
)


@dataclass(frozen=True)
class Hostile:
    repo: Path
    canaries: Path
    committed: str  # secret in history
    staged: str  # secret only in the index


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """git without the caller's GIT_* variables (GIT_DIR and friends a test exports are for
    the scanner) and without any user or system configuration."""
    return subprocess.run(["git", *args], cwd=repo, env=git_env(), capture_output=True, check=check)


def _canary_script(scripts: Path, canaries: Path, name: str) -> Path:
    script = scripts / name
    script.write_text(f"#!/bin/sh\ntouch '{canaries / name}'\nexit 0\n")
    script.chmod(0o755)
    return script


def _hostile_config(scripts: Path, canaries: Path, hooks: Path, included: Path) -> str:
    def run(name: str) -> str:
        return str(_canary_script(scripts, canaries, name))

    ext_url = f"ext::sh -c touch% {canaries / 'ext-transport'}"
    return f"""
[core]
\tfsmonitor = {run("fsmonitor")}
\thooksPath = {hooks}
\tpager = {run("pager")}
\tsshCommand = {run("ssh")}
\teditor = {run("editor")}
\taskPass = {run("askpass")}
[sequence]
\teditor = {run("editor")}
[diff]
\texternal = {run("diff-external")}
[diff "evil"]
\ttextconv = {run("textconv")}
\tcommand = {run("diff-command")}
[filter "evil"]
\tclean = {run("clean")}
\tsmudge = {run("smudge")}
\tprocess = {run("process")}
\trequired = true
[pager]
\tlog = {run("pager")}
\tdiff = {run("pager")}
[log]
\tshowSignature = true
[gpg]
\tprogram = {run("gpg")}
[credential]
\thelper = !{run("credential")}
[protocol]
\tallow = always
[protocol "file"]
\tallow = always
[protocol "ext"]
\tallow = always
[remote "origin"]
\turl = ssh://git.example.invalid/repo.git
\tuploadpack = {run("uploadpack")}
[remote "ext"]
\turl = {ext_url}
[include]
\tpath = {included}
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Hostile:
    repo, scripts, canaries, hooks = (tmp_path / name for name in ("repo", "s", "c", "hooks"))
    for folder in (repo, scripts, canaries, hooks):
        folder.mkdir()
    rng = random.Random(6001)
    committed, staged = make_token("xai", rng), make_token("xai", rng)
    _git(repo, "init", "-q", "-b", "main", "--template=")
    (repo / ".gitattributes").write_text("* diff=evil filter=evil\n")
    (repo / "settings.py").write_text(f'XAI_API_KEY = "{committed}"\n')
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "settings")
    # A commit that claims a signature: `log --show-signature` would hand it to gpg.program.
    raw = _git(repo, "cat-file", "commit", "HEAD").stdout.decode()
    header, _, message = raw.partition("\n\n")
    signature = "gpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----"
    signed = f"{header}\n{signature}\n\n{message}".encode()
    made = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=repo,
        input=signed,
        capture_output=True,
        check=True,
        env=git_env(),
    )
    _git(repo, "update-ref", "refs/heads/main", made.stdout.decode().strip())
    (repo / "notes.txt").write_text("nothing to see\n")
    _git(repo, "add", "notes.txt")
    _git(repo, "commit", "-qm", "notes")
    (repo / "staged.py").write_text(f'TOKEN = "{staged}"\n')
    _git(repo, "add", "staged.py")
    # Only now turn hostile: setting the repository up ran git commands of our own.
    for hook in ("pre-commit", "post-checkout", "post-index-change", "reference-transaction"):
        _canary_script(hooks, canaries, "hook").rename(hooks / hook)
    included = tmp_path / "included.cfg"
    included.write_text(f"[core]\n\tfsmonitor = {_canary_script(scripts, canaries, 'included')}\n")
    with (repo / ".git" / "config").open("a") as config:
        config.write(_hostile_config(scripts, canaries, hooks, included))
    return Hostile(repo, canaries, committed, staged)


def _fired(hostile: Hostile) -> set[str]:
    return {path.name for path in hostile.canaries.iterdir()}


def test_the_canaries_are_live(hostile: Hostile) -> None:
    """Control: plain git, in this repository, runs the planted programs."""
    repo = hostile.repo
    _git(repo, "status", check=False)  # fsmonitor (from the include), the process filter
    # A failing `required` process filter stops git early; remove it for the rest.
    _git(repo, "config", "--unset", "filter.evil.process")
    _git(repo, "config", "--unset", "filter.evil.required")
    (repo / "notes.txt").write_text("changed\n")
    _git(repo, "diff", check=False)  # the clean filter (worktree side), the external diff
    _git(repo, "log", "-p", "-2", check=False)  # textconv
    _git(repo, "log", "-1", "HEAD~1", check=False)  # log.showSignature → gpg.program
    _git(repo, "fetch", "origin", check=False)  # core.sshCommand
    _git(repo, "fetch", "ext", check=False)  # an ext:: transport command
    _git(repo, "commit", "--allow-empty", "-qm", "x", check=False)  # hooks
    fired = _fired(hostile)
    expected = {"included", "process", "clean", "hook", "textconv", "gpg", "ssh", "ext-transport"}
    assert expected <= fired, f"canaries that did not fire: {sorted(expected - fired)}"
    assert fired & {"diff-command", "diff-external"}  # the driver's command wins in newer git


@pytest.mark.parametrize(
    "extra",
    [[], ["--since", "HEAD~1"], ["--all-branches", "--format", "text"]],
    ids=["history", "range", "text"],
)
def test_history_scans_run_nothing(
    hostile: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    out = tmp_path / "report"
    args = ["scan", str(hostile.repo), "--as-of", AS_OF, "--output", str(out)]
    code = main([*args, *(extra or ["--format", "json"])])
    assert _fired(hostile) == set()
    assert code in (0, 1), capsys.readouterr().err
    if not extra:
        report = json.loads(out.read_text())
        assert code == 1
        by_state = {(f["in_head"], f["dangling"]) for f in report["findings"]}
        # the committed key is in HEAD; the staged one is a blob no commit holds yet
        assert by_state == {(True, False), (False, True)}
        assert report["scan"]["head"]["ref"] == "refs/heads/main"


def test_staged_scan_runs_nothing(hostile: Hostile, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staged", str(hostile.repo)]) == 1
    assert "staged.py:1:" in capsys.readouterr().err
    assert _fired(hostile) == set()


def test_staged_json_scan_runs_nothing(
    hostile: Hostile, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staged", str(hostile.repo), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [f["locations"][0]["path"] for f in report["findings"]] == ["staged.py"]
    assert _fired(hostile) == set()


def test_promisor_remote_is_never_contacted_even_without_git_no_lazy_fetch(
    hostile: Hostile,
) -> None:
    """Defence in depth for git releases that ignore GIT_NO_LAZY_FETCH.

    The repository claims to be a partial clone whose promisor remote is an `ext::` command
    and allows that transport. Asking for a missing object with lazy fetching switched back
    on still cannot reach the remote: scanner.git.process refuses every transport.
    """
    repo = hostile.repo
    _git(repo, "config", "core.repositoryFormatVersion", "1")
    _git(repo, "config", "extensions.partialClone", "ext")
    _git(repo, "config", "remote.ext.promisor", "true")
    missing = "0123456789abcdef0123456789abcdef01234567"
    plain = _git(repo, "cat-file", "-p", missing, check=False)
    assert plain.returncode != 0
    assert "ext-transport" in _fired(hostile), "control: plain git lazily fetches via ext::"
    (hostile.canaries / "ext-transport").unlink()
    ours = run_git_completed(["cat-file", "-p", missing], repo, env={"GIT_NO_LAZY_FETCH": "0"})
    assert ours.returncode != 0
    assert _fired(hostile) == set()


def test_hook_environment_does_not_redirect_the_scan(
    hostile: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIT_DIR / GIT_WORK_TREE (set inside git hooks) never beat the path on the command line."""
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    _git(decoy, "init", "-q", "-b", "trunk", "--template=")
    (decoy / "a.txt").write_text("clean\n")
    _git(decoy, "add", ".")
    _git(decoy, "commit", "-qm", "decoy")
    monkeypatch.setenv("GIT_DIR", str(decoy / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(decoy))
    expected_head = _git(hostile.repo, "rev-parse", "HEAD").stdout.decode().strip()
    for target in (hostile.repo, hostile.repo / ".git", hostile.repo / "settings.py"):
        out = tmp_path / f"report-{target.name}.json"
        args = ["scan", str(target), "-f", "json", "-o", str(out), "--as-of", AS_OF]
        assert main(args) == 1, target
        report = json.loads(out.read_text())
        assert report["scan"]["head"] == {"ref": "refs/heads/main", "sha": expected_head}
    assert main(["staged", str(hostile.repo)]) == 1
    assert _fired(hostile) == set()


def test_pre_commit_hook_blocks_a_commit_made_with_git_dir_and_work_tree(tmp_path: Path) -> None:
    """A real hook run by `git --git-dir --work-tree commit -a` from elsewhere (git exports
    GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE to it) scans the repository being committed."""
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    elsewhere.mkdir()
    _git(repo, "init", "-q", "-b", "main", "--template=")
    (repo / "app.py").write_text("print('hello')\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "app")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    entry = "import sys; from scanner.cli.staged_command import main; sys.exit(main(sys.argv[1:]))"
    hook.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{entry}" .\n')
    hook.chmod(0o755)
    token = make_token("xai", random.Random(6002))
    (repo / "app.py").write_text(f'print("hello")\nKEY = "{token}"\n')
    outside = ["--git-dir", str(repo / ".git"), "--work-tree", str(repo)]
    blocked = _git(elsewhere, *outside, "commit", "-a", "-qm", "leak", check=False)
    assert blocked.returncode != 0
    assert b"app.py:2:" in blocked.stderr
    assert token.encode() not in blocked.stderr + blocked.stdout
    (repo / "app.py").write_text("print('hello again')\n")
    allowed = _git(elsewhere, *outside, "commit", "-a", "-qm", "fine", check=False)
    assert allowed.returncode == 0, allowed.stderr

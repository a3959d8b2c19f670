"""Hooks end to end: the real pre-commit framework, and the plain git hooks of `install-hook`.

Every test drives real `git commit` / `git push` in throwaway repositories (pushing to a local
bare remote), so what is checked is what a developer sees.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scanner.cli.app import main as cli_main
from scanner.cli.hook_commands import BACKUP_SUFFIX, HOOK_MARKER
from scanner.demo import make_token
from scanner.demo.tokens import github_checksum_is_valid
from scanner.hooks.prepush import run_pre_push

PROJECT = Path(__file__).resolve().parents[2]
LEAKWINDOW = Path(sys.executable).absolute().parent / "leakwindow"
XAI = make_token("xai", random.Random("test-precommit:xai"))
XAI_2 = make_token("xai", random.Random("test-precommit:xai:2"))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A git environment without the user's configuration, hooks or pre-commit cache.
    leakwindow's own cache is the test run's (tests/conftest.py), never the user's: the hooks
    load the rule pack and its Hyperscan database compiled once per run."""
    home = tmp_path_factory.mktemp("home")
    empty = home / "empty.gitconfig"
    empty.write_text("")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(empty),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "PRE_COMMIT_HOME": str(home / "pre-commit-home"),
    }


def git(
    repo: Path, env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"git {args} failed:\n{done.stdout}\n{done.stderr}")
    return done


def write(repo: Path, name: str, text: str) -> None:
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


@pytest.fixture(scope="module")
def plain_template(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """`work/`, a repository with one clean commit already pushed to its sibling `remote.git`
    (a relative remote URL, so that a copy of the pair keeps working)."""
    root = tmp_path_factory.mktemp("plain")
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", "main", str(root / "remote.git")], env=env, check=True
    )
    repo = root / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], env=env, check=True)
    write(repo, "README.md", "demo\n")
    git(repo, env, "add", ".")
    git(repo, env, "commit", "-q", "-m", "initial")
    git(repo, env, "remote", "add", "origin", "../remote.git")
    git(repo, env, "push", "-q", "origin", "main")
    return root


@pytest.fixture(scope="module")
def framework_template(
    tmp_path_factory: pytest.TempPathFactory, plain_template: Path, env: dict[str, str]
) -> Path:
    """The same pair with this project's hooks installed through the pre-commit framework."""
    root = tmp_path_factory.mktemp("framework") / "pair"
    shutil.copytree(plain_template, root, symlinks=True)
    work = root / "work"
    write(work, ".pre-commit-config.yaml", local_hooks_config())
    git(work, env, "add", ".pre-commit-config.yaml")
    git(work, env, "commit", "-q", "-m", "add pre-commit config")
    git(work, env, "push", "-q", "origin", "main")
    install = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install", "-t", "pre-commit", "-t", "pre-push"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return root


@pytest.fixture
def pair(tmp_path: Path, plain_template: Path) -> Path:
    shutil.copytree(plain_template, tmp_path / "pair", symlinks=True)
    return tmp_path / "pair"


@pytest.fixture
def work(pair: Path) -> Path:
    return pair / "work"


@pytest.fixture
def remote(pair: Path) -> Path:
    return pair / "remote.git"


@pytest.fixture
def framework_pair(tmp_path: Path, framework_template: Path) -> Path:
    shutil.copytree(framework_template, tmp_path / "pair", symlinks=True)
    return tmp_path / "pair"


@pytest.fixture
def framework_repo(framework_pair: Path) -> Path:
    return framework_pair / "work"


@pytest.fixture
def framework_remote(framework_pair: Path) -> Path:
    return framework_pair / "remote.git"


def remote_tip(remote: Path, env: dict[str, str], branch: str) -> str:
    done = git(remote, env, "rev-parse", "-q", "--verify", f"refs/heads/{branch}", check=False)
    return done.stdout.strip()


def commit_count(repo: Path, env: dict[str, str]) -> int:
    return int(git(repo, env, "rev-list", "--count", "HEAD").stdout)


def assert_redacted(output: str) -> None:
    assert XAI not in output
    assert XAI_2 not in output


# --- the pre-commit framework ------------------------------------------------------------


def local_hooks_config() -> str:
    """This repository's own hooks as a `repo: local` config: same ids, stages and entries,
    with `language: system` and the test interpreter's `leakwindow` (no network, no venv build).
    """
    manifest = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    hooks = []
    for hook in manifest:
        program, _, arguments = hook["entry"].partition(" ")
        assert program == "leakwindow"
        hooks.append({**hook, "language": "system", "entry": f"{LEAKWINDOW} {arguments}"})
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def test_the_manifest_is_valid_and_declares_both_hooks() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = {
        hook["id"]: hook
        for hook in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    }
    assert manifest["leakwindow"]["entry"] == "leakwindow staged"
    assert manifest["leakwindow"]["stages"] == ["pre-commit"]
    assert manifest["leakwindow-push"]["entry"] == "leakwindow pre-push"
    assert manifest["leakwindow-push"]["stages"] == ["pre-push"]
    for hook in manifest.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False


def test_framework_blocks_a_commit_that_stages_a_key(
    framework_repo: Path, env: dict[str, str]
) -> None:
    before = commit_count(framework_repo, env)
    write(framework_repo, "config/settings.py", f'DEBUG = False\nXAI_KEY = "{XAI}"\n')
    git(framework_repo, env, "add", "config/settings.py")
    done = git(framework_repo, env, "commit", "-m", "add settings", check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "config/settings.py:2:12" in output
    assert "xai-api-key" in output
    assert_redacted(output)
    assert commit_count(framework_repo, env) == before


def test_framework_lets_a_clean_commit_through(framework_repo: Path, env: dict[str, str]) -> None:
    before = commit_count(framework_repo, env)
    write(framework_repo, "src/app.py", "def main() -> int:\n    return 0\n")
    git(framework_repo, env, "add", "src/app.py")
    done = git(framework_repo, env, "commit", "-m", "app", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert commit_count(framework_repo, env) == before + 1


def test_framework_lets_an_allow_marked_line_through(
    framework_repo: Path, env: dict[str, str]
) -> None:
    write(framework_repo, "tests/data.py", f'SAMPLE = "{XAI}"  # leakwindow:allow\n')
    git(framework_repo, env, "add", "tests/data.py")
    done = git(framework_repo, env, "commit", "-m", "test data", check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_framework_blocks_a_push_whose_commit_adds_a_key(
    framework_repo: Path, env: dict[str, str], framework_remote: Path
) -> None:
    write(framework_repo, "deploy.env", f"XAI_KEY={XAI}\n")
    git(framework_repo, env, "add", "deploy.env")
    git(framework_repo, env, "commit", "-q", "--no-verify", "-m", "deploy settings")
    write(framework_repo, "deploy.env", "XAI_KEY=\n")  # removed again: still in the pushed history
    git(framework_repo, env, "commit", "-q", "--no-verify", "-am", "oops, remove it")
    before = remote_tip(framework_remote, env, "main")
    done = git(framework_repo, env, "push", "origin", "main", check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "deploy.env:1:9" in output, output
    assert "xai-api-key" in output
    assert_redacted(output)
    assert remote_tip(framework_remote, env, "main") == before


def test_framework_blocks_a_new_branch_and_passes_a_clean_one(
    framework_repo: Path, env: dict[str, str], framework_remote: Path
) -> None:
    git(framework_repo, env, "switch", "-q", "-c", "feature")
    write(framework_repo, "feature.py", "ENABLED = True\n")
    git(framework_repo, env, "add", "feature.py")
    git(framework_repo, env, "commit", "-q", "--no-verify", "-m", "feature")
    clean = git(framework_repo, env, "push", "origin", "feature", check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    git(framework_repo, env, "switch", "-q", "-c", "leaky")
    write(framework_repo, "keys.py", f'K = "{XAI}"\n')
    git(framework_repo, env, "add", "keys.py")
    git(framework_repo, env, "commit", "-q", "--no-verify", "-m", "keys")
    done = git(framework_repo, env, "push", "origin", "leaky", check=False)
    assert done.returncode != 0
    assert "keys.py:1:6" in done.stdout + done.stderr
    assert remote_tip(framework_remote, env, "leaky") == ""


def test_framework_blocks_a_branch_pushed_from_its_root_commit(
    framework_repo: Path, env: dict[str, str], framework_remote: Path
) -> None:
    """pre-commit gives no range when the pushed history starts at a root commit."""
    git(framework_repo, env, "switch", "-q", "--orphan", "fresh")
    write(framework_repo, ".pre-commit-config.yaml", local_hooks_config())
    write(framework_repo, "keys.py", f'K = "{XAI}"\n')
    git(framework_repo, env, "add", "keys.py", ".pre-commit-config.yaml")
    git(framework_repo, env, "commit", "-q", "--no-verify", "-m", "fresh start")
    done = git(framework_repo, env, "push", "origin", "fresh", check=False)
    assert done.returncode != 0
    assert "keys.py:1:6" in done.stdout + done.stderr
    assert remote_tip(framework_remote, env, "fresh") == ""


def test_framework_does_not_block_a_push_for_a_key_the_remote_already_has(
    framework_repo: Path, env: dict[str, str], framework_remote: Path
) -> None:
    """A key that already reached the remote is a matter for rotation, not for every push."""
    write(framework_repo, "old.env", f"XAI_KEY={XAI}\n")
    git(framework_repo, env, "add", "old.env")
    git(framework_repo, env, "commit", "-q", "--no-verify", "-m", "old leak")
    git(framework_repo, env, "push", "-q", "--no-verify", "origin", "main")
    write(framework_repo, "later.py", "x = 1\n")
    git(framework_repo, env, "add", "later.py")
    git(framework_repo, env, "commit", "-q", "--no-verify", "-m", "later")
    done = git(framework_repo, env, "push", "origin", "main", check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# --- plain git hooks from `leakwindow install-hook` ----------------------------------------


def install(repo: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run `leakwindow install-hook` as a user would (the subprocess sees `env`)."""
    done = subprocess.run(
        [str(LEAKWINDOW), "install-hook", str(repo), *args], env=env, capture_output=True, text=True
    )
    return done.returncode, done.stdout, done.stderr


def test_install_hook_writes_an_executable_pre_commit_hook_that_blocks_a_key(
    work: Path, env: dict[str, str]
) -> None:
    code, out, _ = install(work, env)
    hook = work / ".git" / "hooks" / "pre-commit"
    assert code == 0
    assert str(hook) in out
    assert os.access(hook, os.X_OK)
    assert str(LEAKWINDOW) in hook.read_text()
    # The hook names leakwindow by absolute path: no venv on PATH is needed at commit time.
    bare_path = {**env, "PATH": "/usr/bin:/bin"}
    write(work, "settings.py", f'K = "{XAI}"\n')
    git(work, bare_path, "add", "settings.py")
    done = git(work, bare_path, "commit", "-m", "settings", check=False)
    assert done.returncode == 1
    assert "settings.py:1:6" in done.stderr
    assert_redacted(done.stdout + done.stderr)
    write(work, "settings.py", "K = None\n")
    git(work, bare_path, "add", "settings.py")
    assert git(work, bare_path, "commit", "-q", "-m", "settings", check=False).returncode == 0


def _documented_trial(document: Path) -> list[str]:
    """The shell lines a document gives for trying a hook (the block that prints a token)."""
    blocks = re.findall(
        r"```sh\n((?:(?!```).)*?fixtures token(?:(?!```).)*)```", document.read_text(), re.S
    )
    assert len(blocks) == 1, document
    return blocks[0].strip().splitlines()


def test_the_documented_hook_trial_is_blocked_and_a_look_alike_is_not(
    work: Path, env: dict[str, str]
) -> None:
    """docs/hooks-and-ci.md (where the README sends a reader): the synthetic token
    `leakwindow fixtures token` prints stops the commit; the same token with a wrong checksum
    does not."""
    assert "fixtures token github-pat" in (PROJECT / "README.md").read_text()
    steps = _documented_trial(PROJECT / "docs" / "hooks-and-ci.md")
    add, commit, clean_up = steps
    assert install(work, env)[0] == 0
    shell = {**env, "PATH": f"{LEAKWINDOW.parent}{os.pathsep}{env['PATH']}"}

    def run(line: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", line], cwd=work, env=shell, capture_output=True, text=True
        )

    assert run(add).returncode == 0
    token = (work / "token.env").read_text().strip().removeprefix("GITHUB_TOKEN=")
    assert github_checksum_is_valid(token)
    blocked = run(commit)
    assert blocked.returncode == 1
    assert "token.env:1:14" in blocked.stderr and "github-pat" in blocked.stderr
    assert token not in blocked.stdout + blocked.stderr
    assert run(clean_up).returncode == 0
    look_alike = token[:-1] + ("B" if token.endswith("A") else "A")
    assert not github_checksum_is_valid(look_alike)
    write(work, "token.env", f"GITHUB_TOKEN={look_alike}\n")
    git(work, env, "add", "token.env")
    passed = git(work, env, "commit", "-m", "a look-alike", check=False)
    assert passed.returncode == 0, passed.stderr


def test_install_hook_scans_the_temporary_index_of_commit_all(
    work: Path, env: dict[str, str]
) -> None:
    assert install(work, env)[0] == 0
    write(work, "README.md", f"demo\nkey: {XAI}\n")
    done = git(work, env, "commit", "-am", "docs", check=False)
    assert done.returncode == 1
    assert "README.md:2:6" in done.stderr


def test_install_hook_refuses_a_foreign_hook_and_force_keeps_a_backup(
    work: Path, env: dict[str, str]
) -> None:
    hook = work / ".git" / "hooks" / "pre-commit"
    foreign = "#!/bin/sh\necho their hook\n"
    hook.write_text(foreign)
    code, _, err = install(work, env)
    assert code == 2
    assert err.count("\n") == 1
    assert "--force" in err
    assert hook.read_text() == foreign
    assert install(work, env, "--force")[0] == 0
    assert HOOK_MARKER in hook.read_text()
    assert (hook.parent / f"pre-commit{BACKUP_SUFFIX}").read_text() == foreign
    assert install(work, env)[0] == 0  # updating its own hook needs no --force


def test_install_hook_follows_core_hooks_path(work: Path, env: dict[str, str]) -> None:
    git(work, env, "config", "core.hooksPath", ".githooks")
    code, out, _ = install(work, env)
    assert code == 0
    assert "core.hooksPath from local config" in out
    assert (work / ".githooks" / "pre-commit").is_file()
    assert not (work / ".git" / "hooks" / "pre-commit").exists()
    write(work, "a.py", f'K = "{XAI}"\n')
    git(work, env, "add", "a.py")
    assert git(work, env, "commit", "-m", "a", check=False).returncode == 1


def test_install_hook_pre_push_blocks_only_pushes_that_add_a_key(
    work: Path, env: dict[str, str], remote: Path
) -> None:
    assert install(work, env, "--pre-push")[0] == 0
    assert (work / ".git" / "hooks" / "pre-push").is_file()
    write(work, "clean.py", "x = 1\n")
    git(work, env, "add", "clean.py")
    git(work, env, "commit", "-q", "-m", "clean")
    assert git(work, env, "push", "-q", "origin", "main", check=False).returncode == 0
    write(work, "leak.py", f'K = "{XAI}"\n')
    git(work, env, "add", "leak.py")
    git(work, env, "commit", "-q", "-m", "leak")
    before = remote_tip(remote, env, "main")
    done = git(work, env, "push", "origin", "main", "HEAD:refs/heads/copy", check=False)
    assert done.returncode != 0
    assert "leak.py:1:6" in done.stderr
    assert "the push adds 1 secret" in done.stderr
    assert_redacted(done.stdout + done.stderr)
    assert remote_tip(remote, env, "main") == before
    assert remote_tip(remote, env, "copy") == ""
    # A new branch at a commit the remote already has sends nothing new; a deletion nothing.
    assert (
        git(work, env, "push", "-q", "origin", "HEAD~1:refs/heads/old", check=False).returncode == 0
    )
    deleted = git(work, env, "push", "-q", "origin", "--delete", "old", check=False)
    assert deleted.returncode == 0, deleted.stderr
    assert remote_tip(remote, env, "old") == ""


# --- pushed-commit selection, without a push ----------------------------------------------


def test_pre_commit_range_variables_select_exactly_the_pushed_commits(
    work: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    base = git(work, env, "rev-parse", "HEAD").stdout.strip()
    write(work, "a.py", f'K = "{XAI}"\n')
    git(work, env, "add", "a.py")
    git(work, env, "commit", "-q", "-m", "leak")
    leak = git(work, env, "rev-parse", "HEAD").stdout.strip()
    write(work, "b.py", "x = 1\n")
    git(work, env, "add", "b.py")
    git(work, env, "commit", "-q", "-m", "clean")
    tip = git(work, env, "rev-parse", "HEAD").stdout.strip()

    def exit_code(from_ref: str, to_ref: str) -> int:
        environ = {"PRE_COMMIT_FROM_REF": from_ref, "PRE_COMMIT_TO_REF": to_ref}
        return run_pre_push(work, remote="origin", stdin_text="", environ=environ)

    assert exit_code(base, tip) == 1
    assert exit_code(leak, tip) == 0  # the key's commit is already on the remote side
    lines = f"refs/heads/main {tip} refs/heads/main {leak}\n"
    assert run_pre_push(work, remote="origin", stdin_text=lines, environ={}) == 0
    # By hand, without hook input: the commits no remote has yet.
    assert run_pre_push(work, remote=None, stdin_text="", environ={}) == 1


def test_malformed_hook_input_is_a_one_line_error(
    work: Path,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("scanner.hooks.prepush.read_hook_stdin", lambda: "refs/heads/main abc\n")
    assert cli_main(["pre-push", "origin", "--path", str(work)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("leakwindow: error: pre-push input lines must be")

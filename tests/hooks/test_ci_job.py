"""A simulated CI job on a pull request, as the README's recipes run it.

The upstream repository is the `incident` scenario: its main branch already carries an old,
removed key in history. A pull request must fail only for a key it adds itself, so the job
scans the range `origin/main..HEAD` in a fresh clone checked out at a detached HEAD.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.demo import build_scenario, make_token

LEAKWINDOW = Path(sys.executable).absolute().parent / "leakwindow"
SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
NEW_KEY = make_token("xai", random.Random("test-ci-job:new-key"))

# The commands the README documents for a pull-request job.
SARIF_JOB = ["scan", ".", "--since", "origin/main", "--format", "sarif", "-o", "results.sarif"]
SUMMARY_JOB = ["scan", ".", "--since", "origin/main", "--format", "markdown", "-o", "summary.md"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(empty),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Contributor",
        "GIT_AUTHOR_EMAIL": "contributor@example.invalid",
        "GIT_COMMITTER_NAME": "Contributor",
        "GIT_COMMITTER_EMAIL": "contributor@example.invalid",
        # XDG_CACHE_HOME stays the test run's own (tests/conftest.py): the rule pack and its
        # Hyperscan database are compiled once per run, not in every job of every test.
    }


def git(repo: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout


def leakwindow(clone: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(LEAKWINDOW), *args], cwd=clone, env=env, capture_output=True, text=True
    )
    assert NEW_KEY not in done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The incident repository plus two pull-request branches: one adds a key, one does not."""
    root = tmp_path_factory.mktemp("upstream")
    built = build_scenario("incident", root / "incident")
    repo = built.path
    empty = root / "empty.gitconfig"
    empty.write_text("")
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(empty),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Contributor",
        "GIT_AUTHOR_EMAIL": "contributor@example.invalid",
        "GIT_COMMITTER_NAME": "Contributor",
        "GIT_COMMITTER_EMAIL": "contributor@example.invalid",
    }
    main = git(repo, env, "rev-parse", "HEAD").strip()
    for branch, text in (
        ("pr-clean", "RETRIES = 3\n"),
        ("pr-leak", f'RETRIES = 3\nXAI_API_KEY = "{NEW_KEY}"\n'),
    ):
        git(repo, env, "switch", "-q", "-c", branch, main)
        (repo / "app" / "retry.py").write_text(text)
        git(repo, env, "add", "app/retry.py")
        git(repo, env, "commit", "-q", "-m", f"{branch}: retry settings")
        (repo / "app" / "notes.md").write_text("Retries are capped.\n")
        git(repo, env, "add", "app/notes.md")
        git(repo, env, "commit", "-q", "-m", f"{branch}: notes")
    git(repo, env, "switch", "-q", "main")
    return repo, built.secrets["xai"]


def checkout_pr(
    upstream: Path, tmp_path: Path, env: dict[str, str], branch: str, *clone_args: str
) -> Path:
    """What a CI checkout does: a fresh clone, then the pull request's tip as a detached HEAD."""
    clone = tmp_path / "ci"
    source = upstream.as_uri()  # file:// so that --depth really makes a shallow clone
    subprocess.run(["git", "clone", "-q", *clone_args, source, str(clone)], env=env, check=True)
    git(clone, env, "fetch", "-q", "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
    git(clone, env, "checkout", "-q", "--detach", f"origin/{branch}")
    return clone


def sarif_results(clone: Path) -> list[dict[str, Any]]:
    document = json.loads((clone / "results.sarif").read_text())
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text()))
    results: list[dict[str, Any]] = document["runs"][0]["results"]
    return results


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def test_a_pull_request_that_adds_a_key_fails_with_sarif_and_a_summary(
    upstream: tuple[Path, str], tmp_path: Path, env: dict[str, str]
) -> None:
    repo, old_key = upstream
    clone = checkout_pr(repo, tmp_path, env, "pr-leak")
    assert git(clone, env, "rev-parse", "--abbrev-ref", "HEAD").strip() == "HEAD"  # detached

    assert leakwindow(clone, env, *SARIF_JOB).returncode == 1
    results = sarif_results(clone)
    assert {r["partialFingerprints"]["leakwindow/v1"] for r in results} == {fingerprint(NEW_KEY)}
    (result,) = results
    assert result["ruleId"] == "xai-api-key"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/retry.py"
    assert location["region"]["startLine"] == 2
    sarif_text = (clone / "results.sarif").read_text()
    assert NEW_KEY not in sarif_text
    assert old_key not in sarif_text

    assert leakwindow(clone, env, *SUMMARY_JOB).returncode == 1
    summary = (clone / "summary.md").read_text()
    assert "❌ 1 secret found" in summary
    assert "app/retry.py:2" in summary
    assert "xai-api-key" in summary
    assert NEW_KEY not in summary


def test_a_clean_pull_request_passes_even_though_main_has_an_old_leak(
    upstream: tuple[Path, str], tmp_path: Path, env: dict[str, str]
) -> None:
    repo, _ = upstream
    clone = checkout_pr(repo, tmp_path, env, "pr-clean")
    assert leakwindow(clone, env, *SARIF_JOB).returncode == 0
    assert sarif_results(clone) == []
    assert leakwindow(clone, env, *SUMMARY_JOB).returncode == 0
    assert (
        "✅ No secrets introduced by the 2 commits of origin/main..HEAD"
        in (clone / "summary.md").read_text()
    )
    # The whole-history scan still sees the old key: the range is what keeps the PR green.
    assert leakwindow(clone, env, "scan", ".", "--format", "json", "-o", "all.json").returncode == 1


def test_a_merge_commit_checkout_reports_the_key_from_the_pull_request(
    upstream: tuple[Path, str], tmp_path: Path, env: dict[str, str]
) -> None:
    """GitHub's `pull_request` event checks out a merge of the PR into the base branch."""
    repo, _ = upstream
    clone = checkout_pr(repo, tmp_path, env, "pr-leak")
    git(clone, env, "checkout", "-q", "--detach", "origin/main")
    git(clone, env, "merge", "-q", "--no-ff", "-m", "Merge pull request", "origin/pr-leak")
    assert leakwindow(clone, env, *SARIF_JOB).returncode == 1
    assert {r["partialFingerprints"]["leakwindow/v1"] for r in sarif_results(clone)} == {
        fingerprint(NEW_KEY)
    }


def test_a_shallow_clone_without_the_base_says_how_to_fetch_it(
    upstream: tuple[Path, str], tmp_path: Path, env: dict[str, str]
) -> None:
    repo, _ = upstream
    clone = tmp_path / "ci"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--branch", "pr-leak", repo.as_uri(), str(clone)],
        env=env,
        check=True,
    )
    done = leakwindow(clone, env, *SARIF_JOB)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "'origin/main' is not in this repository" in lines[0]
    assert "shallow clone" in lines[0]
    assert "fetch-depth: 0" in lines[0]
    assert not (clone / "results.sarif").exists()
    # Following the advice makes the same command work.
    git(
        clone,
        env,
        "fetch",
        "-q",
        "--unshallow",
        "origin",
        "+refs/heads/main:refs/remotes/origin/main",
    )
    assert leakwindow(clone, env, *SARIF_JOB).returncode == 1
    assert len(sarif_results(clone)) == 1

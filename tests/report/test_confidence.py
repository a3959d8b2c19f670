"""Confidence and context end to end: every finding carries both, --min-confidence leaves the
less sure ones out of the report, the exit status and the headline (and says how many), and
findings only in test, docs or example files rank after the rest, in every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from git_builders import (
    PYTHON_ENGINE,
    GitRepo,
    assert_valid_report,
    finding,
    fingerprint,
    scan,
    scan_report,
    token,
)

# A generic rule of the user's: its UUID values grade `low` (a record or request id, as often as
# a key), its other values `medium`.
TEAM_RULES = """
[[rule]]
id = "zorp-token"
title = "Zorp token"
severity = "high"
family = "generic"
keywords = ["zorp_token"]
pattern = '''zorp_token = "([0-9A-Za-z-]{20,64})"'''
[rule.examples]
match = ['zorp_token = "Qm7rT2vK9pLx4NcW8hZ3bY6d"']
"""

UUID = "c0c57ed8-4f5b-4ced-9f56-201a7513e6c0"
RANDOM = "Qm7rT2vK9pLx4NcW8hZ3bY6dF1gJ5sA0"
PROVIDER = token(7)  # an xAI key: a provider's format, `high`
IN_TESTS = token(8)


def _with(rules: Path) -> tuple[str, ...]:
    """The test's rules, under the Python engine: grades are the same under both, and the
    pack plus these rules would otherwise compile a Hyperscan database of its own."""
    return (*PYTHON_ENGINE, "--rules", str(rules))


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    built = GitRepo(tmp_path / "repo")
    built.change(
        "2025-01-01T00:00:00+00:00",
        {
            "app/settings.py": (
                f'zorp_token = "{UUID}"\nzorp_token = "{RANDOM}"\nXAI = "{PROVIDER}"\n'
            ),
            "tests/test_client.py": f'XAI = "{IN_TESTS}"\n',
        },
    )
    rules = tmp_path / "team.toml"
    rules.write_text(TEAM_RULES)
    return built.path, rules


def test_every_finding_has_a_confidence_and_the_unsure_ones_are_left_out_by_default(
    repo: tuple[Path, Path], tmp_path: Path
) -> None:
    path, rules = repo
    code, report = scan(path, tmp_path, *_with(rules))
    assert_valid_report(report)
    assert code == 1
    assert finding(report, PROVIDER)["confidence"] == "high"
    assert finding(report, RANDOM)["confidence"] == "medium"
    shown = {f["fingerprint"] for f in report["findings"]}
    assert len(shown) == 3  # the UUID value is not among them
    assert report["scan"]["min_confidence"] == {"level": "medium", "hidden": 1}
    notes = [n["message"] for n in report["scan"]["notes"] if n["kind"] == "min_confidence"]
    assert notes == [
        "1 finding less sure than --min-confidence medium not shown "
        "(--min-confidence low shows every finding)"
    ]


def test_min_confidence_low_shows_every_finding_and_high_only_the_sure_ones(
    repo: tuple[Path, Path], tmp_path: Path
) -> None:
    path, rules = repo
    _, everything = scan(path, tmp_path, *_with(rules), "--min-confidence", "low")
    assert finding(everything, UUID)["confidence"] == "low"
    assert everything["scan"]["min_confidence"] == {"level": "low", "hidden": 0}
    assert len(everything["findings"]) == 4
    _, sure = scan(path, tmp_path, *_with(rules), "--min-confidence", "high")
    assert {f["confidence"] for f in sure["findings"]} == {"high"}
    assert sure["scan"]["min_confidence"] == {"level": "high", "hidden": 2}


def test_the_exit_status_and_the_headline_follow_min_confidence(tmp_path: Path) -> None:
    built = GitRepo(tmp_path / "repo")
    built.change("2024-01-01T00:00:00+00:00", {"a.py": f'zorp_token = "{UUID}"\n'})
    rules = tmp_path / "team.toml"
    rules.write_text(TEAM_RULES)
    code, quiet = scan(built.path, tmp_path, *_with(rules))
    assert code == 0  # only a low-confidence value: nothing fails
    assert quiet["summary"]["findings"] == 0 and quiet["summary"]["longest_days"] == 0.0
    code, loud = scan(built.path, tmp_path, *_with(rules), "--min-confidence", "low")
    assert code == 1
    assert loud["summary"]["longest_days"] > 700  # open since 2024 at the as-of


def test_findings_only_in_test_files_are_labelled_and_ranked_last(
    repo: tuple[Path, Path], tmp_path: Path
) -> None:
    path, rules = repo
    _, report = scan(path, tmp_path, *_with(rules))
    assert finding(report, IN_TESTS)["context"] == "test"
    assert finding(report, PROVIDER)["context"] is None
    # Same severity (critical), but the one in tests/ comes after every finding elsewhere.
    order = [f["fingerprint"] for f in report["findings"]]
    assert order[-1] == finding(report, IN_TESTS)["fingerprint"]


def test_a_key_in_tests_and_in_source_is_not_a_test_value(tmp_path: Path) -> None:
    built = GitRepo(tmp_path / "repo")
    key = token(9)
    built.change(
        "2025-01-01T00:00:00+00:00",
        {"tests/test_x.py": f'K = "{key}"\n', "src/x.py": f'K = "{key}"\n'},
    )
    _, report = scan(built.path, tmp_path)
    assert finding(report, key)["context"] is None


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "sarif"])
def test_every_format_names_the_confidence_and_the_context(
    repo: tuple[Path, Path], tmp_path: Path, fmt: str
) -> None:
    path, rules = repo
    _, text = scan_report(path, tmp_path, *_with(rules), fmt=fmt)
    assert "medium confidence" in text
    assert "only in test files" in text
    assert "--min-confidence" in text  # the note about the hidden finding


def test_a_bad_min_confidence_is_one_line_and_exit_2(tmp_path: Path) -> None:
    built = GitRepo(tmp_path / "repo")
    built.change("2025-01-01T00:00:00+00:00", {"a.txt": "hello\n"})
    done = subprocess.run(
        [sys.executable, "-m", "scanner.entry", "scan", str(built.path), "--min-confidence", "x"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "--min-confidence" in done.stderr and "Traceback" not in done.stderr


def _staged(repo: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner.entry", "staged", str(repo), *options],
        capture_output=True,
        text=True,
    )


def test_the_commit_hook_blocks_only_on_sure_enough_matches(tmp_path: Path) -> None:
    built = GitRepo(tmp_path / "repo")
    rules = tmp_path / "team.toml"
    rules.write_text(TEAM_RULES)
    built.write("a.py", f'zorp_token = "{UUID}"\n')
    built.git("add", "a.py")
    quiet = _staged(built.path, "--rules", str(rules))
    assert quiet.returncode == 0
    # Two matches of the one value: the team's rule and the built-in generic assignment rule
    # (a UUID under a token's name is a low match of both).
    assert "2 less sure matches (below --min-confidence medium) not shown" in quiet.stderr
    loud = _staged(built.path, "--rules", str(rules), "--min-confidence", "low")
    assert loud.returncode == 1
    document = json.loads(
        _staged(built.path, "--rules", str(rules), "--min-confidence", "low", "-f", "json").stdout
    )
    assert [f["confidence"] for f in document["findings"]] == ["low"]
    assert document["scan"]["min_confidence"] == {"level": "low", "hidden": 0}


def test_the_pre_push_hook_follows_min_confidence(tmp_path: Path) -> None:
    remote = GitRepo(tmp_path / "remote.git", bare=True)
    built = GitRepo(tmp_path / "repo")
    settings = '[paths]\nexclude = ["team.toml"]\n[rules]\nextra = ["team.toml"]\n'
    config = {".leakwindow.toml": settings, "team.toml": TEAM_RULES}
    built.change("2025-01-01T00:00:00+00:00", config)
    head = built.change("2025-01-02T00:00:00+00:00", {"a.py": f'zorp_token = "{UUID}"\n'})
    push = f"refs/heads/main {head} refs/heads/main {'0' * 40}\n"
    hook = [sys.executable, "-m", "scanner.entry", "pre-push", "origin", str(remote.path)]
    quiet = subprocess.run(
        [*hook, "--path", str(built.path)], input=push, capture_output=True, text=True
    )
    loud = subprocess.run(
        [*hook, "--path", str(built.path), "--min-confidence", "low"],
        input=push,
        capture_output=True,
        text=True,
    )
    assert (quiet.returncode, loud.returncode) == (0, 1), (quiet.stderr, loud.stderr)


SECRET_UUID = "5b0f6c1e-9a4d-4c37-8e21-73d9f0a4b6c2"  # under client_secret: a credential
LOCK_UUID = "e2a7d4b9-1c63-4f08-b5e2-0d98c7a31f45"  # under update_token: a lock id


def test_a_uuid_is_graded_by_its_name_in_a_cold_scan_a_rescan_and_the_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name decides a UUID's grade, and only the matcher sees the name: the grade must
    survive the saved positions a rescan reads instead of matching again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    built = GitRepo(tmp_path / "repo")
    text = f'client_secret = "{SECRET_UUID}"\nupdate_token = "{LOCK_UUID}"\n'
    built.change("2025-01-01T00:00:00+00:00", {"app/settings.py": text})
    _, cold = scan(built.path, tmp_path, *PYTHON_ENGINE, "--min-confidence", "low")
    built.change("2025-01-02T00:00:00+00:00", {"README.md": "notes\n"})
    _, warm = scan(built.path, tmp_path, *PYTHON_ENGINE, "--min-confidence", "low")
    assert warm["scan"]["cache"] == "extended history"  # read at saved positions
    for report in (cold, warm):
        assert finding(report, SECRET_UUID)["confidence"] == "medium"
        assert finding(report, LOCK_UUID)["confidence"] == "low"
    _, default = scan(built.path, tmp_path, *PYTHON_ENGINE)
    assert [f["fingerprint"] for f in default["findings"]] == [fingerprint(SECRET_UUID)]
    built.write("b.py", text)
    built.git("add", "b.py")
    staged = json.loads(_staged(built.path, "-f", "json", "--min-confidence", "low").stdout)
    grades = {f["fingerprint"]: f["confidence"] for f in staged["findings"]}
    assert grades == {fingerprint(SECRET_UUID): "medium", fingerprint(LOCK_UUID): "low"}

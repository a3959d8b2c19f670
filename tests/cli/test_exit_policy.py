"""Exit codes of `scan`, `staged` and `pre-push` over real repositories: every --fail-on
level against a secret of every severity, --exit-zero, --fail-on-live, incomplete scans.

The three commands share one blocking policy; these tests pin what each of them answers, so
that a change to the policy (or to how a command uses it) shows here. Each repository holds
one secret of one severity, from rules in an untracked `.leakwindow.toml` of its own (the
same rules for all three commands, never part of the scanned history or the staged change).
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import git_builders
import pytest
from git_builders import PYTHON_ENGINE, GitRepo, fake_bearer

from scanner.cli.app import main
from scanner.cli.staged_command import main as staged_main
from scanner.errors import LeakwindowError
from scanner.hooks.prepush import run_pre_push
from tests.fake_provider import LIVE_JSON, REVOKED, FakeProvider, cli_provider

provider = cli_provider  # the fixture, under the name the tests ask for

# Written out here, not imported: the tests pin the order the policy must follow.
ORDER = ("critical", "high", "medium", "low")
PREFIX = {"critical": "lwcrit_", "high": "lwhigh_", "medium": "lwmedi_", "low": "lwlowx_"}
VERIFY_RULES = str(Path(__file__).parents[1] / "data" / "verify_rules.toml")
AS_OF = "2025-12-31T00:00:00+00:00"


def scan(repo: Path, tmp_path: Path, *options: str) -> tuple[int, dict[str, Any]]:
    """`leakwindow scan --format json` with the Python engine: the exit policy is the same
    under both, and each repository's own rules would otherwise compile a Hyperscan database
    of the whole pack (5 s apiece)."""
    return git_builders.scan(repo, tmp_path, *PYTHON_ENGINE, *options)


def scan_report(repo: Path, out_dir: Path, *options: str, fmt: str = "json") -> tuple[int, str]:
    return git_builders.scan_report(repo, out_dir, *PYTHON_ENGINE, *options, fmt=fmt)


def _token(severity: str, seed: str) -> str:
    rng = random.Random(f"test-exit-policy:{severity}:{seed}")
    alphabet = string.ascii_letters + string.digits
    return PREFIX[severity] + "".join(rng.choice(alphabet) for _ in range(32))


def _rules() -> str:
    blocks = []
    for severity, prefix in PREFIX.items():
        blocks.append(
            f"""[[rule]]
id = "exit-policy-{severity}"
title = "exit policy test token ({severity})"
severity = "{severity}"
keywords = ["{prefix}"]
pattern = '''\\b({prefix}[A-Za-z0-9]{{32}})\\b'''
min_entropy = 3.0
[rule.examples]
match = ["{_token(severity, "example")}"]
"""
        )
    return "\n".join(blocks)


def _configure(repo: GitRepo) -> None:
    """The test rules, through the repository's own config: left untracked, so neither the
    history nor a staged change holds them."""
    repo.write(".leakwindow.toml", '[rules]\nextra = ["exit-policy-rules.toml"]\n')
    repo.write("exit-policy-rules.toml", _rules())
    repo.write(".git/info/exclude", ".leakwindow.toml\nexit-policy-rules.toml\n")


def _blocks(severity: str, fail_on: str) -> bool:
    return ORDER.index(severity) <= ORDER.index(fail_on)


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GitRepo]:
    """severity -> a repository whose second commit adds one secret of that severity."""
    repos: dict[str, GitRepo] = {}
    for severity in ORDER:
        repo = GitRepo(tmp_path_factory.mktemp(f"committed-{severity}") / "repo")
        _configure(repo)
        repo.change("2025-03-01T09:00:00+00:00", {"README.md": "hello\n"})
        repo.change("2025-03-02T09:00:00+00:00", {"notes.txt": _token(severity, "c") + "\n"})
        repos[severity] = repo
    return repos


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GitRepo]:
    """severity -> a repository with one secret of that severity staged, not committed."""
    repos: dict[str, GitRepo] = {}
    for severity in ORDER:
        repo = GitRepo(tmp_path_factory.mktemp(f"staged-{severity}") / "repo")
        _configure(repo)
        repo.change("2025-03-01T09:00:00+00:00", {"README.md": "hello\n"})
        repo.write("notes.txt", _token(severity, "s") + "\n")
        repo.git("add", "notes.txt")
        repos[severity] = repo
    return repos


def _incomplete(repo: GitRepo) -> None:
    """A ref to an object the repository does not have: the scan cannot read everything."""
    repo.write(".git/refs/heads/ghost", "1234567890" * 4 + "\n")


def _pre_push(repo: GitRepo, *options: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """`leakwindow pre-push` run by hand (no hook input): every commit no remote has."""
    monkeypatch.setattr("scanner.hooks.prepush.read_hook_stdin", lambda: "")
    return main(["pre-push", "--path", str(repo.path), *options])


# --- scan -------------------------------------------------------------------------------


@pytest.mark.parametrize("fail_on", ORDER)
@pytest.mark.parametrize("severity", ORDER)
def test_scan_fails_at_or_above_fail_on(
    severity: str, fail_on: str, committed: dict[str, GitRepo], tmp_path: Path
) -> None:
    code, report = scan(committed[severity].path, tmp_path, "--fail-on", fail_on)
    assert [f["severity"] for f in report["findings"]] == [severity]
    assert code == (1 if _blocks(severity, fail_on) else 0)


@pytest.mark.parametrize("severity", ORDER)
def test_scan_fails_at_every_severity_by_default_and_never_with_exit_zero(
    severity: str, committed: dict[str, GitRepo], tmp_path: Path
) -> None:
    assert scan(committed[severity].path, tmp_path)[0] == 1
    assert scan(committed[severity].path, tmp_path, "--exit-zero")[0] == 0
    options = ("--exit-zero", "--fail-on", "critical")
    assert scan(committed[severity].path, tmp_path, *options)[0] == 0


def test_scan_of_a_clean_repository_passes(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-03-01T09:00:00+00:00", {"README.md": "hello\n"})
    for options in ((), ("--fail-on", "critical"), ("--exit-zero",)):
        assert scan(repo.path, tmp_path, *options)[0] == 0


def test_an_incomplete_scan_exits_3_unless_a_finding_fails_it(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    _configure(repo)
    repo.change("2025-03-02T09:00:00+00:00", {"notes.txt": _token("medium", "i") + "\n"})
    _incomplete(repo)
    expected = {"critical": 3, "high": 3, "medium": 1, "low": 1}
    for fail_on, code in expected.items():
        found, report = scan(repo.path, tmp_path, "--fail-on", fail_on)
        assert report["scan"]["incomplete"]
        assert found == code, fail_on
    assert scan(repo.path, tmp_path, "--exit-zero")[0] == 0
    assert scan(repo.path, tmp_path, "--exit-zero", "--fail-on", "critical")[0] == 0


def test_an_incomplete_scan_without_findings_exits_3(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-03-01T09:00:00+00:00", {"README.md": "hello\n"})
    _incomplete(repo)
    assert scan(repo.path, tmp_path)[0] == 3
    assert scan(repo.path, tmp_path, "--exit-zero")[0] == 0


def test_scan_rejects_an_unknown_fail_on(committed: dict[str, GitRepo], tmp_path: Path) -> None:
    assert scan_report(committed["low"].path, tmp_path, "--fail-on", "severe")[0] == 2


# --- scan --verify --fail-on-live --------------------------------------------------------


def _live_gate(tmp_path: Path, *options: str, incomplete: bool = False) -> int:
    repo = GitRepo(tmp_path / "repo")
    # fake-bearer is critical: whatever --fail-on says, only the live gate decides.
    repo.change("2025-01-01T00:00:00+00:00", {"app.py": f'TOKEN = "{LIVE_GATE_KEY}"\n'})
    if incomplete:
        _incomplete(repo)
    live = ("--rules", VERIFY_RULES, "--verify", "--fail-on-live")
    return scan(repo.path, tmp_path, *live, *options)[0]


LIVE_GATE_KEY = fake_bearer("exit-policy")


@pytest.mark.parametrize(
    ("live", "options", "incomplete", "code"),
    [
        (True, (), False, 1),
        (True, ("--fail-on", "critical"), False, 1),
        (True, ("--exit-zero",), False, 0),
        (True, (), True, 1),
        (False, (), False, 0),
        (False, ("--fail-on", "low"), False, 0),
        (False, (), True, 3),
        (False, ("--exit-zero",), True, 0),
    ],
)
def test_fail_on_live_exit_codes(
    live: bool,
    options: tuple[str, ...],
    incomplete: bool,
    code: int,
    tmp_path: Path,
    provider: FakeProvider,
) -> None:
    provider.respond(LIVE_GATE_KEY, LIVE_JSON if live else REVOKED)
    assert _live_gate(tmp_path, *options, incomplete=incomplete) == code


def test_fail_on_live_with_a_key_that_could_not_be_checked(tmp_path: Path) -> None:
    """No provider (the rule's host is fictional): the key may be live, so 3, not 0."""
    assert _live_gate(tmp_path) == 3
    assert _live_gate(tmp_path / "again", "--exit-zero") == 0


# --- staged -----------------------------------------------------------------------------


@pytest.mark.parametrize("fail_on", ORDER)
@pytest.mark.parametrize("severity", ORDER)
def test_staged_blocks_at_or_above_fail_on(
    severity: str,
    fail_on: str,
    staged: dict[str, GitRepo],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = staged_main([str(staged[severity].path), "--fail-on", fail_on])
    assert f"exit-policy-{severity}" in capsys.readouterr().err  # reported either way
    assert code == (1 if _blocks(severity, fail_on) else 0)


@pytest.mark.parametrize("severity", ORDER)
def test_staged_blocks_by_default_and_never_with_exit_zero(
    severity: str, staged: dict[str, GitRepo]
) -> None:
    path = str(staged[severity].path)
    assert staged_main([path]) == 1
    assert staged_main([path, "--exit-zero"]) == 0
    assert staged_main([path, "--exit-zero", "--fail-on", "critical"]) == 0


def test_staged_through_the_main_command_line(staged: dict[str, GitRepo]) -> None:
    path = str(staged["medium"].path)
    assert main(["staged", path, "--fail-on", "medium"]) == 1
    assert main(["staged", path, "--fail-on", "high"]) == 0
    assert main(["staged", path, "--exit-zero"]) == 0


def test_staged_rejects_an_unknown_fail_on(staged: dict[str, GitRepo]) -> None:
    assert staged_main([str(staged["low"].path), "--fail-on", "severe"]) == 2


def test_staged_ignores_an_incomplete_repository(tmp_path: Path) -> None:
    """Only the staged lines are read: a broken ref elsewhere is not the hook's answer."""
    repo = GitRepo(tmp_path / "repo")
    _configure(repo)
    repo.change("2025-03-01T09:00:00+00:00", {"README.md": "hello\n"})
    _incomplete(repo)
    repo.write("notes.txt", _token("medium", "si") + "\n")
    repo.git("add", "notes.txt")
    assert staged_main([str(repo.path), "--fail-on", "high"]) == 0
    assert staged_main([str(repo.path), "--fail-on", "medium"]) == 1


# --- pre-push ---------------------------------------------------------------------------


@pytest.mark.parametrize("fail_on", ORDER)
@pytest.mark.parametrize("severity", ORDER)
def test_pre_push_blocks_at_or_above_fail_on(
    severity: str,
    fail_on: str,
    committed: dict[str, GitRepo],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = _pre_push(committed[severity], "--fail-on", fail_on, monkeypatch=monkeypatch)
    err = capsys.readouterr().err
    assert code == (1 if _blocks(severity, fail_on) else 0)
    assert (f"exit-policy-{severity}" in err) == (code == 1)  # only what blocks is listed


def test_pre_push_blocks_at_every_severity_by_default(
    committed: dict[str, GitRepo], monkeypatch: pytest.MonkeyPatch
) -> None:
    for repo in committed.values():
        assert _pre_push(repo, monkeypatch=monkeypatch) == 1


def test_pre_push_rejects_an_unknown_fail_on(
    committed: dict[str, GitRepo], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _pre_push(committed["low"], "--fail-on", "severe", monkeypatch=monkeypatch) == 2
    with pytest.raises(LeakwindowError, match="bad --fail-on 'severe'"):
        path = committed["low"].path
        run_pre_push(path, remote=None, stdin_text="", environ={}, fail_on="severe")


def test_pre_push_does_not_answer_3_for_an_incomplete_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook judges the pushed commits only: unlike `scan`, a part of the repository it
    could not read does not make it exit 3."""
    repo = GitRepo(tmp_path / "repo")
    _configure(repo)
    repo.change("2025-03-02T09:00:00+00:00", {"notes.txt": _token("medium", "pi") + "\n"})
    _incomplete(repo)
    assert _pre_push(repo, "--fail-on", "high", monkeypatch=monkeypatch) == 0
    assert _pre_push(repo, "--fail-on", "medium", monkeypatch=monkeypatch) == 1


# --- suppressed findings ----------------------------------------------------------------


def test_a_secret_in_the_baseline_blocks_none_of_the_three(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "repo")
    _configure(repo)
    secret = _token("critical", "baseline")
    repo.change("2025-03-02T09:00:00+00:00", {"notes.txt": secret + "\n"})
    repo.write("other.txt", secret + "\n")
    repo.git("add", "other.txt")
    assert scan(repo.path, tmp_path)[0] == 1
    assert _pre_push(repo, monkeypatch=monkeypatch) == 1
    assert staged_main([str(repo.path)]) == 1
    assert main(["baseline", "create", str(repo.path)]) == 0
    code, report = scan(repo.path, tmp_path)
    assert [f["suppressed"] is not None for f in report["findings"]] == [True]
    assert code == 0
    assert _pre_push(repo, monkeypatch=monkeypatch) == 0
    assert staged_main([str(repo.path)]) == 0

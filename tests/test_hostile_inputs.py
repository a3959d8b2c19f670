"""Files a repository supplies, files a user names, and odd values: read with bounds, and
any problem is one line on stderr with exit 2, never a traceback, a hang or exit 1.

A repository supplies `.leakwindow.toml`, the rule files its `[rules] extra` names and
`.leakwindow-baseline.json`: these must be regular files inside it. Files named on the
command line (`--config`, `--rules`, `--baseline`, `report FILE`) may be links, but must be
regular files of bounded size. Commands that could hang or exhaust memory on the old code
run in a child process with a time and memory limit.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from hostile_support import (
    error_line,
    finished,
    leakwindow,
    plain_git,  # noqa: F401  (autouse: no user git configuration)
)

from scanner.cli.app import main
from scanner.demo import make_token

TOKEN = make_token("xai", random.Random("test-hostile-inputs"))
RULE = """[[rule]]
id = "acme-token"
title = "Acme token"
severity = "high"
keywords = ["acme_"]
pattern = '''acme_[a-z0-9]{20}'''
secret_group = 0
[rule.examples]
match = ["acme_z9x8c7v6b5n4m3l2k1j0"]
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        capture_output=True,
        check=True,
    )


def repository(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    """A repository whose one commit holds a key, plus `files` (committed)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "settings.py").write_text(f'XAI_API_KEY = "{TOKEN}"\n')
    for name, text in (files or {}).items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    return repo


def run_bounded(
    args: Sequence[str], timeout: float = 60, stdout: int | None = None
) -> tuple[int, str]:
    """Run leakwindow as a user would, in a child bounded to 1 GB (the old code read /dev/zero
    into memory: keep that from hurting the machine) and `timeout` seconds; returns (exit
    code, stderr). A hang or a crash on the old code is a failed test."""
    run = finished(leakwindow(*args, seconds=timeout, stdout=stdout, memory=1 << 30))
    assert run.code is not None
    return run.code, run.stderr


# --- files the repository supplies -----------------------------------------------------------


def test_an_extra_rule_file_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    repo = repository(tmp_path, {".leakwindow.toml": '[rules]\nextra = ["rules.toml"]\n'})
    (repo / "rules.toml").symlink_to("/dev/zero")
    code, err = run_bounded(["scan", str(repo), "--no-cache", "-q"], timeout=60)
    assert code == 2
    assert "'rules.extra' entry 1 goes through a symbolic link inside the repository" in (
        error_line(err)
    )


@pytest.mark.parametrize("where", ["../outside.toml", "ABSOLUTE"])
def test_an_extra_rule_file_outside_the_repository_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """`extra = ["../../../etc/…"]` must not make the scan read the machine's files."""
    outside = tmp_path / "outside.toml"
    outside.write_text(RULE)
    name = str(outside) if where == "ABSOLUTE" else where
    repo = repository(tmp_path, {".leakwindow.toml": f"[rules]\nextra = [{json.dumps(name)}]\n"})
    assert main(["scan", str(repo), "--no-cache", "-q", "-f", "json"]) == 2
    assert "'rules.extra' entry 1 lies outside the repository" in error_line(
        capsys.readouterr().err
    )


def test_an_extra_rule_file_in_a_linked_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "acme.toml").write_text(RULE)
    repo = repository(tmp_path, {".leakwindow.toml": '[rules]\nextra = ["ci/acme.toml"]\n'})
    (repo / "ci").symlink_to(elsewhere)
    assert main(["scan", str(repo), "--no-cache", "-q", "-f", "json"]) == 2
    assert "goes through a symbolic link inside the repository" in error_line(
        capsys.readouterr().err
    )


def test_an_extra_rule_file_inside_the_repository_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repository(
        tmp_path,
        {
            ".leakwindow.toml": '[rules]\nextra = ["ci/../ci/acme.toml"]\n',
            "ci/acme.toml": RULE,
            "client.py": 'T = "acme_z9x8c7v6b5n4m3l2k1j0"\n',
        },
    )
    # The python engine: a new rule would otherwise compile a Hyperscan database (seconds).
    assert main(["scan", str(repo), "--no-cache", "-q", "-f", "json", "--engine", "python"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {rule for f in report["findings"] for rule in f["rules"]} == {
        "acme-token",
        "xai-api-key",
    }


@pytest.mark.parametrize("name", [".leakwindow.toml", ".leakwindow-baseline.json"])
def test_deeply_nested_repository_files_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """RecursionError in tomllib / json used to escape as a traceback with exit 1."""
    nested = (
        "a = " + "[" * 50_000 + "]" * 50_000 + "\n"
        if name.endswith(".toml")
        else "[" * 50_000 + "]" * 50_000
    )
    repo = repository(tmp_path, {name: nested})
    assert main(["scan", str(repo), "--no-cache", "-q", "-f", "json"]) == 2
    assert "nested too deeply" in error_line(capsys.readouterr().err)


def test_a_nested_rule_file_and_huge_numbers_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repository(tmp_path)
    nested = tmp_path / "nested.toml"
    nested.write_text("rule = " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert main(["scan", str(repo), "--no-cache", "-q", "--rules", str(nested)]) == 2
    assert "nested too deeply" in error_line(capsys.readouterr().err)
    huge = tmp_path / "huge.toml"
    huge.write_text(RULE.replace('severity = "high"', f"severity = {'9' * 5000}"))
    assert main(["scan", str(repo), "--no-cache", "-q", "--rules", str(huge)]) == 2
    assert "a value out of range" in error_line(capsys.readouterr().err)
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"schema": "leakwindow.baseline/1", "secrets": [' + "9" * 5000 + "]}")
    assert main(["scan", str(repo), "--no-cache", "-q", "--baseline", str(baseline)]) == 2
    assert "baseline is not valid JSON" in error_line(capsys.readouterr().err)


# --- files the user names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "option", [["--rules", "/dev/zero"], ["--baseline", "/dev/zero"], ["--config", "/dev/zero"]]
)
def test_a_device_named_on_the_command_line_is_refused(tmp_path: Path, option: list[str]) -> None:
    repo = repository(tmp_path)
    code, err = run_bounded(["scan", str(repo), "--no-cache", "-q", *option], timeout=60)
    assert code == 2
    assert "not a regular file" in error_line(err)


def test_a_fifo_named_on_the_command_line_does_not_block(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    fifo = tmp_path / "config.fifo"
    os.mkfifo(fifo)
    code, err = run_bounded(["scan", str(repo), "--no-cache", "-q", "--config", str(fifo)], 60)
    assert code == 2
    assert "not a regular file" in error_line(err)
    code, err = run_bounded(["report", str(fifo)], timeout=60)
    assert code == 2
    assert "not a regular file" in error_line(err)


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "REPO", "--config", "DIR"],
        ["scan", "REPO", "--baseline", "DIR"],
        ["scan", "REPO", "--rules", "DIR"],
        ["staged", "REPO", "--config", "DIR"],
        ["report", "DIR"],
        ["rules", "test", "DIR"],
    ],
)
def test_a_directory_named_on_the_command_line_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    repo = repository(tmp_path)
    folder = tmp_path / "folder"
    folder.mkdir()
    argv = [{"REPO": str(repo), "DIR": str(folder)}.get(arg, arg) for arg in args]
    assert main(argv) == 2
    assert "not a regular file" in error_line(capsys.readouterr().err)


def test_report_of_dev_zero_is_refused(tmp_path: Path) -> None:
    code, err = run_bounded(["report", "/dev/zero"], timeout=60)
    assert code == 2
    assert "not a regular file" in error_line(err)


def test_named_files_may_be_links_to_regular_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repository(tmp_path)
    config = tmp_path / "real.toml"
    config.write_text('[paths]\nexclude = ["settings.py"]\n')
    link = tmp_path / "link.toml"
    link.symlink_to(config)
    assert main(["scan", str(repo), "--no-cache", "-q", "--config", str(link)]) == 0


# --- output that cannot be written -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "REPO", "--no-cache", "-q", "-f", "json"],
        ["scan", "REPO", "--no-cache", "-q"],
        ["staged", "REPO", "--format", "json"],
        ["rules", "list", "--format", "json"],
    ],
    ids=["json", "text", "staged", "rules-list"],
)
def test_a_full_disk_on_standard_output_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str]
) -> None:
    """`leakwindow scan X > /dev/full`: the report was lost, which is an error (2), not a
    result (1, "findings") and not a traceback."""
    repo = repository(tmp_path)
    (repo / "staged.py").write_text(f'K = "{TOKEN}"\n')
    git(repo, "add", "staged.py")
    argv = [str(repo) if arg == "REPO" else arg for arg in args]
    with open("/dev/full", "w") as full:
        code, err = run_bounded(argv, timeout=120, stdout=full.fileno())
    assert code == 2
    assert error_line(err) == (
        "leakwindow: error: cannot write to standard output: No space left on device"
    )


def test_a_reader_that_goes_away_leaves_the_result_standing(tmp_path: Path) -> None:
    """A closed pipe (`| head -c 10`): quietly, and the scan's own status (1: the key is
    there), neither 0 (a gate would pass) nor a traceback."""
    repo = repository(tmp_path)
    read, write = os.pipe()
    os.close(read)
    try:
        code, err = run_bounded(["scan", str(repo), "--no-cache", "-q", "-f", "json"], 60, write)
    finally:
        os.close(write)
    assert code == 1
    assert err == ""


# --- odd dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59+05:00",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+05:00",
    ],
)
def test_an_html_report_at_the_ends_of_the_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_of: str
) -> None:
    """`--as-of 9999-12-31T23:59:59Z -f html` used to raise ValueError (year 10000)."""
    repo = repository(tmp_path)
    out = tmp_path / "report.html"
    args = ["scan", str(repo), "--no-cache", "-q", "-f", "html", "-o", str(out)]
    code = main([*args, "--as-of", as_of])
    err = capsys.readouterr().err
    assert code == 1, err  # one finding: the key
    assert "Traceback" not in err
    page = out.read_text()
    assert "xai-api-key" in page
    assert "<svg" in page


# --- the last resort -------------------------------------------------------------------------


def test_an_unexpected_exception_is_one_line_without_its_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (here: a renderer that raises, its message quoting a secret) is reported by
    type and place, exit 2; LEAKWINDOW_DEBUG=1 prints the traceback for a bug report."""
    import scanner.report.sarif as sarif

    def broken(*_: object) -> str:
        raise ValueError(f"cannot render {TOKEN}")

    monkeypatch.setattr(sarif, "render_sarif", broken)
    repo = repository(tmp_path)
    assert main(["scan", str(repo), "--no-cache", "-q", "-f", "sarif"]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("leakwindow: internal error: ValueError at scanner/cli/output.py:")
    assert "LEAKWINDOW_DEBUG=1" in lines[0]
    assert TOKEN not in err
    monkeypatch.setenv("LEAKWINDOW_DEBUG", "1")
    assert main(["scan", str(repo), "--no-cache", "-q", "-f", "sarif"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("leakwindow: internal error: ValueError")


def test_an_unexpected_exception_in_the_hook_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import scanner.cli.staged_command as staged_cli

    def broken(*_: object) -> object:
        raise KeyError(TOKEN)

    monkeypatch.setattr(staged_cli, "scan_added", broken)
    repo = repository(tmp_path)
    (repo / "new.py").write_text("x = 1\n")
    git(repo, "add", "new.py")
    assert staged_cli.main([str(repo)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("leakwindow: internal error: KeyError at scanner/cli/staged_command.py:")
    assert len(err.splitlines()) == 1
    assert TOKEN not in err


def test_the_console_entry_reports_a_failure_outside_the_command_line_in_one_line(
    tmp_path: Path,
) -> None:
    """Even a failure before the command line is built (here: the CLI module cannot be
    imported) ends in one line and exit 2."""
    done = finished(
        leakwindow(
            "scan", str(tmp_path), prelude="import sys; sys.modules['scanner.cli.app'] = None"
        )
    )
    assert done.code == 2
    assert done.stderr.startswith("leakwindow: internal error: ModuleNotFoundError at ")
    assert len(done.stderr.splitlines()) == 1

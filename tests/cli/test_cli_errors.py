"""Bad input: one clear line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli.app import main


def _git_init(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    return path


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("leakwindow: error: ")
    return lines[0]


def test_not_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main(["scan", str(plain)]) == 2
    assert "not a git repository" in _one_error_line(capsys)


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "nope")]) == 2
    assert "no such path" in _one_error_line(capsys)


def test_empty_repository_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _git_init(tmp_path / "empty")
    assert main(["scan", str(repo), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"findings": []' in out


def test_bad_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _git_init(tmp_path / "r")
    assert main(["scan", str(repo), "--as-of", "last tuesday"]) == 2
    assert "--as-of" in _one_error_line(capsys)


def test_unknown_ref(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _git_init(tmp_path / "r")
    (repo / "a.txt").write_text("hello\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a"],
        check=True,
    )
    assert main(["scan", str(repo), "--ref", "no-such-branch"]) == 2
    assert "unknown ref: no-such-branch" in _one_error_line(capsys)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[[rule]\nid = 1", "invalid TOML"),
        ('[[rule]]\nid = "Bad Id"\n', "kebab-case"),
        ('[[rule]]\nid = "x"\ntitle = "X"\nseverity = "urgent"\npattern = "a"\n', "severity"),
        (
            '[[rule]]\nid = "x"\ntitle = "X"\nseverity = "low"\nkeywords = ["a"]\n'
            'pattern = "(unclosed"\n[rule.examples]\nmatch = ["a"]\n',
            "not a valid regular expression",
        ),
    ],
)
def test_malformed_rule_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    repo = _git_init(tmp_path / "r")
    rule_file = tmp_path / "bad.toml"
    rule_file.write_text(content)
    assert main(["scan", str(repo), "--rules", str(rule_file)]) == 2
    line = _one_error_line(capsys)
    assert str(rule_file) in line
    assert expected in line


def test_malformed_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _git_init(tmp_path / "r")
    (repo / ".leakwindow.toml").write_text("[paths]\nexclud = ['x']\n")
    assert main(["scan", str(repo)]) == 2
    assert "unknown key(s) in [paths]: exclud" in _one_error_line(capsys)


def test_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _git_init(tmp_path / "r")
    assert main(["scan", str(repo), "--format", "yaml"]) == 2
    assert "--format" in _one_error_line(capsys)


def test_unknown_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--no-such-flag"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_reader_that_goes_away_ends_the_command_quietly_with_a_failure() -> None:
    """Through the console-script entry (which leaves without interpreter teardown): the
    first line arrives, the closed pipe is a non-zero exit, and no traceback is printed."""
    child = subprocess.Popen(
        [sys.executable, "-c", "from scanner.entry import run; run()", "rules", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    fcntl.fcntl(child.stdout.fileno(), 1031, 4096)  # F_SETPIPE_SZ: the list cannot fit
    first = child.stdout.readline()
    child.stdout.close()
    errors = child.stderr.read().decode()
    assert child.wait(timeout=60) != 0
    assert first.strip()
    assert "Traceback" not in errors


def test_the_entry_exits_with_the_command_status(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from scanner.entry import run; run()", "scan", str(tmp_path)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.decode().startswith("leakwindow: error:")
    assert done.stdout == b""

"""Bad input: one clear line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import fcntl
import os
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


ENTRY = [sys.executable, "-c", "from scanner.entry import run; run()"]
F_SETPIPE_SZ = 1031  # Linux: the pipe's capacity
# Buffered as a user's stdout is, so that some output waits for the final flush.
BUFFERED = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
# Commands that print (all but `staged --help` more than a 4 KiB pipe holds), and the status
# each must end with.
PRINTING = [
    (["rules", "list"], 0),
    (["rules", "list", "-f", "json"], 0),
    (["scan", "--help"], 0),
    (["staged", "--help"], 0),
]


def _read_one_line_then_leave(args: list[str]) -> tuple[int, bytes, str]:
    """Run leakwindow into a pipe too small for its output, read one line and close the pipe
    (`| head -1`): the rest of the output then meets a reader that has gone."""
    child = subprocess.Popen(
        [*ENTRY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=BUFFERED
    )
    assert child.stdout is not None and child.stderr is not None
    fcntl.fcntl(child.stdout.fileno(), F_SETPIPE_SZ, 4096)
    first = child.stdout.readline()
    child.stdout.close()
    errors = child.stderr.read().decode()
    return child.wait(timeout=60), first, errors


@pytest.mark.parametrize(("args", "status"), PRINTING, ids=lambda a: " ".join(a) if a else "")
def test_a_reader_that_goes_away_ends_the_command_quietly(args: list[str], status: int) -> None:
    """Through the console-script entry (which leaves without interpreter teardown): the
    first line arrives, then the command ends with its own status and says nothing."""
    code, first, errors = _read_one_line_then_leave(args)
    assert first.strip() or args == ["scan", "--help"]  # rich's help opens with a blank line
    assert (code, errors) == (status, "")


@pytest.mark.parametrize(("args", "status"), PRINTING, ids=lambda a: " ".join(a) if a else "")
def test_a_reader_gone_before_the_first_byte_is_no_error(args: list[str], status: int) -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [*ENTRY, *args], stdout=write, stderr=subprocess.PIPE, env=BUFFERED, timeout=60
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr.decode()) == (status, "")


def test_rules_list_into_head_exits_0_under_pipefail() -> None:
    """The command as a user types it: `leakwindow rules list | head -2`."""
    leakwindow = Path(sys.executable).absolute().parent / "leakwindow"
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {leakwindow} rules list | head -2"],
        capture_output=True,
        text=True,
        env=BUFFERED,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout.splitlines()) == 2


def test_the_entry_exits_with_the_command_status(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from scanner.entry import run; run()", "scan", str(tmp_path)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.decode().startswith("leakwindow: error:")
    assert done.stdout == b""


def test_an_unknown_token_kind_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fixtures", "token", "nope"]) == 2
    line = _one_error_line(capsys)
    assert "unknown token kind 'nope'" in line and "github-pat" in line

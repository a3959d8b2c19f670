"""The terminal experience: rich report on a TTY, plain text in a pipe, a transient progress
display on stderr, and per-phase timings for --verbose.

Renderer and progress tests drive the modules directly with in-memory streams that claim to
be terminals. End-to-end tests run the real CLI inside pseudo-terminals (the `pty` module) and
replay the raw byte stream through a small VT100 model to see what a person would see.
"""

from __future__ import annotations

import copy
import fcntl
import io
import json
import os
import random
import re
import selectors
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from scanner.cli.progress import NullProgress, make_progress, phase_timings_text
from scanner.cli.terminal_progress import TerminalProgress
from scanner.demo import make_token
from scanner.printable import printable
from scanner.report.console import render_console, write_text_report
from scanner.report.text import describe_window, render_text, verdict

try:  # tests/ is a rootdir-relative folder, or a package once it grows an __init__.py
    from report_samples import planted_secrets, sample_report
except ImportError:  # pragma: no cover - depends on how pytest was pointed at the tests
    from tests.report_samples import planted_secrets, sample_report

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PHASE_WORDS = ("reading history", "scanning", "computing windows")
AS_OF = "2025-06-30T00:00:00Z"
MANY_FILES = 3000
# Variables that would override rich's own terminal detection.
RICH_OVERRIDES = (
    "NO_COLOR",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "LINES",
)


# --- a terminal, modelled just enough to replay rich's output ------------------------------


class Screen:
    """Printable text, CR, LF (as a tty with ONLCR shows it), BS, cursor moves and erases.

    SGR colours and mode switches (cursor show/hide) change nothing on screen and are skipped.
    """

    _TOKEN = re.compile(
        r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.|.", re.S
    )

    def __init__(self) -> None:
        self.rows: list[list[str]] = [[]]
        self.row = 0
        self.col = 0

    def feed(self, data: str) -> Screen:
        for token in self._TOKEN.finditer(data):
            if token.group(2):
                self._csi(token.group(1), token.group(2))
            elif not token.group().startswith("\x1b"):
                self._char(token.group())
        return self

    def text(self) -> str:
        return "\n".join("".join(row).rstrip() for row in self.rows).strip("\n")

    def _line(self) -> list[str]:
        while len(self.rows) <= self.row:
            self.rows.append([])
        return self.rows[self.row]

    def _char(self, char: str) -> None:
        if char == "\r":
            self.col = 0
        elif char == "\n":
            self.row, self.col = self.row + 1, 0
            self._line()
        elif char == "\b":
            self.col = max(0, self.col - 1)
        elif char >= " ":
            line = self._line()
            line.extend(" " * (self.col + 1 - len(line)))
            line[self.col] = char
            self.col += 1

    def _csi(self, params: str, final: str) -> None:
        if params.startswith("?"):
            return
        numbers = [int(p) if p else 0 for p in params.split(";")] if params else []
        count = max(numbers[0], 1) if numbers else 1
        mode = numbers[0] if numbers else 0
        if final == "A":
            self.row = max(0, self.row - count)
        elif final == "B":
            self.row += count
        elif final == "C":
            self.col += count
        elif final == "D":
            self.col = max(0, self.col - count)
        elif final == "G":
            self.col = count - 1
        elif final == "H":
            self.row = count - 1
            self.col = (max(numbers[1], 1) if len(numbers) > 1 else 1) - 1
        elif final == "K":
            line = self._line()
            if mode == 0:
                del line[self.col :]
            elif mode == 1:
                line[: self.col + 1] = [" "] * min(len(line), self.col + 1)
            else:
                line.clear()
        elif final == "J":
            if mode in (2, 3):
                self.rows = [[] for _ in self.rows]
            elif mode == 0:
                del self._line()[self.col :]
                del self.rows[self.row + 1 :]


def test_screen_model_replays_an_erased_line() -> None:
    # Guards the model the end-to-end tests rely on: what is erased is gone.
    screen = Screen().feed("keep\nbar 50%\r\x1b[2K\x1b[1A\x1b[2Kkept\n")
    assert screen.text() == "kept"


# --- a stream that says it is a terminal -----------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class NotATerminal(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def xterm(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment in which rich treats a terminal as interactive."""
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in RICH_OVERRIDES:
        monkeypatch.delenv(name, raising=False)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- render_console --------------------------------------------------------------------------


def _render(report: dict[str, Any], *, colour: bool = True, width: int = 250) -> str:
    stream = io.StringIO()
    console = Console(
        file=stream,
        force_terminal=colour,
        color_system="standard" if colour else None,
        width=width,
    )
    render_console(report, console)
    return stream.getvalue()


def _plain(raw: str) -> str:
    return ANSI.sub("", raw)


def test_console_report_states_every_verdict_and_window_of_the_text_report() -> None:
    report = sample_report()
    shown = _plain(_render(report))
    head_ref = report["scan"]["head"]["ref"]
    for finding in report["findings"]:
        assert verdict(finding, head_ref) in shown
        assert finding["secret_preview"] in shown
        for window in finding["windows"]:
            assert describe_window(window) in shown
        if finding["first_commit"]:
            assert finding["first_commit"]["sha"][:10] in shown


def test_console_report_has_a_findings_table_and_a_summary_line() -> None:
    report = sample_report()
    shown = _plain(_render(report))
    header = next(line for line in shown.splitlines() if "Severity" in line)
    for column in ("Rule", "Preview", "First commit", "Longest window", "In HEAD", "Reachable"):
        assert column in header
    # One row per finding: its number, severity word and rule id on the same line.
    for number, finding in enumerate(report["findings"], start=1):
        row = re.compile(
            rf"^\s*{number}\s+{finding['severity'].upper()}\s+{re.escape(finding['rules'][0])}\s",
            re.M,
        )
        assert row.search(shown), finding["rules"][0]
    assert (
        "6 secrets found (2 critical, 2 high, 1 medium, 1 low), 1 still in HEAD, 1 still live, "
        "1 not checked, longest exposure 59.0 days" in shown
    )


def test_table_shows_the_longest_window_and_marks_an_open_one() -> None:
    shown = _plain(_render(sample_report()))
    openai_row = next(line for line in shown.splitlines() if " openai-api-key " in line)
    slack_row = next(line for line in shown.splitlines() if " slack-bot-token " in line)
    assert "39.0 days" in openai_row  # the release branch's 39 days beat main's 30
    assert "45.7 days, open" in slack_row


def test_severity_is_both_coloured_and_written_out() -> None:
    raw = _render(sample_report())
    for word, colour_code in (("CRITICAL", "41"), ("HIGH", "31"), ("MEDIUM", "33"), ("LOW", "36")):
        codes = re.search(rf"\x1b\[([0-9;]*)m{word}\b", raw)
        assert codes is not None, word
        assert colour_code in codes.group(1).split(";"), word
    colourless = _render(sample_report(), colour=False)
    assert "\x1b" not in colourless
    for word in ("CRITICAL", "HIGH", "MEDIUM", "LOW"):
        assert word in colourless


def test_a_live_key_verdict_is_highlighted() -> None:
    raw = _render(sample_report())
    styled = re.search(r"\x1b\[([0-9;]*)mstill live: rotate now", raw)
    assert styled is not None
    assert "41" in styled.group(1).split(";")  # red background: it must stand out
    removed = re.search(r"\x1b\[([0-9;]*)mremoved from main", raw)
    assert removed is not None and "41" not in removed.group(1).split(";")


def test_console_report_never_prints_a_secret_value() -> None:
    for colour in (True, False):
        shown = _render(sample_report(), colour=colour)
        for secret in planted_secrets().values():
            assert secret not in shown
            assert secret[:16] not in shown


def test_hostile_values_are_shown_literally_and_cannot_move_the_cursor() -> None:
    report = sample_report()
    first = report["findings"][0]["first_commit"]
    first["path"] = "[bold red]x[/bold red]\x1b[2J\u202eyp.evil"
    first["author"] = "[link=http://e.test]Mallory[/link]\x07"
    raw = _render(report)
    shown = _plain(raw)
    assert "[bold red]x[/bold red]\\x1b[2J\\u202eyp.evil" in shown
    assert "[link=http://e.test]Mallory[/link]\\x07" in shown
    assert "\x1b[2J" not in raw
    assert "\u202e" not in raw
    assert "\x07" not in raw
    assert "\x1b]8;" not in raw  # no hyperlink escape was produced from the author's markup


def test_printable_spells_out_control_and_bidi_characters() -> None:
    assert printable("a\tb\x1bc\x9bd\u2066e") == "a\\x09b\\x1bc\\x9bd\\u2066e"
    assert printable("ordinary/path → ünïcode.py") == "ordinary/path → ünïcode.py"


def test_clean_report_says_so_without_a_table() -> None:
    report = sample_report()
    report["findings"] = []
    report["summary"].update(findings=0, in_head=0, live=0, longest_days=0.0)
    shown = _plain(_render(report))
    assert "No secrets found." in shown
    assert "Severity" not in shown


def test_suppressed_findings_are_counted_not_listed() -> None:
    report = sample_report()
    hidden = report["findings"][-1]
    hidden["suppressed"] = "baseline"
    report["summary"]["suppressed"] = 1
    shown = _plain(_render(report))
    assert hidden["secret_preview"] not in shown
    assert "1 suppressed finding(s) not shown." in shown
    assert "5 secrets found" in shown


def test_text_report_is_plain_when_the_stream_is_not_a_terminal() -> None:
    report = sample_report()
    stream = NotATerminal()
    write_text_report(report, stream)
    assert stream.getvalue() == render_text(report)


@pytest.mark.usefixtures("xterm")
def test_text_report_is_rich_when_the_stream_is_a_terminal() -> None:
    report = sample_report()
    stream = FakeTerminal()
    write_text_report(report, stream)
    raw = stream.getvalue()
    assert "\x1b[" in raw
    assert "still live: rotate now" in _plain(raw)
    assert raw != render_text(report)


# --- progress --------------------------------------------------------------------------------


def _drive_a_scan(progress: Any, clock: FakeClock, blobs: int = 300) -> None:
    progress("history", 0, 0)
    clock.now += 0.5
    for done in range(1, blobs + 1):
        clock.now += 0.002
        progress("scan", done, blobs)
    progress("windows", 0, 0)
    clock.now += 0.1


@pytest.mark.usefixtures("xterm")
def test_progress_draws_each_phase_then_erases_itself() -> None:
    stream, clock = FakeTerminal(), FakeClock()
    progress = make_progress(True, stream, clock=clock)
    assert isinstance(progress, TerminalProgress)
    _drive_a_scan(progress, clock)
    during = _plain(stream.getvalue())
    assert "reading history" in during
    assert "scanning 300 blobs" in during
    assert "300/300" in during
    assert "computing windows" in during
    progress.close()
    raw = stream.getvalue()
    assert raw.index("\x1b[?25l") < raw.rindex("\x1b[?25h")  # cursor hidden, then restored
    assert Screen().feed(raw).text() == ""


@pytest.mark.usefixtures("xterm")
def test_progress_shows_throughput() -> None:
    stream, clock = FakeTerminal(), FakeClock()
    progress = make_progress(True, stream, clock=clock)
    progress("scan", 0, 1000)
    clock.now += 2.0
    progress("scan", 500, 1000)
    assert "250 blobs/s" in _plain(stream.getvalue())
    progress.close()


@pytest.mark.usefixtures("xterm")
def test_progress_updates_at_most_ten_times_a_second() -> None:
    stream, clock = FakeTerminal(), FakeClock()
    progress = make_progress(True, stream, clock=clock)
    assert isinstance(progress, TerminalProgress)
    progress("scan", 1, 5000)
    for done in range(2, 1000):
        progress("scan", done, 5000)  # no time passes: none of these is drawn
    assert progress.shown == ("scan", 1, 5000)
    clock.now += 0.05
    progress("scan", 1000, 5000)
    assert progress.shown == ("scan", 1, 5000)
    clock.now += 0.06
    progress("scan", 1001, 5000)
    assert progress.shown == ("scan", 1001, 5000)
    progress("scan", 5000, 5000)  # the last blob is always drawn
    assert progress.shown == ("scan", 5000, 5000)
    progress("windows", 0, 0)  # and so is a new phase
    assert progress.shown == ("windows", 0, 0)
    progress.close()


@pytest.mark.usefixtures("xterm")
def test_disabled_or_piped_progress_writes_nothing() -> None:
    for enabled, stream in ((False, FakeTerminal()), (True, NotATerminal()), (True, io.StringIO())):
        clock = FakeClock()
        progress = make_progress(enabled, stream, clock=clock)
        assert isinstance(progress, NullProgress)
        _drive_a_scan(progress, clock)
        progress.close()
        assert stream.getvalue() == ""


def test_a_dumb_terminal_gets_no_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("TTY_INTERACTIVE", raising=False)
    stream = FakeTerminal()
    progress = make_progress(True, stream)
    assert isinstance(progress, NullProgress)
    progress("scan", 1, 2)
    assert stream.getvalue() == ""


@pytest.mark.usefixtures("xterm")
def test_progress_never_drawn_leaves_the_terminal_untouched() -> None:
    stream = FakeTerminal()
    progress = make_progress(True, stream)
    progress.close()
    progress.close()
    assert stream.getvalue() == ""


@pytest.mark.usefixtures("xterm")
def test_progress_restores_the_cursor_when_the_scan_fails() -> None:
    stream, clock = FakeTerminal(), FakeClock()
    # The way `leakwindow scan` holds it: closed in a `finally`.
    with pytest.raises(RuntimeError), closing(make_progress(True, stream, clock=clock)) as progress:
        progress("scan", 1, 10)
        raise RuntimeError("git died")
    raw = stream.getvalue()
    assert raw.rindex("\x1b[?25h") > raw.index("\x1b[?25l")
    assert Screen().feed(raw).text() == ""
    progress("scan", 2, 10)  # late calls after close draw nothing
    assert stream.getvalue() == raw


def test_phase_timings_list_phases_in_order_with_shares_and_total() -> None:
    text = phase_timings_text({"history": 0.5, "blobs": 1.5, "windows": 0.0})
    lines = text.splitlines()
    assert lines[0] == "phase timings:"
    history, blobs, windows, total = lines[1:]
    assert "reading history" in history and "0.500 s" in history and "25%" in history
    assert "scanning blobs" in blobs and "1.500 s" in blobs and "75%" in blobs
    assert "computing windows" in windows and "0.000 s" in windows and "0%" in windows
    assert "total" in total and "2.000 s" in total


def test_phase_timings_name_unknown_phases_and_survive_zero_or_none() -> None:
    assert "refs" in phase_timings_text({"refs": 0.0})
    assert "%" not in phase_timings_text({"refs": 0.0})
    assert phase_timings_text({}) == "phase timings: none recorded\n"


# --- end to end: the real CLI in pseudo-terminals ---------------------------------------------


def _git(repo: Path, *args: str, data: bytes | None = None) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(repo), *args], input=data, env=env, check=True)


@pytest.fixture(scope="module")
def many_blobs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 small files and one synthetic xAI key: in main for 59 days, then deleted."""
    repo = tmp_path_factory.mktemp("terminal") / "many-blobs"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    token = make_token("xai", random.Random("leakwindow-terminal-test"))
    stream = [b"commit refs/heads/main\n", b"committer Dana <dana@example.test> 1740906840 +0000\n"]
    stream.append(b"data 13\nadd services\n")
    for index in range(MANY_FILES):
        body = f"setting_{index} = {index * 7919}\n".encode()
        stream.append(f"M 100644 inline src/module_{index:05d}.py\ndata {len(body)}\n".encode())
        stream.append(body + b"\n")
    secret_file = f'XAI_API_KEY = "{token}"\n'.encode()
    stream.append(f"M 100644 inline config/settings.py\ndata {len(secret_file)}\n".encode())
    stream.append(secret_file + b"\n")
    stream.append(b"commit refs/heads/main\n")
    stream.append(b"committer Dana <dana@example.test> 1746004440 +0000\n")
    stream.append(b"data 14\nremove secret\nD config/settings.py\n\n")
    _git(repo, "fast-import", "--quiet", data=b"".join(stream))
    return repo


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str  # empty when stderr shared stdout's terminal


_CHILD = "from scanner.entry import run; run()"


def _terminal(columns: int = 140, rows: int = 80) -> tuple[int, int]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return master, slave


def run_cli(args: list[str], *, stdout: str = "tty", stderr: str = "same") -> Run:
    """Run leakwindow with stdout on a "tty" or "pipe", stderr on the "same" terminal, its own
    "tty", or a "pipe"; read every stream to the end while the child runs."""
    env = {k: v for k, v in os.environ.items() if k not in RICH_OVERRIDES}
    env["TERM"] = "xterm-256color"
    readers: dict[int, str] = {}
    child_ends: list[int] = []

    def attach(kind: str, name: str) -> int:
        if kind == "tty":
            master, slave = _terminal()
        else:
            master, slave = os.pipe()
        readers[master] = name
        child_ends.append(slave)
        return slave

    out_fd = attach(stdout, "stdout")
    err_fd = out_fd if stderr == "same" else attach(stderr, "stderr")
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, *args],
            stdin=subprocess.DEVNULL,
            stdout=out_fd,
            stderr=err_fd,
            env=env,
        )
    finally:
        for fd in child_ends:
            os.close(fd)
    chunks: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    selector = selectors.DefaultSelector()
    for fd in readers:
        selector.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    try:
        while selector.get_map() and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=1):
                try:
                    chunk = os.read(key.fd, 65536)
                except OSError:  # EIO: the child closed its end of the terminal
                    chunk = b""
                if chunk:
                    chunks[readers[key.fd]].append(chunk)
                else:
                    selector.unregister(key.fd)
        if selector.get_map():
            process.kill()
            pytest.fail(f"leakwindow {' '.join(args)} did not finish in 60 s")
        code = process.wait(timeout=30)
    finally:
        selector.close()
        for fd in readers:
            os.close(fd)
    return Run(
        code,
        b"".join(chunks["stdout"]).decode("utf-8", "replace"),
        b"".join(chunks["stderr"]).decode("utf-8", "replace"),
    )


def _scan(repo: Path, *extra: str) -> list[str]:
    # --no-cache: each test watches a scan that really reads every blob (a rescan of an
    # unchanged repository is too quick to draw any progress).
    return ["scan", str(repo), "--as-of", AS_OF, "--no-cache", *extra]


def _has_progress(raw: str) -> bool:
    return "\x1b[?25l" in raw or any(word in raw for word in PHASE_WORDS)


def test_piped_scan_shows_no_progress_and_no_escape_codes(many_blobs: Path) -> None:
    run = run_cli(_scan(many_blobs), stdout="pipe", stderr="pipe")
    assert run.code == 1
    assert "xAI API key" in run.stdout
    assert "removed from main but still recoverable from history" in run.stdout
    assert "\x1b" not in run.stdout
    assert "\x1b" not in run.stderr
    assert not _has_progress(run.stderr)


def test_terminal_scan_shows_progress_then_leaves_only_the_report(many_blobs: Path) -> None:
    run = run_cli(_scan(many_blobs), stdout="tty", stderr="same")
    assert run.code == 1
    assert "scanning" in _plain(run.stdout)  # the display was drawn during the scan
    assert "\x1b[?25l" in run.stdout and "\x1b[1A" in run.stdout  # and moved the cursor
    screen = Screen().feed(run.stdout).text()
    assert "Severity" in screen and "Longest window" in screen  # the rich table
    assert "xAI API key" in screen
    assert "59.0 days" in screen
    for word in PHASE_WORDS:
        assert word not in screen


def test_progress_goes_to_a_terminal_stderr_even_when_stdout_is_piped(many_blobs: Path) -> None:
    run = run_cli(_scan(many_blobs, "--format", "json"), stdout="pipe", stderr="tty")
    assert run.code == 1
    assert "scanning" in _plain(run.stderr)
    assert Screen().feed(run.stderr).text() == ""
    assert "\x1b" not in run.stdout
    assert '"schema": "leakwindow.report/1"' in run.stdout


def test_report_on_a_terminal_stdout_is_coloured(many_blobs: Path) -> None:
    run = run_cli(_scan(many_blobs), stdout="tty", stderr="pipe")
    assert run.code == 1
    assert re.search(r"\x1b\[[0-9;]*mCRITICAL", run.stdout)
    assert "Longest window" in _plain(run.stdout)
    assert not _has_progress(run.stderr)  # stderr is a pipe: no display there


def test_quiet_draws_no_progress_even_on_a_terminal(many_blobs: Path) -> None:
    run = run_cli(_scan(many_blobs, "--quiet"), stdout="tty", stderr="tty")
    assert run.code == 1
    assert "xAI API key" in _plain(run.stdout)
    assert "\x1b" not in run.stderr
    assert not _has_progress(run.stderr)


def test_verbose_prints_phase_timings_on_stderr(many_blobs: Path) -> None:
    run = run_cli(_scan(many_blobs, "--verbose"), stdout="pipe", stderr="pipe")
    assert run.code == 1
    timings = re.findall(
        r"^\s+(reading history|scanning blobs|computing windows|total)\s+"
        r"([0-9.]+) s",
        run.stderr,
        re.M,
    )
    assert [name for name, _ in timings] == [
        "reading history",
        "scanning blobs",
        "computing windows",
        "total",
    ]
    assert "phase timings" not in run.stdout  # the report stays clean for pipes


def _all_output(run: Run) -> Iterator[str]:
    yield run.stdout
    yield run.stderr


def test_no_planted_value_reaches_a_terminal(many_blobs: Path) -> None:
    token = make_token("xai", random.Random("leakwindow-terminal-test"))
    for kwargs in ({"stdout": "tty", "stderr": "same"}, {"stdout": "pipe", "stderr": "pipe"}):
        run = run_cli(_scan(many_blobs), **kwargs)
        for text in _all_output(run):
            assert token not in text
            assert token[:20] not in text


def test_report_samples_are_not_mutated_by_rendering() -> None:
    report = sample_report()
    before = copy.deepcopy(report)
    _render(report)
    assert report == before


@pytest.mark.parametrize("stderr", ["tty", "pipe"])
def test_a_report_written_to_a_file_is_summed_up_in_one_line_on_stderr(
    many_blobs: Path, tmp_path: Path, stderr: str
) -> None:
    """With -o the user still learns why the exit code is 1, without opening the file."""
    out = tmp_path / "r.json"
    run = run_cli(_scan(many_blobs, "-f", "json", "-o", str(out)), stdout="tty", stderr=stderr)
    assert run.code == 1
    assert json.loads(out.read_text())["summary"]["findings"] == 1
    said = Screen().feed(run.stderr).text() if stderr == "tty" else run.stderr
    last = said.strip().splitlines()[-1]
    assert last == f"1 secret found (0 still in HEAD); report written to {out}"

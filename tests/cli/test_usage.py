"""`--help` names what every option takes: its choices, or a word such as FILE or REV, never
a type name (`<str>`); usage lines name arguments as PATH or REPORT_FILE, without braces."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from scanner.cli.app import app, main
from scanner.cli.usage import CHOICES

TYPE_NAMES = re.compile(r"<(str|text|int|integer|float|path)>|\b(TEXT|INTEGER|FLOAT)\b")


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield path, command
        return
    for name, sub in subcommands.items():
        yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(typer.main.get_command(app)))


@pytest.fixture(autouse=True)
def _wide_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """Help as a 120-column terminal shows it (at 80, rich folds a long list of choices)."""
    monkeypatch.setenv("COLUMNS", "120")


def test_every_enum_lists_the_values_the_code_accepts() -> None:
    for choices, values in CHOICES.items():
        assert tuple(member.value for member in choices) == values


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_option_that_takes_a_value_names_it(path: tuple[str, ...]) -> None:
    for param in COMMANDS[path].params:
        if getattr(param, "is_flag", False) or param.name == "help":
            continue
        choices = getattr(param.type, "choices", None)
        if choices is not None:
            assert param.metavar == f"[{'|'.join(str(c) for c in choices)}]", param.name
        else:
            assert param.metavar and param.metavar.isupper(), (path, param.name)


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_help_shows_no_type_names_and_no_braces(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    if path == ("staged",):  # argparse's own help: tests/hooks/test_staged.py
        return
    assert main([*path, "--help"]) == 0
    shown = capsys.readouterr().out
    usage = next(line for line in shown.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage
    options = shown[shown.find("Options") :]
    assert not TYPE_NAMES.search(options), TYPE_NAMES.findall(options)


def test_the_help_of_scan_and_report_reads_as_documented(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["report", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Usage: leakwindow report [OPTIONS] REPORT_FILE" in shown
    assert "[text|json|sarif|markdown|html]" in shown
    assert main(["scan", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Usage: leakwindow scan [OPTIONS] [PATH]" in shown
    for choices in ("[auto|hyperscan|python]", "[critical|high|medium|low]", "[high|medium|low]"):
        assert choices in shown


def test_a_value_outside_the_choices_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "list", "--format", "yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("leakwindow: error: ") and err.count("\n") == 1
    assert "'yaml' is not one of 'text', 'json'" in err

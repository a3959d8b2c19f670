"""How `--help` names what each option and argument takes.

An option with a fixed set of values is an Enum, so the command line itself checks it and
`--help` lists its values (`--format [text|json|sarif|markdown|html]`) instead of a type name
such as `<str>`; every other value has a metavar that says what it is (FILE, REV, SECONDS).
Each Enum lists the values of a tuple the rest of the code checks against (`CHOICES`; a test
holds them equal).

Typer writes a required argument as `{REPORT_FILE}` in the usage line; `PlainUsage` writes
it as `REPORT_FILE`, the way every other tool does.
"""

# No `from __future__ import annotations`: typer reads these classes at run time (app.py).

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from scanner.cli.output import FORMATS
from scanner.confidence import CONFIDENCES
from scanner.report.exit_policy import FAIL_ON_DEFAULT, MIN_CONFIDENCE_DEFAULT
from scanner.severity import SEVERITIES

ENGINES = ("auto", "hyperscan", "python")
LIST_FORMATS = ("text", "json")


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    html = "html"


class Engine(str, Enum):
    auto = "auto"
    hyperscan = "hyperscan"
    python = "python"


class Severity(str, Enum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


class Confidence(str, Enum):
    high = "high"
    medium = "medium"
    low = "low"


class ListFormat(str, Enum):
    text = "text"
    json = "json"


FAIL_ON = Severity(FAIL_ON_DEFAULT)  # the defaults, as choices
MIN_CONFIDENCE = Confidence(MIN_CONFIDENCE_DEFAULT)

# The repository a command works on, as `scan`, `baseline create` and `install-hook` take it.
RepositoryArgument = Annotated[
    Path, typer.Argument(help="Repository (or a path inside it).", metavar="PATH")
]

# Each Enum against the tuple the rest of the code checks values with.
CHOICES: dict[type[Enum], tuple[str, ...]] = {
    ReportFormat: FORMATS,
    Engine: ENGINES,
    Severity: SEVERITIES,
    Confidence: CONFIDENCES,
    ListFormat: LIST_FORMATS,
}


def metavar(values: tuple[str, ...]) -> str:
    """`[a|b|c]`: the same in every typer release (some write `<a|b|c>`)."""
    return f"[{'|'.join(values)}]"


class PlainUsage(TyperCommand):
    """A command whose usage line names required arguments without braces."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [
            piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
            for piece in super().collect_usage_pieces(ctx)
        ]

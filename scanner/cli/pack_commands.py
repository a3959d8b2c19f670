"""`leakwindow rules` (list the rules in force, prove their examples) and `leakwindow
fixtures` (list and build the synthetic scenario repositories, print a synthetic token)."""

# No `from __future__ import annotations`: typer evaluates each parameter's annotation while
# building the commands (see app.py).

import json
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli.usage import LIST_FORMATS, ListFormat, PlainUsage, metavar
from scanner.failures import write_standard_output


def register(app: typer.Typer) -> None:
    """Add the `rules` and `fixtures` command groups to the main command line."""
    rules_app = typer.Typer(help="Inspect and test the rule pack.")
    fixtures_app = typer.Typer(help="Synthetic scenario repositories (for demos and tests).")
    app.add_typer(fixtures_app, name="fixtures")
    app.add_typer(rules_app, name="rules")

    @fixtures_app.command("list")
    def fixtures_list() -> int:
        """List the built-in scenarios."""
        from scanner.demo import list_scenarios

        for scenario in list_scenarios():
            write_standard_output(f"{scenario.name:<32} {scenario.description}\n")
        return 0

    @fixtures_app.command("build", cls=PlainUsage)
    def fixtures_build(
        name: Annotated[
            str, typer.Argument(help="A scenario (see `fixtures list`).", metavar="NAME")
        ],
        dest: Annotated[
            Path, typer.Argument(help="Where to build it (a new directory).", metavar="DEST")
        ],
    ) -> int:
        """Build scenario NAME as a git repository at DEST."""
        from scanner.demo import build_scenario

        built = build_scenario(name, dest)
        write_standard_output(f"built {name} at {built.path}\n")
        return 0

    @fixtures_app.command("token")
    def fixtures_token(
        kind: Annotated[
            str,
            typer.Argument(
                help="Kind of token; an unknown kind lists the known ones.", metavar="KIND"
            ),
        ] = "github-pat",
    ) -> int:
        """Print a fresh synthetic token that a rule finds (its checksum valid where the format
        has one) but that no provider ever issued: for trying a hook."""
        import random

        from scanner.demo import make_token
        from scanner.errors import LeakwindowError

        try:
            token = make_token(kind, random.Random())
        except ValueError as exc:
            raise LeakwindowError(str(exc)) from None
        write_standard_output(token + "\n")
        return 0

    @rules_app.command("list")
    def rules_list(
        fmt: Annotated[
            ListFormat,
            typer.Option("--format", "-f", help="Output format.", metavar=metavar(LIST_FORMATS)),
        ] = ListFormat.text,
    ) -> int:
        """List every rule in force."""
        from scanner.rules.pack import load_rules

        pack = load_rules()
        rows = [
            {"id": r.id, "title": r.title, "severity": r.severity, "family": r.family}
            for r in pack.rules
        ]
        if fmt is ListFormat.json:
            write_standard_output(json.dumps(rows, indent=2) + "\n")
        else:
            for row in rows:
                write_standard_output(
                    f"{row['id']:<40} {row['severity']:<9} {row['family']:<20} {row['title']}\n"
                )
            write_standard_output(f"{len(rows)} rules\n")
        return 0

    @rules_app.command("test")
    def rules_test(
        rule_file: Annotated[
            Path | None,
            typer.Argument(
                help="A rule file to test (default: the built-in pack).", metavar="RULE_FILE"
            ),
        ] = None,
    ) -> int:
        """Run every rule's examples; print the failures; exit 1 when any fails."""
        from scanner.detect.rule_examples import check_examples
        from scanner.rules.pack import load_rules

        pack = load_rules([rule_file]) if rule_file is not None else load_rules()
        failures = check_examples(pack)
        examples = sum(len(r.examples_match) + len(r.examples_ignore) for r in pack.rules)
        for failure in failures:
            what = "was not found" if failure.kind == "match" else "was found but must not be"
            write_standard_output(
                f"FAIL {failure.rule_id}: examples.{failure.kind}[{failure.example_index}] {what}\n"
            )
        write_standard_output(
            f"{len(pack)} rules, {examples} examples, {len(failures)} failure(s)\n"
        )
        return 1 if failures else 0

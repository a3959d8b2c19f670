"""`leakwindow baseline create`: accept every secret found now, in a baseline keyed by secret
fingerprints that names what each entry accepts (scanner/scan/baseline_entries.py)."""

# No `from __future__ import annotations` in this module: typer evaluates the annotations.

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli.output import parse_as_of
from scanner.cli.usage import RepositoryArgument
from scanner.failures import write_standard_output

baseline_app = typer.Typer(help="Suppression keyed by secret fingerprints (survives rebases).")


def register(app: typer.Typer) -> None:
    app.add_typer(baseline_app, name="baseline")


@baseline_app.command("create")
def baseline_create(
    path: RepositoryArgument = Path("."),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Default: .leakwindow-baseline.json", metavar="FILE"),
    ] = None,
    include_dangling: Annotated[
        bool,
        typer.Option(
            "--include-dangling",
            help="Accept secrets that only dangling objects hold too (left out by default).",
        ),
    ] = False,
) -> int:
    """Accept every secret found now: write a baseline keyed by secret fingerprints.

    Exits 1 if it left out secrets that only dangling objects hold (listed on stderr)."""
    from scanner.safe_files import write_file_atomically
    from scanner.scan import baseline_entries as entries
    from scanner.scan.baseline import BASELINE_NAME
    from scanner.scan.service import scan_repository

    report, _, repository = scan_repository(path, as_of=parse_as_of(None), ignore_baseline=True)
    target = output or (repository.root / BASELINE_NAME)
    plan = entries.plan_baseline(
        report["findings"],
        include_dangling=include_dangling,
        accepted_before=entries.accepted_before(target),
    )
    document = entries.baseline_document(plan.accepted)
    # Created fresh and renamed into place, never through a link the repository planted
    # (at the target or on the way there); private like a report: it lists fingerprints.
    write_file_atomically(
        target,
        (json.dumps(document, indent=2) + "\n").encode("utf-8"),
        mode=0o600,
        untrusted_roots=repository.directories(),
        what="baseline",
    )
    write_standard_output(f"wrote {len(document['secrets'])} secret fingerprint(s) to {target}\n")
    if plan.dangling_kept:
        sys.stderr.write(entries.dangling_kept_message(plan.dangling_kept))
    if plan.held_back:
        sys.stderr.write(entries.held_back_message(plan.held_back))
        return 1
    return 0

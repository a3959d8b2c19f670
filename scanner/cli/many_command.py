"""`leakwindow scan-many`: scan many repositories on Dask and collect their reports in one
directory (scanner/many/). Dask is imported only when this command runs."""

# No `from __future__ import annotations` in this module: typer evaluates the annotations.

import gc
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from scanner.cli.usage import ENGINES, Engine, PlainUsage, metavar
from scanner.errors import LeakwindowError

_DEFAULT_OUTPUT = Path("leakwindow-reports")
SET_FORMATS = ("json", "sarif")


class SetFormat(str, Enum):
    """What is written per repository: the JSON report always, SARIF too when asked."""

    json = "json"
    sarif = "sarif"


def register(app: typer.Typer) -> None:
    app.command("scan-many", cls=PlainUsage)(scan_many)


def scan_many(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="Paths, file://, git://, https://, ssh:// or user@host:path URLs.",
            metavar="[SOURCE]...",
        ),
    ] = None,
    repos: Annotated[
        Path | None,
        typer.Option("--repos", help="File with one source per line.", metavar="FILE"),
    ] = None,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Directory for the reports and index.json.", metavar="DIR"
        ),
    ] = _DEFAULT_OUTPUT,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="A running Dask scheduler (tcp://host:port).", metavar="ADDRESS"
        ),
    ] = None,
    scheduler_file: Annotated[
        Path | None,
        typer.Option("--scheduler-file", help="A Dask scheduler file.", metavar="FILE"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", help="Local worker processes (default: one per core).", metavar="N"
        ),
    ] = None,
    mirror_dir: Annotated[
        Path | None,
        typer.Option(
            "--mirror-dir",
            help="Where remote repositories are mirrored (default: user cache).",
            metavar="DIR",
        ),
    ] = None,
    fmt: Annotated[
        SetFormat,
        typer.Option(
            "--format",
            "-f",
            help="sarif: also one SARIF file per repository.",
            metavar=metavar(SET_FORMATS),
        ),
    ] = SetFormat.json,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", help="Seconds for one repository (fetch and scan).", metavar="SECONDS"
        ),
    ] = None,
    max_memory: Annotated[
        int | None,
        typer.Option("--max-memory", help="Address space for one repository's scan.", metavar="MB"),
    ] = None,
    retries: Annotated[
        int,
        typer.Option("--retries", help="Tries again for a repository that failed.", metavar="N"),
    ] = 1,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Check each key with its provider, as `scan --verify` does (off by default).",
        ),
    ] = False,
    verify_rate: Annotated[
        float,
        typer.Option(
            "--verify-rate",
            help="Requests per second to one provider host, for the whole run (shared out "
            "among the workers).",
            metavar="N",
        ),
    ] = 2.0,
    github_orgs: Annotated[
        list[str] | None,
        typer.Option(
            "--github-org", help="Every repository of this GitHub organisation.", metavar="NAME"
        ),
    ] = None,
    gitlab_groups: Annotated[
        list[str] | None,
        typer.Option(
            "--gitlab-group",
            help="Every project of this GitLab group and its subgroups.",
            metavar="PATH",
        ),
    ] = None,
    github_url: Annotated[
        str | None,
        typer.Option(
            "--github-url", help="GitHub Enterprise API: https://HOST/api/v3.", metavar="URL"
        ),
    ] = None,
    gitlab_url: Annotated[
        str | None,
        typer.Option(
            "--gitlab-url", help="Self-managed GitLab API: https://HOST/api/v4.", metavar="URL"
        ),
    ] = None,
    include_forks: Annotated[
        bool, typer.Option("--include-forks", help="List forks too (left out by default).")
    ] = False,
    exclude_archived: Annotated[
        bool, typer.Option("--exclude-archived", help="Leave archived repositories out.")
    ] = False,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine", help="Screening engine (same findings).", metavar=metavar(ENGINES)
        ),
    ] = Engine.auto,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Clock for open windows (ISO-8601).", metavar="TIME"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> int:
    """Scan many repositories, each on a Dask worker, into one output directory."""
    from scanner.cli.output import parse_as_of
    from scanner.many.sources import parse_source, read_repos_file, unique
    from scanner.many.task import Settings

    gc.enable()  # a long-running client: Dask's objects hold reference cycles
    if scheduler is not None and scheduler_file is not None:
        raise LeakwindowError("use either --scheduler or --scheduler-file, not both")
    if workers is not None and (workers < 1 or scheduler or scheduler_file):
        raise LeakwindowError("--workers takes a positive number, and only for a local cluster")
    if retries < 0 or (timeout is not None and timeout <= 0):
        raise LeakwindowError("--retries must be 0 or more, --timeout a positive number")
    if max_memory is not None and max_memory < 1:
        raise LeakwindowError("--max-memory takes a positive number of megabytes")
    found = [parse_source(text) for text in sources or []]
    if repos is not None:
        found += read_repos_file(repos)
    if github_orgs or gitlab_groups:
        from scanner.many.listing import ListingChoices, listed_sources

        choices = ListingChoices(github_url, gitlab_url, include_forks, not exclude_archived)
        found += listed_sources(github_orgs or [], gitlab_groups or [], choices, _say(quiet))
    found = unique(found)
    if not found:
        raise LeakwindowError("no repositories given: name them or use --repos FILE")
    settings = Settings(
        mirror_dir=None if mirror_dir is None else str(mirror_dir.resolve()),
        as_of=None if as_of is None else parse_as_of(as_of).isoformat(),
        sarif=fmt is SetFormat.sarif,
        timeout=timeout,
        engine=engine.value,
        max_memory_mb=max_memory,
        verify=_verify_settings(verify_rate) if verify else None,
    )
    return _run(found, settings, output, scheduler, scheduler_file, workers, retries, quiet)


def _verify_settings(rate: float) -> dict[str, Any]:
    """--verify's limits as the scan command's defaults, the rate being the whole run's: each
    task gets its share once the cluster's size is known (`shared_out`)."""
    from dataclasses import asdict

    from scanner.verify.model import VerifySettings

    return {**asdict(VerifySettings(per_host_per_second=rate)), "host_overrides": {}}


def shared_out(settings: Any, slots: int) -> Any:
    """The settings with --verify's per-host rate divided among `slots` tasks running at once,
    so that a cluster of N workers sends a provider no more than one scan would."""
    from dataclasses import replace

    if not settings.verify or slots <= 1:
        return settings
    rate = float(settings.verify["per_host_per_second"]) / slots
    return replace(settings, verify={**settings.verify, "per_host_per_second": rate})


def _say(quiet: bool) -> Any:
    def say(line: str) -> None:
        if not quiet:
            sys.stderr.write(f"leakwindow: {line}\n")

    return say


def _run(
    sources: list[Any],
    settings: Any,
    output: Path,
    scheduler: str | None,
    scheduler_file: Path | None,
    workers: int | None,
    retries: int,
    quiet: bool,
) -> int:
    from scanner.many.cluster import dask_client
    from scanner.many.report_set import ReportSet, exit_code
    from scanner.many.run import scan_all

    report_set = ReportSet(output, sources)
    done = 0

    from scanner.printable import printable
    from scanner.report.scope import size_text

    def show(outcome: Any) -> None:
        nonlocal done
        done += 1
        entry = report_set.record(outcome)
        if quiet:
            return
        if entry["status"] == "ok":
            summary = entry["summary"]
            what = f"{summary['findings']} secret(s), {summary['failing']} failing"
            what += f", {size_text(summary['bytes_scanned'])}"
            what += ", unchanged" if entry.get("reused") else f", {outcome.seconds:.1f} s"
        else:
            what = f"error: {entry['error']}"
        line = f"[{done}/{len(sources)}] {entry['source']}: {what}"
        sys.stderr.write(f"leakwindow: {printable(line)}\n")

    with dask_client(scheduler, scheduler_file, workers) as client:
        slots = sum(int(w.get("nthreads", 1)) for w in client.scheduler_info()["workers"].values())
        settings = shared_out(settings, slots)
        try:
            scan_all(client, sources, settings, report_set.resumable(), retries, show)
        finally:  # interrupted too: a rerun skips what is done
            index = report_set.write_index()
    _write_dashboard(report_set, index)
    entries = index["repositories"]
    failed = sum(1 for entry in entries if entry["status"] != "ok")
    sys.stderr.write(
        f"leakwindow: {len(entries) - failed} of {len(entries)} repositories scanned, "
        f"{failed} failed; index written to {output / 'index.json'}\n"
    )
    return exit_code(entries)


def _write_dashboard(report_set: Any, index: dict[str, Any]) -> None:
    """DIR/index.html and DIR/summary.md, from the dashboard module where this build has it."""
    import importlib

    try:
        dashboard = importlib.import_module("scanner.many.dashboard")
    except ImportError:
        return
    reports = report_set.load_reports()
    for name, render in (
        ("index.html", dashboard.render_dashboard),
        ("summary.md", dashboard.render_summary_markdown),
    ):
        report_set.write_text(name, render(index, reports))

"""Command line: parse, call, print. `main(argv) -> int` runs without a subprocess."""

# No `from __future__ import annotations` in this module: typer would then eval each
# parameter's annotation string while building the commands (13 ms of every run, measured
# with both cli.py and hook_commands.py postponed: 16.7 ms against 3.9 ms).

import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

try:  # recent typer vendors click as typer._click; older releases depend on click itself
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

from scanner.cli.output import (
    FORMATS,
    REPORT_SIZE_LIMIT,
    parse_as_of,
    render,
    to_standard_output,
    write_notes,
    write_output,
    written_line,
)
from scanner.cli.usage import (
    ENGINES,
    FAIL_ON,
    MIN_CONFIDENCE,
    Confidence,
    Engine,
    PlainUsage,
    ReportFormat,
    RepositoryArgument,
    Severity,
    metavar,
)
from scanner.confidence import CONFIDENCES
from scanner.errors import LeakwindowError
from scanner.failures import (
    OutputLost,
    discard_standard_output,
    flush_standard_output,
    internal_error,
    output_lost,
    standard_output_failed,
    standard_output_is_null,
    standard_output_reader_gone,
    write_standard_output,
)
from scanner.report.exit_policy import (
    EXIT_ZERO_HELP,
    MIN_CONFIDENCE_HELP,
    BlockingPolicy,
    check_fail_on,
    check_min_confidence,
    fail_on_help,
)
from scanner.severity import SEVERITIES

# The report's format and destination, as `scan` and `report` both take them.
FormatOption = Annotated[
    ReportFormat,
    typer.Option("--format", "-f", help="Report format.", metavar=metavar(FORMATS)),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report here ('-' for stdout).", metavar="FILE"),
]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find leaked secrets in git history and measure how long each one was exposed.",
)


def _print_version(asked: bool) -> None:
    if asked:
        from scanner import __version__

        sys.stdout.write(f"leakwindow {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
) -> None:
    pass  # the help text is the app's


@app.command()
def scan(
    path: RepositoryArgument = Path("."),
    fmt: FormatOption = ReportFormat.text,
    output: OutputOption = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Clock for open windows (ISO-8601).", metavar="TIME"),
    ] = None,
    all_branches: Annotated[
        bool, typer.Option("--all-branches", help="Windows on every branch, not just HEAD.")
    ] = False,
    refs: Annotated[
        list[str] | None,
        typer.Option("--ref", help="Also compute windows on this ref (repeatable).", metavar="REF"),
    ] = None,
    max_blob_size: Annotated[
        int,
        typer.Option(
            "--max-blob-size", help="Skip blobs larger than this (bytes).", metavar="BYTES"
        ),
    ] = 10 * 1024 * 1024,
    rules_file: Annotated[
        list[Path] | None,
        typer.Option("--rules", help="Extra rule file (repeatable).", metavar="FILE"),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="Config file instead of .leakwindow.toml.", metavar="FILE"),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine", help="Screening engine (same findings).", metavar=metavar(ENGINES)
        ),
    ] = Engine.auto,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only secrets introduced by commits in REV..HEAD (CI).", metavar="REV"
        ),
    ] = None,
    revision_range: Annotated[
        str | None,
        typer.Option("--range", help="Only secrets introduced by commits in A..B.", metavar="A..B"),
    ] = None,
    fail_on: Annotated[
        Severity,
        typer.Option("--fail-on", help=fail_on_help("fails"), metavar=metavar(SEVERITIES)),
    ] = FAIL_ON,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help=EXIT_ZERO_HELP)] = False,
    min_confidence: Annotated[
        Confidence,
        typer.Option("--min-confidence", help=MIN_CONFIDENCE_HELP, metavar=metavar(CONFIDENCES)),
    ] = MIN_CONFIDENCE,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Suppress secrets listed here (leakwindow or detect-secrets).",
            metavar="FILE",
        ),
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check each found key once with its provider.")
    ] = False,
    verify_timeout: Annotated[
        float,
        typer.Option("--verify-timeout", help="Seconds to wait for each check.", metavar="SECONDS"),
    ] = 10.0,
    verify_concurrency: Annotated[
        int, typer.Option("--verify-concurrency", help="Checks at once.", metavar="N")
    ] = 8,
    verify_rate: Annotated[
        float,
        typer.Option("--verify-rate", help="Requests per second per provider host.", metavar="N"),
    ] = 2.0,
    verify_budget: Annotated[
        float,
        typer.Option("--verify-budget", help="Total seconds for verification.", metavar="SECONDS"),
    ] = 60.0,
    trust_config: Annotated[
        bool,
        typer.Option(
            "--trust-config", help="Let the repository's own rules add verification endpoints."
        ),
    ] = False,
    only_live: Annotated[
        bool,
        typer.Option(
            "--only-live", help="With --verify: report only live keys and keys not checked."
        ),
    ] = False,
    fail_on_live: Annotated[
        bool,
        typer.Option(
            "--fail-on-live",
            help="With --verify: exit 1 when a key is live, 3 when one could not be checked.",
        ),
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the incremental cache.")
    ] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            help="Root of the incremental cache instead of ~/.cache/leakwindow "
            "($XDG_CACHE_HOME/leakwindow); not inside the scanned repository.",
            metavar="DIR",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Per-phase timings on stderr.")
    ] = False,
) -> int:
    """Scan a repository's whole history and report each secret's exposure windows."""
    from scanner.scan.service import scan_repository

    policy = BlockingPolicy(
        check_fail_on(fail_on.value), exit_zero=exit_zero, fail_on_live=fail_on_live
    )
    least_sure = check_min_confidence(min_confidence.value)
    if since and revision_range:
        raise LeakwindowError("use either --since or --range, not both")
    if revision_range is not None and ".." not in revision_range:
        raise LeakwindowError(f"bad --range {revision_range!r}: expected A..B")
    if max_blob_size <= 0:
        raise LeakwindowError("--max-blob-size must be a positive number of bytes")
    _require_verify_for_live_options(verify, only_live=only_live, fail_on_live=fail_on_live)
    from scanner.rules.pack import check_rule_files

    check_rule_files(rules_file or [])  # before anything reads them: `--rules /dev/zero`
    from scanner.cli.progress import make_progress, phase_timings_text

    progress = make_progress(not quiet)
    try:
        report, pack, repository = scan_repository(
            path,
            as_of=parse_as_of(as_of),
            all_branches=all_branches,
            extra_refs=refs or [],
            max_blob_size=max_blob_size,
            extra_rules=rules_file or [],
            config_file=config_file,
            engine=engine.value,
            progress=progress,
            use_cache=not no_cache,
            cache_dir=cache_dir,
            revision_range=revision_range or (f"{since}..HEAD" if since else None),
            baseline_file=baseline,
            trust_config=trust_config,
            verify=verify,
            verify_settings=(
                _verify_settings(verify_timeout, verify_concurrency, verify_rate, verify_budget)
                if verify
                else None
            ),
            only_live=only_live,
            min_confidence=least_sure,
            fail_on=policy.fail_on,
        )
    finally:
        progress.close()
    if verbose:
        sys.stderr.write(phase_timings_text(report["scan"]["phases"]))
    if "verification" in report["scan"]:
        from scanner.verify import contacted_summary

        sys.stderr.write(contacted_summary(report["scan"]["verification"]["contacted"]) + "\n")
    if fmt is ReportFormat.text and to_standard_output(output):
        from scanner.report.console import write_text_report

        try:
            write_text_report(report, sys.stdout)
        except OSError as exc:
            standard_output_failed(exc)
    else:
        roots = () if to_standard_output(output) else repository.directories()
        write_output(render(report, fmt.value, pack.by_id), output, roots)
        if output is not None and not to_standard_output(output):
            sys.stderr.write(written_line(report, output))
    for reason in report["scan"].get("incomplete") or []:
        sys.stderr.write(f"leakwindow: warning: incomplete scan: {reason}\n")
    write_notes(report)
    return policy.report_exit_code(report)


def _require_verify_for_live_options(verify: bool, *, only_live: bool, fail_on_live: bool) -> None:
    """--only-live and --fail-on-live judge what --verify found out: without it, no key would
    be checked (nor would any leave the machine without being asked to)."""
    for given, option in ((only_live, "--only-live"), (fail_on_live, "--fail-on-live")):
        if given and not verify:
            raise LeakwindowError(
                f"{option} needs --verify (it judges what checking each key with its provider "
                "finds out; keys are sent to providers only when you ask for it)"
            )


def _verify_settings(timeout: float, concurrency: int, rate: float, budget: float) -> Any:
    from scanner.verify import VerifySettings

    return VerifySettings(
        timeout_s=timeout, concurrency=concurrency, per_host_per_second=rate, budget_s=budget
    )


@app.command("report", cls=PlainUsage)
def report_command(
    report_file: Annotated[
        Path, typer.Argument(help="A JSON report saved by `scan -f json`.", metavar="REPORT_FILE")
    ],
    fmt: FormatOption = ReportFormat.text,
    output: OutputOption = None,
) -> int:
    """Render a saved JSON report again, in any format, without rescanning."""
    # The file may come from anywhere: it is read with a size limit (a regular file only)
    # and held to the report schema before any renderer sees it (scanner/report/validate.py).
    from scanner.report.document import REPORT_SCHEMA
    from scanner.report.validate import InvalidReport, parse_report_json, valid_report
    from scanner.safe_files import read_regular_file

    data = read_regular_file(report_file, limit=REPORT_SIZE_LIMIT, what="report")
    try:
        parsed = parse_report_json(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise LeakwindowError(f"{report_file} is not a JSON report: not UTF-8 text") from None
    except InvalidReport as exc:
        raise LeakwindowError(f"{report_file} is not a JSON report: {exc}") from None
    if not isinstance(parsed, dict) or parsed.get("schema") != REPORT_SCHEMA:
        raise LeakwindowError(f"{report_file} is not a {REPORT_SCHEMA} report")
    try:
        report = valid_report(parsed)
    except InvalidReport as exc:
        raise LeakwindowError(
            f"{report_file} is not a valid {REPORT_SCHEMA} report: {exc}"
        ) from None
    rules: Any = None
    if fmt is ReportFormat.sarif:  # SARIF describes each rule; the other formats need no rule pack
        from scanner.cache.rule_pack import load_pack_cached
        from scanner.rules.config import Config

        rules = load_pack_cached(Config(), []).by_id
    write_output(render(report, fmt.value, rules), output)
    return 0


@app.command()
def demo() -> int:
    """Build the 59-day incident scenario in a temporary directory and scan it."""
    from scanner.demo import build_scenario
    from scanner.report.text import render_text
    from scanner.scan.service import scan_repository

    with tempfile.TemporaryDirectory(prefix="leakwindow-demo-") as workdir:
        built = build_scenario("incident", Path(workdir) / "incident")
        report, *_ = scan_repository(
            built.path,
            as_of=parse_as_of(None),
            target="incident (synthetic demo repository)",
        )
        write_standard_output(render_text(report))
    write_standard_output(
        "\nWhat this shows: a synthetic xAI key was committed to config/settings.py on "
        "2025-03-02 and removed on 2025-04-30, so main's tree held it for 59 days. Deleting the "
        "file did not delete the key: every commit in that window still carries it, and the "
        "refs listed as 'reachable' can recover it with a plain checkout. Removal is not "
        "revocation: rotate the key first, then rewrite history if you must.\n"
    )
    return 0


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def staged(ctx: typer.Context) -> int:
    """Scan only the lines the staged change adds (pre-commit). See `leakwindow staged --help`."""
    from scanner.cli.staged_command import main as staged_main

    return staged_main(list(ctx.args))


def _register_more_commands() -> None:
    """Commands that live in their own modules: `install-hook` and `pre-push`
    (hook_commands.py), `rules` and `fixtures` (pack_commands.py), `scan-many`
    (many_command.py), `baseline` (baseline_command.py, after `fixtures` and `rules` in
    --help)."""
    from scanner.cli import baseline_command, hook_commands, many_command, pack_commands

    hook_commands.register(app)
    pack_commands.register(app)
    many_command.register(app)
    baseline_command.register(app)


_register_more_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error becomes one line on stderr and an exit code (2 for an error
    of any kind: 1 means findings, and a failure must never read as a result)."""
    command = typer.main.get_command(app)
    null_before = standard_output_is_null()
    try:
        result = command.main(
            args=list(sys.argv[1:] if argv is None else argv),
            prog_name="leakwindow",
            standalone_mode=False,
        )
        flush_standard_output()
    except LeakwindowError as exc:
        sys.stderr.write(f"leakwindow: error: {exc}\n")
        return 2
    except click_errors.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stderr.write(exc.format_message() + "\n")
        else:
            sys.stderr.write(f"leakwindow: error: {exc.format_message()}\n")
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:
        # typer and rich end with exit 1 when the reader of their help text leaves (rich
        # points stdout at the null device first); any other broken pipe is an error, never
        # 1 ("findings").
        if standard_output_reader_gone() or (standard_output_is_null() and not null_before):
            discard_standard_output()
            return 0
        return 2 if exc.code == 1 else int(exc.code or 0)
    except typer.Abort:
        sys.stderr.write("leakwindow: aborted\n")
        return 130
    except OutputLost as exc:
        return output_lost(exc.cause)
    except BrokenPipeError as exc:  # a reader went away while something else was written
        return output_lost(exc)
    except Exception as exc:  # the last resort: one line, exit 2, never a traceback
        return internal_error(exc)
    return result if isinstance(result, int) else 0

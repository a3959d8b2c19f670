"""What every command does with a finished report: print it or write it safely, in the
format asked for, with its notes on stderr; and the --as-of clock the commands share."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import LeakwindowError
from scanner.failures import write_standard_output

if TYPE_CHECKING:
    from scanner.report.document import Report

FORMATS = ("text", "json", "sarif", "markdown", "html")


def parse_as_of(value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LeakwindowError(
            f"bad --as-of {value!r}: expected ISO-8601, e.g. 2025-06-30T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


# A report is at most a few hundred megabytes; `report FILE` reads no more than this.
REPORT_SIZE_LIMIT = 256 * 1024 * 1024


def to_standard_output(output: Path | None) -> bool:
    """No --output, or `-o -`: the report goes to stdout."""
    return output is None or str(output) == "-"


def write_output(text: str, output: Path | None, untrusted_roots: Sequence[Path] = ()) -> None:
    """Print, or write a report file readable only by its owner (reports describe secrets).

    The file is created fresh and renamed into place: a link planted at `output` (a pull
    request that commits `results.sarif -> ~/.bashrc`), or a link to a directory on the way
    inside `untrusted_roots`, is refused with one line, and a file someone else created
    there is replaced, never written into."""
    if to_standard_output(output):
        write_standard_output(text)
        return
    assert output is not None
    from scanner.safe_files import write_file_atomically

    write_file_atomically(
        output, text.encode("utf-8"), mode=0o600, untrusted_roots=untrusted_roots, what="report"
    )


def render(report: Report, fmt: str, rules: Any = None) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        from scanner.report.text import render_text

        return render_text(report)
    if fmt == "sarif":
        from scanner.report.sarif import render_sarif

        return render_sarif(report, rules or {})
    if fmt == "markdown":
        from scanner.report.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from scanner.report.html import render_html

        return render_html(report)
    raise LeakwindowError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def written_line(report: Report, output: Path) -> str:
    """What a scan that wrote its report to a file says on stderr, so a user who gets exit
    code 1 learns why without opening the file: `9 secrets found (5 still in HEAD, 2 live);
    report written to r.json`."""
    from scanner.printable import printable
    from scanner.report.scope import plural

    summary = report["summary"]
    count = summary["findings"]
    if count == 0:
        found = "No secrets found"
    else:
        details = [f"{summary['in_head']} still in HEAD"]
        if "verification" in report["scan"]:
            details.append(f"{summary['live']} live")
        found = f"{plural(count, 'secret')} found ({', '.join(details)})"
    return f"{found}; report written to {printable(str(output))}\n"


def write_notes(report: Report) -> None:
    """Each of the report's notes as one warning line on stderr, whatever the format."""
    from scanner.printable import printable

    for note in report["scan"].get("notes") or []:
        sys.stderr.write(f"leakwindow: warning: {printable(note['message'])}\n")

"""The output directory of `scan-many`: one report per repository and the index of them all.

    DIR/index.json            schema leakwindow.report-set/1: every source, its status, its
                              report's path, a summary, and the digests a rerun compares
    DIR/reports/NAME.json     each repository's leakwindow.report/1 document
    DIR/reports/NAME.html     its HTML report (what the dashboard links to)
    DIR/reports/NAME.sarif    with --format sarif
    DIR/index.html, summary.md  the organisation dashboard and Markdown summary

NAME is a slug of the source plus a digest of it (scanner/many/sources.py), never the raw
source text. Files are written fresh and renamed into place, so a run stopped half-way
leaves every file whole; the index is rewritten every few seconds during a run, so a rerun
after an interruption skips what was already done.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.errors import LeakwindowError
from scanner.many.sources import Source
from scanner.many.task import Outcome, Previous
from scanner.report.exit_policy import EXIT_BLOCKED, EXIT_CLEAN, EXIT_INCOMPLETE, BlockingPolicy
from scanner.safe_files import read_regular_file, write_file_atomically

INDEX_SCHEMA = "leakwindow.report-set/1"
INDEX_NAME = "index.json"
REPORTS = "reports"
_INDEX_LIMIT = 256 << 20
_REPORT_LIMIT = 256 << 20
_INDEX_EVERY_SECONDS = 10.0


def summarize(report: Mapping[str, Any]) -> dict[str, Any]:
    """The facts the index keeps per repository, taken from its report."""
    findings = report["findings"]
    policy = BlockingPolicy()
    scan = report["scan"]
    return {
        **report["summary"],
        "failing": len(policy.blocking_findings(findings)),
        "open": sum(
            1
            for found in findings
            if not found.get("suppressed") and any(w["closed"] is None for w in found["windows"])
        ),
        "severities": dict(Counter(found["severity"] for found in findings)),
        "commits": scan["stats"]["commits"],
        "bytes_scanned": scan["stats"]["bytes_scanned"],
        "incomplete": list(scan.get("incomplete") or []),
        "exit_code": policy.report_exit_code(report),
    }


def read_index(output: Path) -> dict[str, Any] | None:
    """The index a previous run left in `output`, or None (missing, unreadable, another
    schema: the run then starts afresh)."""
    path = output / INDEX_NAME
    if not path.is_file():
        return None
    try:
        index = json.loads(read_regular_file(path, limit=_INDEX_LIMIT, what="index"))
    except (LeakwindowError, ValueError):
        return None
    if not isinstance(index, dict) or index.get("schema") != INDEX_SCHEMA:
        return None
    if not isinstance(index.get("repositories"), list):
        return None
    return index


def _digests(entry: Mapping[str, Any]) -> Previous | None:
    values = [entry.get(name) for name in ("refs_digest", "rule_pack_digest", "settings_digest")]
    strings = [value for value in values if isinstance(value, str)]
    return Previous(*strings) if len(strings) == len(values) else None


class ReportSet:
    """The output directory during a run: records each outcome as it arrives."""

    def __init__(self, output: Path, sources: Sequence[Source], write_html: bool = True) -> None:
        self.output = output
        self.sources = list(sources)
        self.write_html = write_html
        self.entries: dict[str, dict[str, Any]] = {}
        self._last_index = time.monotonic()
        self._previous: dict[str, dict[str, Any]] = {}
        index = read_index(output)
        for entry in (index or {}).get("repositories", []):
            if isinstance(entry, dict) and isinstance(entry.get("source"), str):
                self._previous[entry["source"]] = entry
        try:
            (output / REPORTS).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LeakwindowError(f"cannot create {output / REPORTS}: {exc.strerror}") from None

    def resumable(self) -> dict[str, Previous]:
        """Digests of the sources whose last report is good and still on disk: a task skips
        such a source when they still hold."""
        found = {}
        for source in self.sources:
            entry = self._previous.get(source.display)
            if entry is None or entry.get("status") != "ok":
                continue
            digests = _digests(entry)
            report = entry.get("report")
            if digests and isinstance(report, str) and self._on_disk(report):
                found[source.display] = digests
        return found

    def _on_disk(self, relative: str) -> bool:
        try:
            return self._inside(relative).is_file()
        except LeakwindowError:
            return False

    def _inside(self, relative: str) -> Path:
        """A path the index names, only if it stays inside this run's reports folder."""
        path = (self.output / relative).resolve()
        if path.parent != (self.output / REPORTS).resolve():
            raise LeakwindowError(f"the index names a file outside {REPORTS}/: {relative!r}")
        return path

    def record(self, outcome: Outcome) -> dict[str, Any]:
        """Write the outcome's files and its index entry; the entry."""
        source = outcome.source
        entry: dict[str, Any] = {"source": source.display, "status": "error", "error": None}
        if outcome.status == "unchanged":
            entry = {**self._previous[source.display], "reused": True}
        elif outcome.status == "ok" and outcome.report is not None:
            entry.update(self._write_reports(source, outcome))
        else:
            entry.update(error=outcome.error or "failed", report=None, summary=None)
        if outcome.digests is not None and outcome.status != "error":
            entry.update(
                refs_digest=outcome.digests.refs_digest,
                rule_pack_digest=outcome.digests.rule_pack_digest,
                settings_digest=outcome.digests.settings_digest,
            )
        entry["seconds"] = round(outcome.seconds, 3)
        self.entries[source.display] = entry
        if time.monotonic() - self._last_index > _INDEX_EVERY_SECONDS:
            self.write_index()
        return entry

    def _write_reports(self, source: Source, outcome: Outcome) -> dict[str, Any]:
        report = outcome.report
        assert report is not None
        stem = f"{REPORTS}/{source.file_stem}"
        written: dict[str, Any] = {"status": "ok", "error": None, "report": f"{stem}.json"}
        self.write_text(f"{stem}.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        if self.write_html:
            from scanner.report.html import render_html

            self.write_text(f"{stem}.html", render_html(report))  # type: ignore[arg-type]
            written["html"] = f"{stem}.html"
        if outcome.sarif is not None:
            self.write_text(f"{stem}.sarif", outcome.sarif)
            written["sarif"] = f"{stem}.sarif"
        written["summary"] = summarize(report)
        return written

    def write_text(self, relative: str, text: str) -> None:
        write_file_atomically(self.output / relative, text.encode("utf-8"), what="report")

    def index(self) -> dict[str, Any]:
        """The index document, the sources in the order given. A source not done yet keeps
        its entry from the last run (its report is still the latest), or has none."""
        from scanner import __version__

        return {
            "schema": INDEX_SCHEMA,
            "tool": {"name": "leakwindow", "version": __version__},
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "repositories": [
                self.entries.get(source.display) or self._previous[source.display]
                for source in self.sources
                if source.display in self.entries or source.display in self._previous
            ],
        }

    def write_index(self) -> dict[str, Any]:
        index = self.index()
        self.write_text(INDEX_NAME, json.dumps(index, indent=2, ensure_ascii=False) + "\n")
        self._last_index = time.monotonic()
        return index

    def load_reports(self) -> dict[str, dict[str, Any]]:
        """Every good entry's report, by its relative path (what the dashboard renders)."""
        reports = {}
        for entry in self.entries.values():
            if entry.get("status") == "ok" and isinstance(entry.get("report"), str):
                data = read_regular_file(
                    self._inside(entry["report"]), limit=_REPORT_LIMIT, what="report"
                )
                reports[entry["report"]] = json.loads(data)
        return reports


def exit_code(entries: Sequence[Mapping[str, Any]]) -> int:
    """1 when any repository has a failing finding; else 3 when any source failed or was
    scanned incompletely; else 0."""
    codes = {
        entry["summary"]["exit_code"] if entry.get("status") == "ok" else EXIT_INCOMPLETE
        for entry in entries
    }
    if EXIT_BLOCKED in codes:
        return EXIT_BLOCKED
    return EXIT_INCOMPLETE if EXIT_INCOMPLETE in codes else EXIT_CLEAN

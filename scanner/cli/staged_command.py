"""`leakwindow staged`: the pre-commit path, parsed with argparse to keep start-up short.

`--format json` prints the staged document (schema leakwindow.staged/1, typed as
StagedReport in scanner/report/document.py, described by scanner/report/staged-schema.json).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from scanner.cache.rule_pack import load_pack_cached, matcher_cached
from scanner.confidence import CONFIDENCES, Confidence, at_least_as_sure, surest
from scanner.detect.grading import match_grade
from scanner.errors import LeakwindowError
from scanner.failures import (
    OutputLost,
    flush_standard_output,
    internal_error,
    output_lost,
    write_standard_output,
)
from scanner.hooks.staged import StagedMatch, repository_root, scan_added, staged_diff
from scanner.matches import fingerprint_of, preview_of
from scanner.report.exit_policy import (
    EXIT_ZERO_HELP,
    FAIL_ON_CHOICES,
    FAIL_ON_DEFAULT,
    MIN_CONFIDENCE_DEFAULT,
    MIN_CONFIDENCE_HELP,
    BlockingPolicy,
    check_fail_on,
    fail_on_help,
)
from scanner.rules.config import find_config, path_filter
from scanner.rules.pack import RulePack, check_rule_files
from scanner.severity import rank

if TYPE_CHECKING:  # types only: the hook's start-up imports no more than it needs
    from scanner.report.document import StagedFinding, StagedReport

_FIX_HELP = (
    "To fix: remove the secret from the file and stage it again; if it was ever pushed or "
    "shared, rotate it.\n"
    "A false positive? Add `leakwindow:allow` on that line, or record it in the baseline "
    "(`leakwindow baseline create --include-dangling`: it is in no commit yet)."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leakwindow staged",
        description="Scan only the lines the staged change adds (for pre-commit hooks). Exit 1 "
        "when a staged secret blocks the commit, 2 on an error.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        default=".",
        type=Path,
        metavar="PATH",
        help="Repository (or a path inside it); default: the current directory.",
    )
    parser.add_argument(
        "--format",
        "-f",
        choices=("text", "json"),
        default="text",
        help="text: the staged secrets on stderr (default); json: the staged document on "
        "stdout (schema leakwindow.staged/1).",
    )
    parser.add_argument(
        "--rules",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="Extra rule file (repeatable).",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="Config file instead of the repository's .leakwindow.toml.",
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "hyperscan", "python"),
        default="auto",
        help="Screening engine (default auto); both give the same findings.",
    )
    parser.add_argument(
        "--fail-on", choices=FAIL_ON_CHOICES, default=FAIL_ON_DEFAULT, help=fail_on_help("blocks")
    )
    parser.add_argument("--exit-zero", action="store_true", help=EXIT_ZERO_HELP)
    parser.add_argument(
        "--min-confidence",
        choices=CONFIDENCES,
        default=MIN_CONFIDENCE_DEFAULT,
        help=MIN_CONFIDENCE_HELP,
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="FILE",
        help="Suppress the secrets listed here (default: .leakwindow-baseline.json when "
        "present; a detect-secrets baseline works too).",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="Check each staged key with its provider and say what was found (the commit is "
        "blocked either way).",
    )
    return parser


def _report(
    matches: list[StagedMatch], pack: RulePack, root: Path, scanned: int, unsure: Unsure
) -> StagedReport:
    from datetime import datetime, timezone

    findings: dict[str, StagedFinding] = {}
    grades: dict[str, list[Confidence]] = {}
    for item in matches:
        fingerprint = fingerprint_of(item.match.secret)
        entry = findings.setdefault(
            fingerprint,
            {
                "fingerprint": fingerprint,
                "rules": [],
                "title": "",
                "severity": "low",
                "confidence": "low",
                "secret_preview": preview_of(item.match.secret),
                "locations": [],
            },
        )
        if item.match.rule_id not in entry["rules"]:
            entry["rules"].append(item.match.rule_id)
            # The most severe rule leads, as in the history report: its title and severity.
            entry["rules"].sort(key=lambda rule_id: (rank(pack.by_id[rule_id].severity), rule_id))
            lead = pack.by_id[entry["rules"][0]]
            entry["title"], entry["severity"] = lead.title, lead.severity
        grades.setdefault(fingerprint, []).append(
            match_grade(pack.by_id[item.match.rule_id], item.match)
        )
        entry["confidence"] = surest(grades[fingerprint])
        entry["locations"].append(
            {"path": item.path, "line": item.match.line, "column": item.match.column}
        )
    return {
        "schema": "leakwindow.staged/1",
        "scan": {
            "target": str(root),
            "mode": "staged",
            "as_of": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "stats": {"bytes_scanned": scanned},
            "min_confidence": {"level": unsure.level, "hidden": unsure.hidden},
        },
        "findings": list(findings.values()),
    }


def _verify(matches: list[StagedMatch], pack: RulePack) -> dict[str, str]:
    """Check each unique staged secret once; returns fingerprint -> what the check found out
    ("live", "invalid", "not checked (reason)", ...). It never unblocks a commit: a staged
    secret blocks whatever its check says."""
    from collections import Counter

    from scanner.verify import VerifyRequest, contacted_summary, verify_secrets

    requests = []
    for item in matches:
        rule = pack.by_id[item.match.rule_id]
        if not rule.verify:
            continue
        pair_rule = rule.verify.get("pair")
        pair = next(
            (
                m.match.secret
                for m in matches
                if pair_rule and m.match.rule_id == pair_rule and m.path == item.path
            ),
            None,
        )
        requests.append(
            VerifyRequest(fingerprint_of(item.match.secret), rule, item.match.secret, pair)
        )
    contacted: Counter[str] = Counter()
    results = verify_secrets(requests, contacts=contacted)
    sys.stderr.write(contacted_summary(contacted) + "\n")
    from scanner.report.verdict import check_label  # here: only `--verify` needs it

    labels = {fingerprint: check_label(r.status, r.detail) for fingerprint, r in results.items()}
    return {fingerprint: label for fingerprint, label in labels.items() if label}


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    root = repository_root(args.path)
    check_rule_files(args.rules)  # before anything reads them: `--rules /dev/zero`
    config = find_config(root, args.config)
    diff = staged_diff(root)
    pack = load_pack_cached(config, args.rules)
    keep = path_filter(config, pack)
    # A staged change is small: keyword screening compiles in milliseconds, patterns do not.
    matcher = matcher_cached(pack, args.engine, screen_patterns=False)
    matches, scanned = scan_added(diff, matcher)
    if keep is not None:
        matches = [m for m in matches if keep(m.match.rule_id, m.path)]
    if matches or args.baseline is not None:  # a clean change needs no baseline
        from scanner.scan.baseline import find_baseline

        baseline = find_baseline(root, args.baseline)
        if baseline is not None:
            matches = [m for m in matches if baseline.reason(m.match.secret) is None]
    matches, unsure = _sure_enough(matches, pack, args.min_confidence)
    statuses = _verify(matches, pack) if args.verify else {}
    # Whatever --verify found out: a staged secret blocks by its severity alone.
    policy = BlockingPolicy(check_fail_on(args.fail_on), exit_zero=args.exit_zero)
    blocking = any(policy.blocks(pack.by_id[m.match.rule_id].severity) for m in matches)
    if args.format == "json":
        import json

        document = _report(matches, pack, root, scanned, unsure)
        write_standard_output(json.dumps(document, indent=2) + "\n")
    elif matches or unsure.hidden:
        sys.stderr.write(_message(matches, pack, statuses, unsure))
    return policy.exit_code(blocking=blocking)


class Unsure(NamedTuple):
    """The matches --min-confidence left out: how many, below which grade."""

    level: Confidence
    hidden: int


def _sure_enough(
    matches: list[StagedMatch], pack: RulePack, level: Confidence
) -> tuple[list[StagedMatch], Unsure]:
    """The matches at least as sure as `level`, and a count of the others."""
    kept = [
        m
        for m in matches
        if at_least_as_sure(match_grade(pack.by_id[m.match.rule_id], m.match), level)
    ]
    return kept, Unsure(level, len(matches) - len(kept))


def _message(
    matches: list[StagedMatch], pack: RulePack, statuses: dict[str, str], unsure: Unsure
) -> str:
    from scanner.printable import printable_lines

    unsure_note = (
        f"leakwindow: {unsure.hidden} less sure match{'es' if unsure.hidden != 1 else ''} "
        f"(below --min-confidence {unsure.level}) not shown\n"
        if unsure.hidden
        else ""
    )
    if not matches:
        return unsure_note
    plural = "s" if len(matches) != 1 else ""
    lines = [f"leakwindow: {len(matches)} secret{plural} in the staged change"]
    for item in matches:
        rule = pack.by_id[item.match.rule_id]
        status = statuses.get(fingerprint_of(item.match.secret))
        note = f"  [{status}]" if status else ""
        lines.append(
            f"  {item.path}:{item.match.line}:{item.match.column}  {rule.severity:<8} "
            f"{rule.id}  {preview_of(item.match.secret)}{note}"
        )
    return printable_lines(lines) + "\n" + _FIX_HELP + "\n" + unsure_note


def main(argv: list[str]) -> int:
    """Run the hook; an error of any kind is one line on stderr and exit 2 (1 would read as
    "a secret is staged")."""
    try:
        code = run(argv)
        flush_standard_output()
    except LeakwindowError as exc:
        sys.stderr.write(f"leakwindow: error: {exc}\n")
        return 2
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    except OutputLost as exc:
        return output_lost(exc.cause)
    except BrokenPipeError as exc:
        return output_lost(exc)
    except KeyboardInterrupt:
        sys.stderr.write("leakwindow: aborted\n")
        return 130
    except Exception as exc:  # the last resort: one line, exit 2, never a traceback
        return internal_error(exc)
    return code

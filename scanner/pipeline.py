"""Glue for the history scan: repository, config and rules in; the JSON report dict out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from scanner.config import Config, find_config
from scanner.matching import Matcher
from scanner.report.build import build_report
from scanner.repository import open_repository
from scanner.rules import RulePack, load_rules
from scanner.scan import DEFAULT_MAX_BLOB_SIZE, ScanOptions, scan_history


def load_pack(config: Config, extra_rules: Sequence[Path]) -> RulePack:
    return load_rules(
        extra_files=[*config.extra_rule_files, *extra_rules],
        disabled=config.disabled_rules,
    )


def path_filter(config: Config, pack: RulePack) -> Any:
    """A (rule id, path) → keep? function, or None when nothing depends on paths."""
    has_rule_paths = any(rule.path_ignore for rule in pack.rules)
    if not config.exclude_paths and not has_rule_paths:
        return None

    def allowed(rule_id: str, path: str) -> bool:
        if config.path_excluded(path):
            return False
        rule = pack.by_id[rule_id]
        return not any(pattern.search(path) for pattern in rule.path_ignore)

    return allowed


def run_history_scan(
    path: Path,
    *,
    as_of: datetime,
    all_branches: bool = False,
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE,
    extra_rules: Sequence[Path] = (),
    config_file: Path | None = None,
    engine: str = "auto",
) -> tuple[dict[str, Any], RulePack]:
    repository = open_repository(path)
    config = find_config(repository.worktree, config_file)
    pack = load_pack(config, extra_rules)
    matcher = Matcher(pack, engine=engine)
    options = ScanOptions(
        as_of=as_of,
        all_branches=all_branches,
        max_blob_size=max_blob_size,
        path_allowed=path_filter(config, pack),
    )
    result = scan_history(repository.root, pack, matcher, options)
    stats = {
        "commits": result.commits,
        "blobs_scanned": result.blob_stats.blobs_scanned,
        "bytes_scanned": result.blob_stats.bytes_scanned,
        "blobs_skipped": result.blob_stats.blobs_skipped,
        "blobs_skipped_binary": result.blob_stats.blobs_skipped_binary,
        "blobs_skipped_size": result.blob_stats.blobs_skipped_size,
        "blobs_unreadable": result.blob_stats.blobs_unreadable,
    }
    report = build_report(
        target=str(path),
        mode="history",
        head_ref=result.head.ref if result.head.commit else result.head.ref,
        head_sha=result.head.commit,
        refs=[ref.name for ref in result.refs],
        as_of=as_of,
        seconds=result.seconds,
        stats=stats,
        findings=result.findings,
        rules=pack.by_id,
    )
    report["scan"]["engine"] = result.engine
    report["scan"]["phases"] = result.phases
    return report, pack

"""Glue for the history scan: repository, config and rules in; the JSON report dict out."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.baseline import find_baseline
from scanner.cache import BlobCache, default_cache_path, scan_key
from scanner.config import find_config, path_filter
from scanner.history import range_commits
from scanner.model import Finding
from scanner.pack_cache import load_pack_cached, matcher_cached
from scanner.report.build import build_report
from scanner.repository import open_repository
from scanner.result_cache import ResultStore, result_path
from scanner.rules import RulePack
from scanner.scan import (
    DEFAULT_MAX_BLOB_SIZE,
    ScanOptions,
    VerifyCandidate,
    finding_order,
    scan_history,
)
from scanner.snapshot import SnapshotStore, snapshot_path

if TYPE_CHECKING:
    from scanner.verify import VerifySettings


def apply_verification(
    findings: list[Finding],
    candidates: Sequence[VerifyCandidate],
    pack: RulePack,
    settings: VerifySettings | None,
    contacted: Counter[str],
) -> list[Finding]:
    """Check each candidate once with its rule's endpoint; live findings sort first."""
    from scanner.verify import VerifyRequest, verify_secrets

    requests = [
        VerifyRequest(c.fingerprint, pack.by_id[c.rule_id], c.secret, c.pair_secret)
        for c in candidates
    ]
    results = verify_secrets(requests, settings, contacts=contacted)
    updated = [
        replace(finding, verification=results[finding.fingerprint])
        if finding.fingerprint in results
        else finding
        for finding in findings
    ]
    updated.sort(key=finding_order)
    return updated


def run_history_scan(
    path: Path,
    *,
    as_of: datetime,
    all_branches: bool = False,
    extra_refs: Sequence[str] = (),
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE,
    extra_rules: Sequence[Path] = (),
    config_file: Path | None = None,
    engine: str = "auto",
    revision_range: str | None = None,
    baseline_file: Path | None = None,
    verify: bool = False,
    verify_settings: VerifySettings | None = None,
    ignore_baseline: bool = False,
    only_commits: frozenset[str] | None = None,
    trust_config: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    parallel: bool = True,
) -> tuple[dict[str, Any], RulePack]:
    """Scan history; `revision_range` ("A..B") or `only_commits` limit findings to secrets
    introduced by those commits (CI and pre-push), with full-history windows and provenance."""
    repository = open_repository(path)
    in_range = range_commits(repository.root, revision_range) if revision_range else only_commits
    config = find_config(repository.worktree, config_file)
    pack = load_pack_cached(config, extra_rules, trust_config=trust_config)
    baseline = None if ignore_baseline else find_baseline(repository.worktree, baseline_file)
    cache_file = default_cache_path(repository.git_dir, cache_dir)
    blob_key = scan_key(pack, max_blob_size)
    # The saved history also depends on which paths count: the config's path settings.
    snapshot_key = hashlib.sha256(
        f"{blob_key}\0{config.exclude_paths}\0{config.noise_paths}".encode()
    ).hexdigest()
    options = ScanOptions(
        as_of=as_of,
        all_branches=all_branches,
        extra_refs=tuple(extra_refs),
        max_blob_size=max_blob_size,
        path_allowed=path_filter(config, pack),
        only_introduced_in=in_range,
        suppression=baseline.reason_for if baseline else None,
        collect_verification=verify,
        cache=BlobCache(cache_file, blob_key) if use_cache else None,
        snapshot=SnapshotStore(snapshot_path(cache_file), snapshot_key) if use_cache else None,
        results=ResultStore(result_path(cache_file), snapshot_key) if use_cache else None,
        parallel=parallel,
    )
    try:
        result = scan_history(
            repository.root, pack, lambda: matcher_cached(pack, engine), options, progress
        )
    finally:
        if options.cache is not None:
            options.cache.close()
    contacted: Counter[str] = Counter()
    if verify:
        result.findings = apply_verification(
            result.findings, result.verify_candidates, pack, verify_settings, contacted
        )
    stats = {
        "commits": result.commits,
        "blobs_scanned": result.blob_stats.blobs_scanned,
        "bytes_scanned": result.blob_stats.bytes_scanned,
        "blobs_skipped": result.blob_stats.blobs_skipped,
        "blobs_skipped_binary": result.blob_stats.blobs_skipped_binary,
        "blobs_skipped_size": result.blob_stats.blobs_skipped_size,
        "blobs_unreadable": result.blob_stats.blobs_unreadable,
        "blobs_lfs_pointers": result.blob_stats.blobs_lfs_pointers,
        "blobs_timed_out": result.blob_stats.blobs_timed_out,
        "blobs_missing": result.integrity.missing_blobs,
        "objects_unreadable": len(result.integrity.unreadable_objects),
        "refs_unreadable": len(result.integrity.unreadable_refs),
        "blobs_cached": result.blobs_cached,
    }
    report = build_report(
        target=str(path),
        mode="history" if in_range is None else "range",
        head_ref=result.head.ref,
        head_sha=result.head.commit,
        refs=[ref.name for ref in result.refs],
        as_of=as_of,
        seconds=result.seconds,
        stats=stats,
        findings=result.findings,
        rules=pack.by_id,
    )
    if in_range is not None:
        report["scan"]["range"] = revision_range or "pushed commits"
        report["scan"]["stats"]["range_commits"] = len(in_range)
    if verify:
        report["scan"]["verification"] = {"contacted": dict(sorted(contacted.items()))}
    report["scan"]["engine"] = result.engine
    report["scan"]["gitlinks"] = list(result.integrity.gitlinks)  # submodules: not followed
    report["scan"]["shallow_boundary"] = list(result.integrity.shallow_boundary)
    report["scan"]["partial_clone"] = result.integrity.partial_clone
    report["scan"]["incomplete"] = result.integrity.incomplete_reasons(
        result.blob_stats.blobs_unreadable, result.blob_stats.blobs_timed_out
    )
    report["scan"]["phases"] = result.phases
    return report, pack

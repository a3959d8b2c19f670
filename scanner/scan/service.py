"""The scan service: a repository path and the command line's options in; its report out.

Opens the repository, reads its config, rules and baseline, places the caches, runs the
history scan, counts days at --as-of, verifies keys when asked, and hands the final findings
and the scan's facts to the report builder (scanner/report/build.py), which makes the whole
document in one pass. Every caller that wants a report (`scan`, `demo`, `baseline create`,
the pre-push hook) comes through here.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from scanner.cache.blob_verdicts import BlobCache
from scanner.cache.history_snapshot import SnapshotStore
from scanner.cache.keys import blob_verdict_key, engine_identity, history_key
from scanner.cache.place import place_for, shared_cache_allowed
from scanner.cache.results import ResultStore
from scanner.cache.rule_pack import load_pack_cached, matcher_cached
from scanner.confidence import Confidence
from scanner.git.refs import range_commits
from scanner.git.repository import Repository, open_repository
from scanner.model import NO_VERIFY_ENDPOINT, Finding, Verification
from scanner.report.build import ScanFacts, build_report
from scanner.report.document import Report, Stats
from scanner.rules.config import Config, find_config, path_filter
from scanner.rules.pack import RulePack
from scanner.scan.baseline import Baseline, find_baseline
from scanner.scan.engine import find_secrets_in_history
from scanner.scan.findings import finding_order
from scanner.scan.findings_view import view_findings
from scanner.scan.options import DEFAULT_MAX_BLOB_SIZE, ScanOptions, VerifyCandidate
from scanner.severity import LOWEST, Severity

if TYPE_CHECKING:
    from scanner.verify import VerifySettings


def apply_verification(
    findings: list[Finding],
    candidates: Sequence[VerifyCandidate],
    pack: RulePack,
    settings: VerifySettings | None,
    contacted: Counter[str],
) -> list[Finding]:
    """Check each candidate once with its rule's endpoint; live findings sort first. A finding
    none of whose rules has an endpoint says so (it is not "could not be checked")."""
    from scanner.verify import VerifyRequest, verify_secrets

    requests = [
        VerifyRequest(c.fingerprint, pack.by_id[c.rule_id], c.secret, c.pair_secret)
        for c in candidates
    ]
    results = verify_secrets(requests, settings, contacts=contacted)
    no_endpoint = Verification("unchecked", NO_VERIFY_ENDPOINT)
    updated = [
        replace(finding, verification=results[finding.fingerprint])
        if finding.fingerprint in results
        else finding
        if finding.suppressed
        else replace(finding, verification=no_endpoint)
        for finding in findings
    ]
    updated.sort(key=finding_order)
    return updated


@dataclass(frozen=True)
class _IncrementalCaches:
    blobs: BlobCache | None = None
    snapshot: SnapshotStore | None = None
    results: ResultStore | None = None


def _incremental_caches(
    repository: Repository,
    cache_root: Path | None,
    pack: RulePack,
    config: Config,
    engine: str,
    max_blob_size: int,
    baseline: Baseline | None,
) -> _IncrementalCaches:
    """The repository's caches in its directory under the user's cache root, each keyed by
    everything its answers depend on (`cache_keys`). None of them when there is no usable
    directory (one line on stderr says why); LeakwindowError for a --cache-dir inside the
    scanned repository."""
    placement = place_for(repository, cache_root)
    if placement.note:
        sys.stderr.write(f"leakwindow: note: {placement.note}\n")
    if placement.place is None:
        return _IncrementalCaches()
    verdicts = blob_verdict_key(pack.digest, engine_identity(engine), max_blob_size)
    # The saved history and findings also depend on which paths count.
    saved = history_key(verdicts, config.exclude_paths, config.noise_paths)
    # A detect-secrets baseline names secrets by sha1, which the saved findings do not keep.
    needs_sha1 = baseline is not None and bool(baseline.sha1s)
    return _IncrementalCaches(
        blobs=BlobCache(placement.place.blobs, verdicts),
        snapshot=SnapshotStore(placement.place.history, saved),
        results=None if needs_sha1 else ResultStore(placement.place.result, saved),
    )


class ScanOutcome(NamedTuple):
    """A scanned repository's report, the rule pack it was scanned with (SARIF describes
    each rule from it) and the repository as discovered (a file written next to it is never
    written through a link it planted)."""

    report: Report
    pack: RulePack
    repository: Repository


def scan_repository(
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
    only_live: bool = False,
    min_confidence: Confidence = "low",
    fail_on: Severity = LOWEST,
    ignore_baseline: bool = False,
    only_commits: frozenset[str] | None = None,
    trust_config: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    parallel: bool = True,
    target: str | None = None,
) -> ScanOutcome:
    """Scan a repository's history and build its report; `revision_range` ("A..B") or
    `only_commits` limit findings to secrets introduced by those commits (CI and pre-push),
    with full-history windows and provenance. `only_live` (with `verify`) reports only the
    keys that are live or could not be checked; findings less sure than `min_confidence` are
    left out (counted in the report); the headline's longest exposure is that of findings at
    or above `fail_on`; `target` is what the report names as the
    scanned repository (default: `path`)."""
    repository = open_repository(path)
    in_range = (
        range_commits(repository.scan_root, revision_range) if revision_range else only_commits
    )
    config = find_config(repository.worktree, config_file)
    # The rule-pack and matcher caches are not used from a cache root the repository holds.
    shared = shared_cache_allowed(repository)
    pack = load_pack_cached(config, extra_rules, trust_config=trust_config, use_cache=shared)
    baseline = None if ignore_baseline else find_baseline(repository.worktree, baseline_file)
    caches = (
        _incremental_caches(repository, cache_dir, pack, config, engine, max_blob_size, baseline)
        if use_cache
        else _IncrementalCaches()
    )
    options = ScanOptions(
        as_of=as_of,
        all_branches=all_branches,
        extra_refs=tuple(extra_refs),
        max_blob_size=max_blob_size,
        path_allowed=path_filter(config, pack),
        only_introduced_in=in_range,
        suppression=baseline.reason_for if baseline else None,
        collect_verification=verify,
        cache=caches.blobs,
        snapshot=caches.snapshot,
        results=caches.results,
        parallel=parallel,
    )
    try:
        result = find_secrets_in_history(
            repository.scan_root,
            pack,
            lambda: matcher_cached(pack, engine, use_cache=shared),
            options,
            progress,
        )
    finally:
        if options.cache is not None:
            options.cache.close()
    # Days up to --as-of and first commits at a shallow boundary: also for a saved result.
    findings = sorted(
        view_findings(
            result.findings, as_of=as_of, shallow_boundary=result.integrity.shallow_boundary
        ),
        key=finding_order,
    )
    contacted: Counter[str] = Counter()
    if verify:
        findings = apply_verification(
            findings, result.verify_candidates, pack, verify_settings, contacted
        )
    stats: Stats = {
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
    if in_range is not None:
        stats["range_commits"] = len(in_range)
    facts = ScanFacts(
        target=repository.name if target is None else target,
        head_ref=result.head.ref,
        head_sha=result.head.commit,
        refs=tuple(ref.name for ref in result.refs),
        as_of=as_of,
        seconds=result.seconds,
        stats=stats,
        engine=result.engine,
        cache=result.cache_answer,
        gitlinks=tuple(result.integrity.gitlinks),
        shallow_boundary=tuple(result.integrity.shallow_boundary),
        partial_clone=result.integrity.partial_clone,
        alternates=tuple(result.integrity.alternates),
        incomplete=tuple(
            result.integrity.incomplete_reasons(
                result.blob_stats.blobs_unreadable, result.blob_stats.blobs_timed_out
            )
        ),
        phases=result.phases,
        range=None if in_range is None else (revision_range or "pushed commits"),
        contacted=contacted if verify else None,
    )
    report = build_report(
        facts,
        findings,
        pack.by_id,
        only_live=only_live,
        min_confidence=min_confidence,
        fail_on=fail_on,
    )
    return ScanOutcome(report, pack, repository)

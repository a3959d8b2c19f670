"""The history scan's engine: refs in, findings out, by the cheapest way the caches allow.

It reads the refs, then picks how to get the history and its matches: the saved result of
an unchanged repository (scanner.scan.saved_result), a saved history reused or extended
(scanner.scan.incremental), or a full read (scanner.scan.cold). Every blob is matched at
most once, whichever way; the findings are drawn the same way for all (scanner.scan.findings).
The service around it, scanner.scan.service, turns the result into a report.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from scanner import parking
from scanner.cache.history_snapshot import RepoState, repository_state
from scanner.detect.matcher import Matcher
from scanner.errors import LeakwindowError
from scanner.git.refs import Head, RefListing, read_head, read_refs, resolve_ref
from scanner.rules.pack import RulePack
from scanner.scan import background
from scanner.scan.cold import read_whole_history
from scanner.scan.context_lines import add_context_lines
from scanner.scan.findings import findings_from_matches, verify_candidates
from scanner.scan.incremental import reuse_saved_history, start_saving
from scanner.scan.named_files import match_named_files
from scanner.scan.options import ScanOptions, ScanResult
from scanner.scan.saved_result import answer_from_saved, result_key, result_store, result_to_save


def find_secrets_in_history(
    repo: Path,
    pack: RulePack,
    make_matcher: Callable[[], Matcher],
    options: ScanOptions,
    progress: Callable[[str, int, int], None] | None = None,
) -> ScanResult:
    """Scan every commit's tree and every object; `make_matcher` is only called when blobs
    must be matched (a saved result of an unchanged repository needs no matcher)."""
    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str, since: float) -> float:
        now = time.monotonic()
        phases[name] = round(now - since, 3)
        return now

    mark = started
    if progress is not None:
        progress("history", 0, 0)
    extra_refs = [resolve_ref(repo, name) for name in options.extra_refs]
    listing = read_refs(repo)
    refs = listing.refs
    head = read_head(repo)
    results = result_store(options)
    store = options.snapshot
    state = _repository_state(repo, listing, head) if store or results else None
    if state is None:
        store = results = None  # the state could not be read: no saved history or findings
    key = result_key(state, options, extra_refs)
    saved = results.load(key) if results is not None and key else None
    if saved is not None:
        answered = answer_from_saved(saved, repo, head, refs, options, started, phases)
        if answered is not None:
            phase("saved result", mark)
            return answered
    caching = any(c is not None for c in (options.cache, store, results))
    matcher = make_matcher()
    loaded = store.load(state) if store is not None and state is not None else None
    read = reuse_saved_history(repo, loaded, state, listing, head, matcher, options)
    if read is None:
        read = read_whole_history(repo, listing, head, matcher, options, progress)
    match_named_files(repo, read, listing.object_refs, matcher, options.max_blob_size)
    mark = phase("history", mark)
    phases["blobs"] = 0.0  # blobs are matched while the history is read: counted there
    complete = not read.integrity.incomplete_reasons(
        read.blobs.stats.blobs_unreadable, read.blobs.stats.blobs_timed_out
    )
    saving: background.Pending[None] | None = None
    if store is not None and state is not None and complete and not read.already_saved:
        saving = start_saving(store, state, read, options.parallel)
    if progress is not None:
        progress("windows", 0, 0)

    found = findings_from_matches(
        pack,
        read.history,
        read.blobs.matches,
        listing,
        head,
        extra_refs,
        read.integrity.shallow_boundary,
        options,
    )
    findings = add_context_lines(
        repo, found.findings, found.first_blobs, read.blobs.matches, read.inventory.blob_sizes
    )
    phase("windows", mark)
    if results is not None and key and complete:
        results.save(
            key,
            result_to_save(
                findings,
                read.history,
                read.integrity,
                commits=found.commits_reached,
                blobs=len(read.inventory.blob_sizes),
                engine=matcher.engine,
            ),
        )
    candidates = (
        verify_candidates(pack, found.secrets, findings) if options.collect_verification else []
    )
    parking.park(read.history, read.inventory, read.blobs, found.secrets)
    if saving is not None:
        with contextlib.suppress(LeakwindowError):  # a rescan just reads the history again
            saving.result()
    return ScanResult(
        target=str(repo),
        head=head,
        refs=refs,
        findings=findings,
        commits=found.commits_reached,
        blob_stats=read.blobs.stats,
        seconds=round(time.monotonic() - started, 3),
        engine=matcher.engine,
        phases=phases,
        verify_candidates=candidates,
        integrity=read.integrity,
        blobs_cached=read.blobs_cached,
        cache_answer=read.cache_answer if caching else "off",
    )


def _repository_state(repo: Path, listing: RefListing, head: Head) -> RepoState | None:
    """The repository's state for the saved history and findings, from the refs and HEAD
    already read; None when it cannot be read (an object store that cannot be listed): the
    scan then runs without them."""
    refs_signature = repr(
        (
            sorted((r.name, r.commit, r.symbolic) for r in listing.refs),
            listing.unreadable,
            head,
            sorted((r.name, r.oid) for r in listing.object_refs),
        )
    )
    try:
        return repository_state(repo, refs_signature)
    except (LeakwindowError, OSError, ValueError):
        return None

"""History mode: refs → graph and provenance → unique blobs scanned once → findings."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from scanner import parking
from scanner.cache.blob_verdicts import BlobCache
from scanner.cache.history_snapshot import (
    BaseFile,
    RepoState,
    Snapshot,
    SnapshotStore,
    new_object_ids,
    repository_state,
    restricted,
)
from scanner.cache.results import ResultStore, SavedResult
from scanner.detect.matching import Matcher
from scanner.errors import LeakwindowError
from scanner.exposure.provenance import Introduction, Provenance, compute_provenance, reachability
from scanner.exposure.windows import first_parent_chain, windows_on_chain
from scanner.git.history import History, merge_histories
from scanner.git.integrity import Integrity, check_integrity
from scanner.git.inventory import Inventory, read_inventory
from scanner.git.log_parse import read_commits_only, read_history
from scanner.git.process import run_git
from scanner.git.refs import Head, ObjectRef, Ref, read_head, read_refs, resolve_ref
from scanner.model import (
    CommitInfo,
    Finding,
    FirstCommit,
    Location,
    Match,
    SecretDigests,
    Window,
    digests_of,
    fingerprint_of,
    preview_of,
)
from scanner.rules.pack import RulePack
from scanner.scan import background
from scanner.scan.blobscan import (
    BlobScanResult,
    BlobScanStats,
    recover_matches,
    saved_positions,
    scan_blobs,
)
from scanner.severity import rank

DEFAULT_MAX_BLOB_SIZE = 10 * 1024 * 1024


@dataclass(frozen=True)
class ScanOptions:
    as_of: datetime
    all_branches: bool = False
    extra_refs: tuple[str, ...] = ()
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE
    path_allowed: Callable[[str, str], bool] | None = None  # (rule id, path) -> keep?
    only_introduced_in: frozenset[str] | None = None  # range mode: commits of the range
    suppression: Callable[[SecretDigests], str | None] | None = None  # -> reason, or None
    collect_verification: bool = False  # keep what --verify needs: secret and its pair
    cache: BlobCache | None = None  # blobs known clean from earlier scans
    parallel: bool = True  # match blobs in child processes while the history is parsed
    snapshot: SnapshotStore | None = None  # reuse the history of an unchanged repository
    results: ResultStore | None = None  # reuse the findings of an unchanged repository
    jobs: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))


@dataclass(frozen=True)
class VerifyCandidate:
    """A finding's secret (and a companion credential from the same blob) for --verify."""

    fingerprint: str
    rule_id: str
    secret: bytes = field(repr=False)
    pair_secret: bytes | None = field(default=None, repr=False)


@dataclass
class ScanResult:
    target: str
    head: Head
    refs: list[Ref]
    findings: list[Finding]
    commits: int
    blob_stats: BlobScanStats
    seconds: float
    engine: str
    phases: dict[str, float] = field(default_factory=dict)
    verify_candidates: list[VerifyCandidate] = field(default_factory=list)
    integrity: Integrity = field(default_factory=Integrity)
    blobs_cached: int = 0  # clean in an earlier scan with the same rules: not read again
    # How the incremental cache answered: "off", "saved result", "saved history" (nothing
    # changed), "extended history" (new objects added to it) or "full read".
    cache_answer: str = "off"


def _reported_refs(head: Head, refs: list[Ref], all_branches: bool) -> dict[str, str]:
    """The refs that get windows: HEAD's, and with --all-branches every local and
    remote-tracking branch, whatever its name (`team/HEAD` too). A symbolic ref such as
    refs/remotes/origin/HEAD names another branch, whose windows it would only repeat."""
    reported: dict[str, str] = {}
    if head.commit is not None:
        reported[head.ref] = head.commit
    if all_branches:
        for ref in refs:
            if ref.name.startswith(("refs/heads/", "refs/remotes/")) and not ref.symbolic:
                reported.setdefault(ref.name, ref.commit)
    return reported


class _SecretIndex:
    """Secrets per blob, honouring path-dependent rule filters, with a cache."""

    def __init__(
        self,
        matches: dict[str, list[Match]],
        path_allowed: Callable[[str, str], bool] | None,
    ) -> None:
        self.matches = matches
        self._path_allowed = path_allowed
        self._by_blob = {
            blob: frozenset(m.secret for m in found) for blob, found in matches.items()
        }
        self._cache: dict[tuple[str, str], frozenset[bytes]] = {}

    def secrets_at(self, blob: str, path: str) -> frozenset[bytes]:
        if self._path_allowed is None:
            return self._by_blob.get(blob, frozenset())
        key = (blob, path)
        cached = self._cache.get(key)
        if cached is None:
            allowed = self._path_allowed
            cached = frozenset(
                m.secret for m in self.matches.get(blob, ()) if allowed(m.rule_id, path)
            )
            self._cache[key] = cached
        return cached

    def first_match(self, blob: str, secret: bytes) -> Match | None:
        for match in self.matches.get(blob, ()):
            if match.secret == secret:
                return match
        return None


def scan_history(
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
    refs_signature = repr(
        (
            sorted((r.name, r.commit, r.symbolic) for r in refs),
            listing.unreadable,
            head,
            sorted((r.name, r.oid) for r in listing.object_refs),
        )
    )
    results = _result_store(options)
    store = options.snapshot
    state = _repository_state(repo, refs_signature) if store or results else None
    if state is None:
        store = results = None  # the state could not be read: no saved history or findings
    result_state = _result_state(state, options, extra_refs)
    saved = results.load(result_state) if results is not None and result_state else None
    if saved is not None:
        answered = _from_saved(saved, repo, head, refs, options, started, phases)
        if answered is not None:
            phase("saved result", mark)
            return answered
    caching = any(c is not None for c in (options.cache, store, results))
    cache_answer = "full read" if caching else "off"
    matcher = make_matcher()
    saving: background.Pending[None] | None = None
    loaded = store.load(state) if store is not None and state is not None else None
    known = _known_state(repo, loaded, state, refs, head)
    if known is not None and loaded is not None and loaded[1]:
        # Nothing changed since the last complete scan: reuse its history and inventory;
        # blobs that matched are read at their saved positions (or matched again).
        inventory, history, _, (recovered, again) = known
        cache_answer = "saved history"
        integrity = loaded[0].integrity
        blobs, to_scan = _match_known(repo, loaded[0], recovered, again, {}, matcher, options)
        boundary = set(integrity.shallow_boundary)
        mark = phase("history", mark)
        mark = phase("blobs", mark)
    else:
        if known is not None and loaded is not None:
            # Extended with the objects added since: only new commits parsed, new blobs matched.
            inventory, history, new_blobs, (recovered, again) = known
            cache_answer = "extended history"
            blobs, to_scan = _match_known(
                repo, loaded[0], recovered, again, new_blobs, matcher, options
            )
        else:
            inventory, history, blobs, to_scan = _read_and_match(
                repo, refs, head, matcher, options, progress
            )
        integrity = check_integrity(repo, listing, inventory, history)
        boundary = set(integrity.shallow_boundary)
        mark = phase("history", mark)
        phases["blobs"] = 0.0
        complete = not integrity.incomplete_reasons(
            blobs.stats.blobs_unreadable, blobs.stats.blobs_timed_out
        )
        if store is not None and state is not None and complete:
            base = loaded[0].base if known is not None and loaded is not None else None
            # A full save is written by a forked child while this process computes windows
            # (it inherits the data: nothing is copied), and waited for before returning.
            # An extension writes only the small main file: here, a fork would cost more.
            saving = background.start(
                _save_snapshot_job,
                store,
                state,
                inventory,
                history,
                blobs.matches,
                integrity,
                base,
                parallel=options.parallel and base is None,
            )
    blobs_cached = len(inventory.blob_sizes) - len(to_scan)
    if progress is not None:
        progress("windows", 0, 0)

    index = _SecretIndex(blobs.matches, options.path_allowed)
    provenance = compute_provenance(history, set(blobs.matches), index.secrets_at)
    ref_tips = {ref.name: ref.commit for ref in refs}
    if head.ref == "HEAD" and head.commit is not None:
        ref_tips = {"HEAD": head.commit, **ref_tips}
    masks = reachability(history, ref_tips)
    reported = _reported_refs(head, refs, options.all_branches)
    for full, tip in extra_refs:
        reported.setdefault(full, tip)
    windows: dict[bytes, list[Window]] = {}
    for ref_name, tip in reported.items():
        chain = first_parent_chain(tip, history.commits)
        per_secret = windows_on_chain(
            ref_name, chain, provenance.present, options.as_of, boundary.__contains__
        )
        for secret, found in per_secret.items():
            windows.setdefault(secret, []).extend(found)

    findings = _assemble_findings(
        pack=pack,
        history=history,
        provenance=provenance,
        index=index,
        masks=masks,
        ref_names=list(ref_tips),
        windows=windows,
        head=head,
        only_introduced_in=options.only_introduced_in,
        suppression=options.suppression,
        object_refs=listing.object_refs,
    )
    phase("windows", mark)
    reached = len(masks.keys() & history.commits.keys())  # masks hold only reached commits
    if (
        results is not None
        and result_state
        and not integrity.incomplete_reasons(
            blobs.stats.blobs_unreadable, blobs.stats.blobs_timed_out
        )
    ):
        results.save(
            result_state,
            _saved_result(
                findings,
                history,
                integrity,
                commits=reached,
                blobs=len(inventory.blob_sizes),
                engine=matcher.engine,
            ),
        )
    candidates = verify_candidates(pack, index, findings) if options.collect_verification else []
    parking.park(history, inventory, blobs, index, provenance, masks, windows)
    if saving is not None:
        with contextlib.suppress(LeakwindowError):  # a rescan just reads the history again
            saving.result()
    return ScanResult(
        target=str(repo),
        head=head,
        refs=refs,
        findings=findings,
        commits=reached,
        blob_stats=blobs.stats,
        seconds=round(time.monotonic() - started, 3),
        engine=matcher.engine,
        phases=phases,
        verify_candidates=candidates,
        integrity=integrity,
        blobs_cached=blobs_cached,
        cache_answer=cache_answer,
    )


def _from_saved(
    saved: SavedResult,
    repo: Path,
    head: Head,
    refs: list[Ref],
    options: ScanOptions,
    started: float,
    phases: dict[str, float],
) -> ScanResult | None:
    """The scan result of an unchanged repository: its saved findings, as of now (None if
    they cannot be brought up to date: the caller then scans)."""
    try:
        findings = saved.findings_as_of(options.as_of, options.suppression)
    except (ValueError, KeyError, TypeError, OverflowError):
        return None
    return ScanResult(
        target=str(repo),
        head=head,
        refs=refs,
        findings=sorted(findings, key=finding_order),
        commits=saved.commits,
        blob_stats=BlobScanStats(),
        seconds=round(time.monotonic() - started, 3),
        engine=saved.engine,
        phases=phases,
        integrity=saved.integrity,
        blobs_cached=saved.blobs,
        cache_answer="saved result",
    )


def _repository_state(repo: Path, refs_signature: str) -> RepoState | None:
    """The repository's state for the saved history and findings; None when it cannot be
    read (an object store that cannot be listed): the scan then runs without them."""
    try:
        return repository_state(repo, refs_signature)
    except (LeakwindowError, OSError, ValueError):
        return None


def _result_store(options: ScanOptions) -> ResultStore | None:
    """The saved-result store, when this scan can use one: not for --verify (it needs the
    secrets) nor for a range (few commits, and findings filtered by them)."""
    if options.collect_verification or options.only_introduced_in is not None:
        return None
    return options.results


def _result_state(
    state: RepoState | None, options: ScanOptions, extra_refs: list[tuple[str, str]]
) -> str:
    """The repository state plus the options that decide which windows are drawn."""
    if state is None:
        return ""
    drawn = repr((options.all_branches, sorted(extra_refs)))
    return hashlib.sha256(f"{state.fingerprint}\0{drawn}".encode()).hexdigest()


def _saved_result(
    findings: list[Finding],
    history: History,
    integrity: Integrity,
    commits: int,
    blobs: int,
    engine: str,
) -> SavedResult:
    return SavedResult(
        findings=[replace(finding, suppressed=None) for finding in findings],
        opened_ts={
            f.fingerprint: [history.commits[w.opened.sha].committed_ts for w in f.windows]
            for f in findings
        },
        commits=commits,
        blobs=blobs,
        integrity=integrity,
        engine=engine,
    )


def _save_snapshot_job(
    store: SnapshotStore,
    state: RepoState,
    inventory: Inventory,
    history: History,
    matches: dict[str, list[Match]],
    integrity: Integrity,
    base: BaseFile | None,
    progress: Callable[[str, int, int], None] | None,
) -> None:
    """Save what a rescan reuses: the history kept only where matches are, and where in
    each matching blob its secrets sit (`base`: the bulk an extended snapshot came from)."""
    positions, again = saved_positions(matches, inventory.blob_sizes)
    snapshot = Snapshot(
        inventory,
        restricted(history, set(matches)),
        again,
        integrity,
        positions,
        packs=state.packs,
        shallow=state.shallow,
        loose=tuple(sorted(state.loose)),
        base=base,
    )
    with contextlib.suppress(Exception):  # a cache that cannot be written is just not saved
        store.save(state, snapshot)


def _not_known_clean(blob_sizes: dict[str, int], cache: BlobCache | None) -> dict[str, int]:
    if cache is None or not blob_sizes:
        return dict(blob_sizes)
    clean = cache.clean_among(blob_sizes.keys())
    return {oid: size for oid, size in blob_sizes.items() if oid not in clean}


def _start_matching(
    repo: Path,
    to_scan: dict[str, int],
    matcher: Matcher,
    options: ScanOptions,
    progress: Callable[[str, int, int], None] | None,
) -> list[background.Pending[BlobScanResult]]:
    """Match blobs in child processes, one per core, each with a share of about equal cost
    made of pack-order runs (a few blobs are matched here: a process would cost more than it
    saves)."""
    parallel = options.parallel and len(to_scan) > 256
    shares = _split(to_scan, options.jobs if parallel else 1)
    relay = _ProgressRelay(progress, total=len(to_scan)) if progress is not None else None
    return [
        background.start(
            _scan_blobs_job,
            repo,
            share,
            matcher,
            options.max_blob_size,
            progress=relay.for_share(number) if relay is not None else None,
            parallel=parallel,
        )
        for number, share in enumerate(shares)
    ]


def _finish_matching(
    pending: list[background.Pending[BlobScanResult]],
    to_scan: dict[str, int],
    options: ScanOptions,
) -> BlobScanResult:
    """Collect the workers' matches and remember the blobs that came out clean."""
    blobs = _merge([job.result() for job in pending])
    if options.cache is not None and blobs.stats.blobs_unreadable == 0:
        cap = options.max_blob_size
        unfinished = set(blobs.timed_out)  # not fully matched: not known to be clean
        options.cache.remember_clean(
            oid
            for oid, size in to_scan.items()
            if size <= cap and oid not in blobs.matches and oid not in unfinished
        )
    return blobs


def _known_state(
    repo: Path,
    loaded: tuple[Snapshot, bool] | None,
    state: RepoState | None,
    refs: list[Ref],
    head: Head,
) -> tuple[Inventory, History, dict[str, int], tuple[dict[str, list[Match]], list[str]]] | None:
    """The inventory and history a saved snapshot gives for the repository as it is now
    (extended with the objects added since, when it is not exact), the new blobs, and the
    snapshot's matches read back at their saved positions (with the blobs to match again).

    None when the snapshot cannot serve: objects taken away, a ref tip or a blob the new
    commits name that it does not hold (objects it never saw, e.g. fetched into an
    alternate), or any problem reading what it refers to. The caller then reads everything:
    a cache problem costs time, never a finding."""
    if loaded is None or state is None:
        return None
    snapshot, exact = loaded
    try:
        new_blobs: dict[str, int] = {}
        named: set[str] = set()
        if exact:
            inventory, history = snapshot.inventory, snapshot.history
        else:
            extension = _extend(repo, snapshot, state)
            if extension is None:
                return None
            inventory, history, new_blobs, named = extension
        tips = {ref.commit for ref in refs} | ({head.commit} if head.commit else set())
        if not tips <= history.commits.keys() or not named <= inventory.blob_sizes.keys():
            return None
        recovered = recover_matches(repo, snapshot.positions)
    except Exception:  # anything wrong with the snapshot or the objects it names: read all
        return None
    return inventory, history, new_blobs, recovered


def _match_known(
    repo: Path,
    snapshot: Snapshot,
    recovered: dict[str, list[Match]],
    unfit: list[str],
    new_blobs: dict[str, int],
    matcher: Matcher,
    options: ScanOptions,
) -> tuple[BlobScanResult, dict[str, int]]:
    """Matches for a snapshot's blobs (`recovered` at saved positions; those that matched
    and could not be, `unfit`, matched again) plus the new blobs not already known clean."""
    sizes = {**snapshot.inventory.blob_sizes, **new_blobs}
    to_scan = {oid: sizes[oid] for oid in [*snapshot.positives, *unfit] if oid in sizes}
    to_scan.update(_not_known_clean(new_blobs, options.cache))
    blobs = _finish_matching(
        _start_matching(repo, to_scan, matcher, options, None), to_scan, options
    )
    blobs.matches.update(recovered)
    return blobs, to_scan


def _extend(
    repo: Path, snapshot: Snapshot, state: RepoState
) -> tuple[Inventory, History, dict[str, int], set[str]] | None:
    """The snapshot extended with the objects added since (new packs, loose objects, in the
    repository's stores and its alternates'): only new commits are parsed. Returns the
    inventory, the history, the new blobs and the blobs the new commits name; None when
    anything looks off (an object taken away, or one that cannot be read): the caller then
    does the full read."""
    known_blobs = snapshot.inventory.blob_sizes
    added = new_object_ids(repo, state, snapshot)
    if added is None:
        return None
    known = known_blobs.keys() | set(snapshot.inventory.commits)
    candidates = sorted(added - known)
    new_blobs: dict[str, int] = {}
    new_commits: list[str] = []
    if candidates:
        listing = run_git(
            ["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
            repo,
            input_bytes="".join(f"{oid}\n" for oid in candidates).encode(),
        )
        for line in listing.decode("ascii", "replace").splitlines():
            parts = line.split()
            if len(parts) != 3:
                return None  # missing or unreadable: let the full read report it
            if parts[1] == "blob":
                new_blobs[parts[0]] = int(parts[2])
            elif parts[1] == "commit":
                new_commits.append(parts[0])
    history = snapshot.history
    named: set[str] = set()
    if new_commits:
        added_history = read_commits_only(repo, new_commits)
        if set(added_history.commits) != set(new_commits) or added_history.unreadable:
            return None
        named = set(added_history.referenced_blobs)
        history = merge_histories(history, added_history)
    inventory = Inventory(
        blob_sizes={**known_blobs, **new_blobs},
        commits=[*snapshot.inventory.commits, *new_commits],
    )
    return inventory, history, new_blobs, named


def _read_and_match(
    repo: Path,
    refs: list[Ref],
    head: Head,
    matcher: Matcher,
    options: ScanOptions,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[Inventory, History, BlobScanResult, dict[str, int]]:
    """Read the object inventory and the history, and match every blob not known clean.

    The history reachable from refs is parsed in a thread from the start; the inventory
    (every object, reachable or not) is read meanwhile and decides what the blob workers,
    one child process per core, get.
    """
    tips = sorted({ref.commit for ref in refs} | ({head.commit} if head.commit else set()))
    reachable = _ThreadResult(read_history, repo, tips) if tips else None
    inventory = read_inventory(repo)
    to_scan = _not_known_clean(inventory.blob_sizes, options.cache)
    pending = _start_matching(repo, to_scan, matcher, options, progress)
    history = _complete_history(repo, reachable, tips, inventory.commits)
    blobs = _finish_matching(pending, to_scan, options)
    return inventory, history, blobs, to_scan


class _ThreadResult:
    """Run `read_history` in a thread; `get()` returns its History or re-raises its error."""

    def __init__(self, work: Callable[[Path, list[str]], History], repo: Path, tips: list[str]):
        self._box: dict[str, Any] = {}

        def run() -> None:
            try:
                self._box["value"] = work(repo, tips)
            except BaseException as exc:  # re-raised in the caller's thread
                self._box["error"] = exc

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def get(self) -> History:
        self._thread.join()
        if "error" in self._box:
            raise self._box["error"]
        value: History = self._box["value"]
        return value


def _complete_history(
    repo: Path, reachable: _ThreadResult | None, tips: list[str], all_commits: list[str]
) -> History:
    """The reachable history from the thread, plus the commits no ref reaches (a rewrite's
    leftovers), parsed in a second, small pass. A salvaged (damaged) history is redone
    from every commit so nothing readable is lost."""
    if not all_commits:
        return History()
    history = reachable.get() if reachable is not None else None
    if history is None or history.salvaged:
        return read_history(repo, all_commits)
    rest = [sha for sha in all_commits if sha not in history.commits]
    if not rest:
        return history
    # `^tip` stops the walk where the reachable history (already parsed) begins.
    leftovers = read_history(repo, [*rest, *(f"^{sha}" for sha in tips)])
    return merge_histories(history, leftovers)


# A blob costs a fixed amount (its header, a cat-file lookup, a Hyperscan call, a few Python
# lines) on top of its bytes: about what 8 KiB of content costs, measured on the 60,000-commit
# bench repository (a share of many small blobs took 26% more CPU than one of equal bytes).
_BLOB_OVERHEAD_BYTES = 8 << 10
# Contiguous runs per share: enough that a stretch of the pack that is costlier to inflate
# or match (whole objects rather than deltas, dense hits) is spread over every share.
_RUNS_PER_SHARE = 16


def _split(blob_sizes: dict[str, int], parts: int) -> list[dict[str, int]]:
    """Shares of about equal cost (bytes plus a per-blob overhead), each made of contiguous
    runs of pack order dealt out in turn: within a run, neighbours share delta chains and
    inflation stays cache-friendly; across runs, uneven stretches of the pack even out."""
    if parts <= 1 or len(blob_sizes) < 2:
        return [blob_sizes]
    runs = parts * _RUNS_PER_SHARE
    total = sum(blob_sizes.values()) + _BLOB_OVERHEAD_BYTES * len(blob_sizes)
    shares: list[dict[str, int]] = [{} for _ in range(parts)]
    running = 0
    for oid, size in blob_sizes.items():
        shares[running * runs // total % parts][oid] = size
        running += size + _BLOB_OVERHEAD_BYTES
    return [share for share in shares if share]


def _merge(results: list[BlobScanResult]) -> BlobScanResult:
    merged = BlobScanResult()
    for result in results:
        merged.matches.update(result.matches)
        merged.timed_out.extend(result.timed_out)
        for name, value in vars(result.stats).items():
            setattr(merged.stats, name, getattr(merged.stats, name) + value)
    return merged


class _ProgressRelay:
    """Adds up the children's blob counts into one "scan" progress line."""

    def __init__(self, progress: Callable[[str, int, int], None], total: int) -> None:
        self._progress = progress
        self._total = total
        self._done: dict[int, int] = {}

    def for_share(self, number: int) -> Callable[[str, int, int], None]:
        def report(phase: str, done: int, total: int) -> None:
            self._done[number] = done
            self._progress(phase, sum(self._done.values()), self._total)

        return report


def _scan_blobs_job(
    repo: Path,
    blob_sizes: dict[str, int],
    matcher: Matcher,
    max_blob_size: int,
    progress: Callable[[str, int, int], None] | None,
) -> BlobScanResult:
    """The blob half of a scan, run in the child process (see scanner.scan.background)."""

    def on_blob(done: int, total: int) -> None:
        if progress is not None and (done == total or done % 256 == 0):
            progress("scan", done, total)

    return scan_blobs(repo, blob_sizes, matcher, max_blob_size, on_blob)


def _assemble_findings(
    *,
    pack: RulePack,
    history: History,
    provenance: Provenance,
    index: _SecretIndex,
    masks: dict[str, int],
    ref_names: list[str],
    windows: dict[bytes, list[Window]],
    head: Head,
    only_introduced_in: frozenset[str] | None,
    suppression: Callable[[SecretDigests], str | None] | None,
    object_refs: list[ObjectRef],
) -> list[Finding]:
    rules_by_secret: dict[bytes, set[str]] = {}
    blobs_by_secret: dict[bytes, list[str]] = {}
    encodings: dict[bytes, set[str | None]] = {}
    for blob, found in index.matches.items():
        for match in found:
            encodings.setdefault(match.secret, set()).add(match.decoded)
            rules_by_secret.setdefault(match.secret, set()).add(match.rule_id)
            blobs = blobs_by_secret.setdefault(match.secret, [])
            if not blobs or blobs[-1] != blob:
                blobs.append(blob)
    if not rules_by_secret:
        return []
    head_present = provenance.present.get(head.commit or "", frozenset())
    referenced = history.referenced_blobs
    order = _CommitOrder(history)
    held = _object_ref_places(object_refs, index)
    findings: list[Finding] = []
    for secret, rule_ids in rules_by_secret.items():
        introductions = provenance.introductions.get(secret, [])
        in_commits = bool(introductions)
        if only_introduced_in is not None and not any(
            intro.sha in only_introduced_in for intro in introductions
        ):
            continue
        reachable_mask = 0
        for intro in introductions:
            reachable_mask |= masks.get(intro.sha, 0)
        places = held.get(secret, [])
        if not in_commits and not places and any(b in referenced for b in blobs_by_secret[secret]):
            continue  # only ever committed at paths that the rules or config exclude
        first = _first_commit(history, introductions, masks, index, secret, order)
        locations = _locations(history, provenance, index, secret, order)
        reachable_from = [name for bit, name in enumerate(ref_names) if reachable_mask >> bit & 1]
        for name, location in places:
            if location not in locations:
                locations += (location,)
            if name not in reachable_from:
                reachable_from.append(name)
        rules = sorted(rule_ids, key=lambda rid: (rank(pack.by_id[rid].severity), rid))
        lead = pack.by_id[rules[0]]
        secret_windows = sorted(
            windows.get(secret, []), key=lambda w: (w.ref, w.opened.committed_at)
        )
        findings.append(
            Finding(
                fingerprint=fingerprint_of(secret),
                rules=tuple(rules),
                title=lead.title,
                severity=lead.severity,
                secret_preview=preview_of(secret),
                first_commit=first,
                locations=locations,
                windows=tuple(secret_windows),
                in_head=secret in head_present,
                reachable_from=tuple(reachable_from),
                dangling=not reachable_from,
                suppressed=suppression(digests_of(secret)) if suppression else None,
                decoded=_only_encoding(encodings[secret]),
            )
        )
    findings.sort(key=finding_order)
    return findings


def _object_ref_places(
    object_refs: list[ObjectRef], index: _SecretIndex
) -> dict[bytes, list[tuple[str, Location]]]:
    """Where each secret sits under a ref to a tree or a blob: the ref's name and a location
    whose `commit` is that tree's (or blob's) id, since no commit holds it there."""
    places: dict[bytes, list[tuple[str, Location]]] = {}
    for ref in object_refs:
        for path, blob in ref.blobs:
            secrets = index.secrets_at(blob, path)
            for match in index.matches.get(blob, ()) if secrets else ():
                if match.secret in secrets:
                    location = Location(ref.oid, path, match.line, match.column)
                    places.setdefault(match.secret, []).append((ref.name, location))
    return places


class _CommitOrder:
    """Commits in the order "earlier" means for a finding: by commit time, ties by topology
    (a parent before its children), never by id. Positions are worked out on first use."""

    def __init__(self, history: History) -> None:
        self._history = history
        self._position: dict[str, int] | None = None

    def key(self, sha: str) -> tuple[int, int]:
        if self._position is None:
            self._position = {commit: at for at, commit in enumerate(self._history.order)}
        return self._history.commits[sha].committed_ts, self._position[sha]


def _only_encoding(seen: set[str | None]) -> str | None:
    """The encoding a secret was found under, when it was never seen in clear."""
    if None in seen:
        return None
    return ",".join(sorted(e for e in seen if e is not None))


def verify_candidates(
    pack: RulePack, index: _SecretIndex, findings: list[Finding]
) -> list[VerifyCandidate]:
    """One candidate per unsuppressed finding whose rule can be verified.

    A rule naming a `pair` (AWS secret + key id, Twilio token + account SID) gets the first
    secret of the paired rule found in the same blob.
    """
    wanted = {f.fingerprint: f for f in findings if not f.suppressed}
    chosen: dict[str, VerifyCandidate] = {}
    for matches in index.matches.values():
        for match in matches:
            fingerprint = fingerprint_of(match.secret)
            finding = wanted.get(fingerprint)
            rule = pack.by_id.get(match.rule_id)
            if finding is None or rule is None or not rule.verify:
                continue
            pair_rule = rule.verify.get("pair")
            pair = None
            if pair_rule:
                pair = next((m.secret for m in matches if m.rule_id == pair_rule), None)
            existing = chosen.get(fingerprint)
            if existing is None or (existing.pair_secret is None and pair is not None):
                chosen[fingerprint] = VerifyCandidate(fingerprint, rule.id, match.secret, pair)
    return list(chosen.values())


def finding_order(finding: Finding) -> tuple[int, int, float, str]:
    """Live keys first, then by severity, then longest exposure."""
    longest = max((w.days for w in finding.windows), default=0.0)
    live_first = 0 if finding.verification.status == "live" else 1
    return (live_first, rank(finding.severity), -longest, finding.fingerprint)


def _first_commit(
    history: History,
    introductions: list[Introduction],
    masks: dict[str, int],
    index: _SecretIndex,
    secret: bytes,
    order: _CommitOrder,
) -> FirstCommit | None:
    if not introductions:
        return None
    reachable = [i for i in introductions if masks.get(i.sha)]
    candidates = reachable or introductions
    chosen = min(candidates, key=lambda i: order.key(i.sha))
    commit: CommitInfo = history.commits[chosen.sha]
    match = index.first_match(chosen.blob, secret)
    return FirstCommit(
        sha=commit.sha,
        committed_at=commit.committed_at,
        authored_at=commit.authored_at,
        author=commit.author,
        path=chosen.path,
        line=match.line if match else 0,
    )


def _locations(
    history: History,
    provenance: Provenance,
    index: _SecretIndex,
    secret: bytes,
    order: _CommitOrder,
) -> tuple[Location, ...]:
    """One location per place (path, line, column) the secret was ever committed at, naming
    the earliest commit (see _CommitOrder) that had it there; earliest first."""
    placements = provenance.placements.get(secret, {})
    earliest = sorted(
        (min((order.key(sha), sha) for sha in commits), path, blob)
        for (path, blob), commits in placements.items()
    )
    located: list[tuple[tuple[int, int], Location]] = []
    seen: set[tuple[str, int, int]] = set()
    for (when, sha), path, blob in earliest:
        for match in index.matches.get(blob, ()):
            if match.secret != secret:
                continue
            place = (path, match.line, match.column)
            if place in seen:
                continue
            seen.add(place)
            located.append((when, Location(sha, path, match.line, match.column)))
    located.sort(key=lambda item: (item[0], item[1].path, item[1].line, item[1].column))
    return tuple(location for _, location in located)

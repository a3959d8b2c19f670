"""From matches per blob to findings: which commits held each secret, when it was exposed
on which ref, where it sits, and the secrets --verify checks.

The history and the matches come from either way of reading a history (scanner.scan.cold,
scanner.scan.incremental); what happens from here on is the same for both. The window
maths itself is pure and lives in scanner.exposure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from scanner import parking
from scanner.confidence import Confidence, PathContext, confidence_rank, surest
from scanner.detect.context import path_context
from scanner.detect.grading import match_grade
from scanner.exposure.provenance import Introduction, Provenance, compute_provenance, reachability
from scanner.exposure.windows import first_parent_chain, windows_on_chain
from scanner.git.history import History
from scanner.git.refs import Head, ObjectRef, Ref, RefListing, ResolvedRef
from scanner.matches import Match, SecretDigests, digests_of, fingerprint_of, preview_of
from scanner.model import CommitInfo, Finding, FirstCommit, Location, Window
from scanner.rules.pack import RulePack
from scanner.scan.options import ScanOptions, VerifyCandidate
from scanner.severity import rank


class HistoryFindings(NamedTuple):
    """What the findings step hands back to the engine."""

    findings: list[Finding]
    commits_reached: int  # commits some ref reaches
    secrets: SecretIndex  # the secrets behind the findings, for --verify
    first_blobs: dict[str, str]  # fingerprint -> the blob behind its first location


class _RefPlace(NamedTuple):
    """A secret under a ref to a tree or a blob."""

    ref: str
    location: Location
    blob: str


class _Located(NamedTuple):
    """A place a secret was committed at, and the blob that holds it there."""

    location: Location
    blob: str


def findings_from_matches(
    pack: RulePack,
    history: History,
    matches: dict[str, list[Match]],
    listing: RefListing,
    head: Head,
    extra_refs: Sequence[ResolvedRef],
    shallow_boundary: Iterable[str],
    options: ScanOptions,
) -> HistoryFindings:
    """Every secret's provenance, its windows on the reported refs (HEAD's, every branch's
    with --all-branches, and `extra_refs`: (full name, tip) pairs), and its finding."""
    index = SecretIndex(matches, options.path_allowed)
    provenance = compute_provenance(history, set(matches), index.secrets_at)
    ref_tips = {ref.name: ref.commit for ref in listing.refs}
    if head.ref == "HEAD" and head.commit is not None:
        ref_tips = {"HEAD": head.commit, **ref_tips}
    masks = reachability(history, ref_tips)
    reported = _reported_refs(head, listing.refs, options.all_branches)
    for full, tip in extra_refs:
        reported.setdefault(full, tip)
    windows = _windows_by_secret(history, provenance, reported, shallow_boundary, options.as_of)
    findings, first_blobs = _assemble_findings(
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
    reached = len(masks.keys() & history.commits.keys())  # masks hold only reached commits
    parking.park(provenance, masks, windows)
    return HistoryFindings(findings, reached, index, first_blobs)


def _windows_by_secret(
    history: History,
    provenance: Provenance,
    reported: dict[str, str],
    shallow_boundary: Iterable[str],
    as_of: datetime,
) -> dict[bytes, list[Window]]:
    """Each secret's windows along the first-parent chain of every reported ref (name -> tip)."""
    boundary = set(shallow_boundary)
    windows: dict[bytes, list[Window]] = {}
    for ref_name, tip in reported.items():
        chain = first_parent_chain(tip, history.commits)
        per_secret = windows_on_chain(
            ref_name, chain, provenance.present, as_of, boundary.__contains__
        )
        for secret, found in per_secret.items():
            windows.setdefault(secret, []).extend(found)
    return windows


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


class SecretIndex:
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


def _assemble_findings(
    *,
    pack: RulePack,
    history: History,
    provenance: Provenance,
    index: SecretIndex,
    masks: dict[str, int],
    ref_names: list[str],
    windows: dict[bytes, list[Window]],
    head: Head,
    only_introduced_in: frozenset[str] | None,
    suppression: Callable[[SecretDigests], str | None] | None,
    object_refs: list[ObjectRef],
) -> tuple[list[Finding], dict[str, str]]:
    """The findings, and the blob behind each one's first location (by fingerprint)."""
    rules_by_secret: dict[bytes, set[str]] = {}
    grades: dict[bytes, set[Confidence]] = {}
    blobs_by_secret: dict[bytes, list[str]] = {}
    encodings: dict[bytes, set[str | None]] = {}
    for blob, found in index.matches.items():
        for match in found:
            encodings.setdefault(match.secret, set()).add(match.decoded)
            rules_by_secret.setdefault(match.secret, set()).add(match.rule_id)
            grades.setdefault(match.secret, set()).add(
                match_grade(pack.by_id[match.rule_id], match)
            )
            blobs = blobs_by_secret.setdefault(match.secret, [])
            if not blobs or blobs[-1] != blob:
                blobs.append(blob)
    if not rules_by_secret:
        return [], {}
    head_present = provenance.present.get(head.commit or "", frozenset())
    referenced = history.referenced_blobs
    order = _CommitOrder(history)
    held = _object_ref_places(object_refs, index)
    findings: list[Finding] = []
    first_blobs: dict[str, str] = {}
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
        located = _locations(history, provenance, index, secret, order)
        reachable_from = [name for bit, name in enumerate(ref_names) if reachable_mask >> bit & 1]
        for place in places:
            if all(place.location != seen.location for seen in located):
                located.append(_Located(place.location, place.blob))
            if place.ref not in reachable_from:
                reachable_from.append(place.ref)
        locations = tuple(seen.location for seen in located)
        fingerprint = fingerprint_of(secret)
        if located:
            first_blobs[fingerprint] = located[0].blob
        rules = sorted(rule_ids, key=lambda rid: (rank(pack.by_id[rid].severity), rid))
        lead = pack.by_id[rules[0]]
        secret_windows = sorted(
            windows.get(secret, []), key=lambda w: (w.ref, w.opened.committed_at)
        )
        findings.append(
            Finding(
                fingerprint=fingerprint,
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
                confidence=surest(list(grades[secret])),
                context=_shared_context(locations),
            )
        )
    findings.sort(key=finding_order)
    return findings, first_blobs


def _object_ref_places(
    object_refs: list[ObjectRef], index: SecretIndex
) -> dict[bytes, list[_RefPlace]]:
    """Where each secret sits under a ref to a tree or a blob: the ref's name and a location
    whose `commit` is that tree's (or blob's) id, since no commit holds it there."""
    places: dict[bytes, list[_RefPlace]] = {}
    for ref in object_refs:
        for path, blob in ref.blobs:
            secrets = index.secrets_at(blob, path)
            for match in index.matches.get(blob, ()) if secrets else ():
                if match.secret in secrets:
                    location = Location(ref.oid, path, match.line, match.column)
                    place = _RefPlace(ref.name, location, blob)
                    places.setdefault(match.secret, []).append(place)
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
    pack: RulePack, index: SecretIndex, findings: list[Finding]
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


def finding_order(finding: Finding) -> tuple[int, bool, int, int, float, str, int, str]:
    """Live keys first; findings only in test, docs or example files after the rest; then by
    severity, confidence and longest exposure; then where they were first found (path, line),
    so a reviewer reads equal findings file by file."""
    longest = max((w.days for w in finding.windows), default=0.0)
    live_first = 0 if finding.verification.status == "live" else 1
    first = finding.locations[0] if finding.locations else None
    return (
        live_first,
        finding.context is not None,
        rank(finding.severity),
        confidence_rank(finding.confidence),
        -longest,
        first.path if first else "",
        first.line if first else 0,
        finding.fingerprint,
    )


def _shared_context(locations: Sequence[Location]) -> PathContext | None:
    """The context of a finding: that of its first place when every place it was found has
    one (a key in tests/ and in src/ is not a test value), else None."""
    contexts = [path_context(location.path) for location in locations]
    if not contexts or None in contexts:
        return None
    return contexts[0]


def _first_commit(
    history: History,
    introductions: list[Introduction],
    masks: dict[str, int],
    index: SecretIndex,
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
    index: SecretIndex,
    secret: bytes,
    order: _CommitOrder,
) -> list[_Located]:
    """One location per place (path, line, column) the secret was ever committed at, naming
    the earliest commit (see _CommitOrder) that had it there; earliest first."""
    placements = provenance.placements.get(secret, {})
    earliest = sorted(
        (min((order.key(sha), sha) for sha in commits), path, blob)
        for (path, blob), commits in placements.items()
    )
    located: list[tuple[tuple[int, int], _Located]] = []
    seen: set[tuple[str, int, int]] = set()
    for (when, sha), path, blob in earliest:
        for match in index.matches.get(blob, ()):
            if match.secret != secret:
                continue
            place = (path, match.line, match.column)
            if place in seen:
                continue
            seen.add(place)
            located.append((when, _Located(Location(sha, path, match.line, match.column), blob)))
    located.sort(
        key=lambda item: (
            item[0],
            item[1].location.path,
            item[1].location.line,
            item[1].location.column,
        )
    )
    return [place for _, place in located]

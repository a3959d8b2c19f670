"""Blobs committed under a credential file's name, matched by the rules bound to that name.

Blob matching knows no paths: each blob is matched once, whatever names it was committed
under (scanner.scan.workers), while the history that names it is still being parsed. Rules
bound to credential files (`.netrc`, `.pgpass`, FileZilla's `sitemanager.xml`, …: their
`files` key) need the name, so once the history is known, the few blobs committed under such
a name are read again and matched by the rules their names call for, and those matches join
the blob's. Where such a match counts is the path filter's business
(scanner.rules.config.path_filter): the same blob committed as `notes.txt` gives nothing
there.

This runs on every read of a history, saved or fresh: a new commit may give an old blob (one
remembered clean) a credential file's name, and credential files are few, so reading them
again costs a cat-file process and a few small blobs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

from scanner.detect.matcher import Matcher
from scanner.git.refs import ObjectRef
from scanner.matches import Match
from scanner.scan.blobscan import read_texts
from scanner.scan.options import HistoryRead


def match_named_files(
    repo: Path,
    read: HistoryRead,
    object_refs: Iterable[ObjectRef],
    matcher: Matcher,
    max_blob_size: int,
) -> None:
    """Add to `read`'s matches what the rules bound to credential files find in the blobs
    committed (or held by a ref to a tree) under those files' names."""
    bound = {rule.id for rule in matcher.pack.rules if rule.files}
    paths_of = _named_blobs(read, object_refs, matcher) if bound else {}
    if not paths_of:
        return
    sizes = read.inventory.blob_sizes
    wanted = [oid for oid in paths_of if sizes.get(oid, max_blob_size + 1) <= max_blob_size]
    matches = read.blobs.matches
    for oid, text in read_texts(repo, wanted):
        found = matcher.scan_file(text, *sorted(paths_of[oid]))
        # A saved history brings back these rules' earlier matches: replaced, not doubled.
        kept = [match for match in matches.get(oid, ()) if match.rule_id not in bound]
        merged = _in_order([*kept, *found])
        if merged:
            matches[oid] = merged
        else:
            matches.pop(oid, None)


def _named_blobs(
    read: HistoryRead, object_refs: Iterable[ObjectRef], matcher: Matcher
) -> dict[str, set[str]]:
    """Blob -> the credential-file paths it was committed under. A history names the same
    paths over and over, and hardly ever a credential file: the distinct paths are tested
    once, and the changes walked again only when one of them is such a file."""
    changes = read.history.changes.values()
    held = [(path, blob) for ref in object_refs for path, blob in ref.blobs]
    paths = {path for placed in changes for path, _ in placed}
    paths.update(path for path, _ in held)
    named = {path for path in paths if matcher.reads_file(path)}
    paths_of: dict[str, set[str]] = {}
    if not named:
        return paths_of
    for path, blob in itertools.chain(itertools.chain.from_iterable(changes), held):
        if blob is not None and path in named:
            paths_of.setdefault(blob, set()).add(path)
    return paths_of


def _in_order(matches: list[Match]) -> list[Match]:
    unique = {(m.rule_id, m.secret, m.line, m.column): m for m in matches}
    return sorted(unique.values(), key=lambda m: (m.line, m.column, m.rule_id))

"""Which commits' trees hold each secret, which commits introduce it, which refs reach them.

Pure computation over the parsed history: each commit's tree (restricted to paths whose
blob carries a secret) is its first parent's plus its own changes, evaluated after all of
the commit's changes are applied, so renames need no rename detection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter

from scanner.git.history import History

SecretsAt = Callable[[str, str], frozenset[bytes]]  # (blob, path) -> secrets it carries there
_EMPTY: dict[str, str] = {}
_NONE: frozenset[bytes] = frozenset()
_path_of = itemgetter(0)
_blob_of = itemgetter(1)


@dataclass(frozen=True)
class Introduction:
    """A commit whose tree holds the secret while none of its parents' trees does."""

    sha: str
    path: str
    blob: str


@dataclass
class Provenance:
    present: dict[str, frozenset[bytes]] = field(default_factory=dict)
    introductions: dict[bytes, list[Introduction]] = field(default_factory=dict)
    # secret -> (path, blob) -> commits whose tree gained that blob at that path vs every parent
    placements: dict[bytes, dict[tuple[str, str], list[str]]] = field(default_factory=dict)


def compute_provenance(
    history: History, interesting: set[str], secrets_at: SecretsAt
) -> Provenance:
    result = Provenance()
    present_of = result.present
    commits = history.commits
    changes_of = history.changes
    states: dict[str, dict[str, str]] = {}
    # A commit's state is dropped once its last child has used it: memory stays proportional
    # to the live branches, not to history. A plain dict, not the Counter: the interpreter's
    # fast paths for `d[k]` apply to exact dicts only (6% of this loop).
    pending_children = dict(Counter(chain.from_iterable(c.parents for c in commits.values())))
    visit = _commits_to_visit(history, interesting, secrets_at)

    for sha in history.order:
        commit_parents = commits[sha].parents
        first = commit_parents[0] if commit_parents else ""  # a root: no state to take
        base = states.get(first)
        if base is not None and sha not in visit:
            # Nearly every commit: no secret-carrying blob arrives and no path that holds
            # one changes, so its tree is its first parent's.
            states[sha] = base
            present_of[sha] = present_of[first]
        else:
            _apply_changes(
                result,
                sha,
                commit_parents,
                changes_of.get(sha, ()),
                states,
                interesting,
                secrets_at,
            )
        for parent in commit_parents:
            left = pending_children[parent] - 1
            pending_children[parent] = left
            if left <= 0 and parent in states:
                del states[parent]
        if sha not in pending_children:
            del states[sha]
    return result


def _commits_to_visit(history: History, interesting: set[str], secrets_at: SecretsAt) -> set[str]:
    """The commits whose tracked tree may differ from their first parent's: those that bring
    a secret-carrying blob, and those that change a path where such a blob ever sits (only
    those paths enter a state). Every other commit takes its first parent's state as it is.

    Two passes with one set check per commit: the walk then does one set lookup per commit
    instead of two set checks (a never-removed secret keeps most states non-empty): 0.135 s
    -> 0.097 s for the 60,000-commit bench history, measured alone.
    """
    changes_of = history.changes
    bringing = {
        sha
        for sha, changes in changes_of.items()
        if not interesting.isdisjoint(map(_blob_of, changes))
    }
    holding = {
        path
        for sha in bringing
        for path, blob in changes_of[sha]
        if blob in interesting and secrets_at(blob, path)
    }
    if not holding:
        return bringing
    return bringing.union(
        sha for sha, changes in changes_of.items() if not holding.isdisjoint(map(_path_of, changes))
    )


def _apply_changes(
    result: Provenance,
    sha: str,
    commit_parents: tuple[str, ...],
    changes: Sequence[tuple[str, str | None]],
    states: dict[str, dict[str, str]],
    interesting: set[str],
    secrets_at: SecretsAt,
) -> None:
    """The state and present secrets of a commit that changes tracked paths (or whose first
    parent is not in the history: a shallow or damaged boundary)."""
    parents = [p for p in commit_parents if p in states]
    on_first = bool(parents) and parents[0] == commit_parents[0]
    base = states[parents[0]] if on_first else _EMPTY
    state = base
    changed: list[str] = []
    for path, blob in changes:
        if blob is not None and blob in interesting and secrets_at(blob, path):
            if state is base:
                state = dict(base)
            state[path] = blob
            changed.append(path)
        elif path in state:
            if state is base:
                state = dict(base)
            del state[path]
    states[sha] = state
    if state is base and on_first:
        present = result.present[parents[0]]
    else:
        present = _secrets_of(state, secrets_at)
    result.present[sha] = present
    if changed:  # nothing placed: its tree holds no secret its parents' trees lack
        _record_introductions(result, sha, state, changed, parents, states, secrets_at)


def _secrets_of(state: Mapping[str, str], secrets_at: SecretsAt) -> frozenset[bytes]:
    if not state:
        return _NONE
    found: set[bytes] = set()
    for path, blob in state.items():
        found |= secrets_at(blob, path)
    return frozenset(found)


def _record_introductions(
    result: Provenance,
    sha: str,
    state: Mapping[str, str],
    changed: Sequence[str],
    parents: Sequence[str],
    states: Mapping[str, Mapping[str, str]],
    secrets_at: SecretsAt,
) -> None:
    parent_secrets: set[bytes] = set()
    for parent in parents:
        parent_secrets |= result.present[parent]
    for path in changed:
        blob = state[path]
        if any(states[parent].get(path) == blob for parent in parents):
            continue
        for secret in secrets_at(blob, path):
            result.placements.setdefault(secret, {}).setdefault((path, blob), []).append(sha)
    new_secrets = result.present[sha] - parent_secrets
    if not new_secrets:
        return
    for secret in new_secrets:
        holders = sorted(
            (path, blob) for path, blob in state.items() if secret in secrets_at(blob, path)
        )
        changed_holders = [h for h in holders if h[0] in changed] or holders
        path, blob = changed_holders[0]
        result.introductions.setdefault(secret, []).append(Introduction(sha, path, blob))


def reachability(history: History, tips: Mapping[str, str]) -> dict[str, int]:
    """Bitmask per commit of the refs (by index in `tips` order) that reach it."""
    masks: dict[str, int] = {}
    for bit, tip in enumerate(tips.values()):
        masks[tip] = masks.get(tip, 0) | (1 << bit)
    commits = history.commits
    known = masks.get
    for sha in reversed(history.order):
        mask = known(sha)
        if mask:
            for parent in commits[sha].parents:
                masks[parent] = known(parent, 0) | mask
    return masks

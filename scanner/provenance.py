"""Which commits' trees hold each secret, which commits introduce it, which refs reach them.

Pure computation over the parsed history: each commit's tree (restricted to paths whose
blob carries a secret) is its first parent's plus its own changes, evaluated after all of
the commit's changes are applied, so renames need no rename detection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from scanner.history import History

SecretsAt = Callable[[str, str], frozenset[bytes]]  # (blob, path) -> secrets it carries there
_EMPTY: dict[str, str] = {}
_NONE: frozenset[bytes] = frozenset()


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
    states: dict[str, dict[str, str]] = {}
    pending_children: dict[str, int] = {}
    for sha in history.order:
        for parent in history.commits[sha].parents:
            pending_children[parent] = pending_children.get(parent, 0) + 1

    for sha in history.order:
        commit = history.commits[sha]
        parents = [p for p in commit.parents if p in states]
        base = states[parents[0]] if parents and parents[0] == commit.parents[0] else _EMPTY
        state = base
        changed: list[str] = []
        for path, blob in history.changes.get(sha, ()):
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
        if state is base and parents and parents[0] == commit.parents[0]:
            present = result.present[parents[0]]
        else:
            present = _secrets_of(state, secrets_at)
        result.present[sha] = present
        if present:
            _record_introductions(result, sha, state, changed, parents, states, secrets_at)
        for parent in commit.parents:
            left = pending_children.get(parent, 0) - 1
            pending_children[parent] = left
            if left <= 0 and parent in states:
                del states[parent]
        if pending_children.get(sha, 0) == 0:
            del states[sha]
    return result


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
    for sha in reversed(history.order):
        mask = masks.get(sha, 0)
        if not mask:
            continue
        for parent in history.commits[sha].parents:
            masks[parent] = masks.get(parent, 0) | mask
    return masks

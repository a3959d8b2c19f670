"""Build a large, realistic git history with planted secrets whose exposure windows are known.

The content is the Python standard library's own text files (found on any machine with Python),
edited line by line, added, renamed and deleted over time on a mainline with feature branches,
`--no-ff` style merges (a few octopus ones), abandoned branches and release tags. Everything goes
through ONE `git fast-import` stream, so building 60,000 commits takes minutes, not hours.

Synthetic secrets (from `scanner.demo`) are planted at known points: removed later,
re-added, renamed, merged in from a branch, left on an unmerged branch, reachable only from a tag.
An oracle computed from the simulated trees (not from leakwindow) writes the expected exposure
windows to `DEST.manifest.json`; the manifest holds fingerprints only, never secret values.

    python bench/make_history.py /work/bench-data/big                       # full size
    python bench/make_history.py /tmp/flaskish --commits 5500 --target-bytes 1.7e8
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from scanner.demo import make_token

MAIN_REF = "refs/heads/main"
MANIFEST_SCHEMA = "leakwindow.bench-manifest/1"
START = datetime(2019, 1, 7, 9, 0, tzinfo=timezone.utc)
SPAN_DAYS = 6 * 365  # the whole history spans about six years whatever its size
INCIDENT_DAYS = 59  # the motivating xAI key stayed exposed for 59 days

_TEXT_SUFFIXES = frozenset(
    {".py", ".txt", ".rst", ".toml", ".cfg", ".ini", ".json", ".html", ".css", ".decTest", ".xml"}
)
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")  # no quoting in the stream
_MAX_SOURCE_BYTES = 256 * 1024
_MIN_SOURCE_BYTES = 200
_MAX_EDITS_PER_COMMIT = 16
_MAX_OPEN_BRANCHES = 3
_TOPIC_SLOTS = 24  # merged feature branches reuse these ref names, as real teams do

_FIRST_NAMES = (
    *("Ada", "Bo", "Chen", "Dana", "Eli", "Farah", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena"),
    *("Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tove", "Uma", "Vik", "Wen"),
    *("Yara", "Zoe"),
)
_LAST_NAMES = (
    *("Abe", "Berg", "Costa", "Diaz", "Eriksen", "Fox", "Gupta", "Hale", "Ito", "Jansen"),
    *("Kowal", "Lund", "Moreau"),
)
_TIMEZONES = (0, 60, 120, -300, -420, 330, 540, -180, 600)
_VERBS = ("Fix", "Refactor", "Simplify", "Document", "Speed up", "Clean up", "Harden", "Tidy")
_TOPICS = (
    "error handling",
    "edge cases",
    "docstrings",
    "type hints",
    "tests",
    "the parser",
    "logging",
    "unicode handling",
    "a race",
    "a flaky test",
    "the fast path",
    "deprecations",
)


@dataclass(frozen=True)
class Author:
    name: str
    email: str
    offset_minutes: int

    def signature(self, timestamp: int) -> bytes:
        sign = "+" if self.offset_minutes >= 0 else "-"
        hours, minutes = divmod(abs(self.offset_minutes), 60)
        return f"{self.name} <{self.email}> {timestamp} {sign}{hours:02d}{minutes:02d}".encode()


@dataclass(frozen=True)
class FileVersion:
    mark: int
    data: bytes
    base_size: int  # size when the file first appeared; edits drift around it


Tree = dict[str, FileVersion]


@dataclass
class Branch:
    ref: str
    tip: int  # commit mark
    tree: Tree
    forked_at: int  # mainline commit counter when the branch was cut
    planned_commits: int
    abandon: bool
    touched: set[str] = field(default_factory=set)
    commits: int = 0


@dataclass(frozen=True)
class CommitInfo:
    mark: int
    timestamp: int
    author: Author
    parents: tuple[int, ...]
    present: frozenset[str]  # names of the planted secrets its tree contains


@dataclass(frozen=True)
class PlantedSecret:
    name: str
    kinds: tuple[str, ...]  # token kinds planted together (aws: key id + secret)
    values: tuple[str, ...]
    story: str


@dataclass
class BuildResult:
    repo: Path
    manifest_path: Path
    manifest: dict[str, Any]
    secret_values: dict[str, tuple[str, ...]]  # in memory only, for tests; never written
    seconds: float


# ----------------------------------------------------------------------------- source text


def stdlib_sources(root: Path | None = None) -> list[tuple[str, bytes]]:
    """The standard library's text files as (relative path, bytes), sorted by path."""
    base = Path(root or sysconfig.get_paths()["stdlib"])
    found: list[tuple[str, bytes]] = []
    for directory, subdirectories, names in os.walk(base):
        # Installed packages are not the standard library (and can be huge).
        subdirectories[:] = sorted(
            d for d in subdirectories if d not in {"site-packages", "dist-packages", "__pycache__"}
        )
        for name in names:
            path = Path(directory, name)
            relative = path.relative_to(base).as_posix()
            if path.suffix in _TEXT_SUFFIXES and _SAFE_PATH.match(relative):
                data = _usable_text(path)
                if data is not None:
                    found.append((relative, data))
    found.sort()
    if not found:
        raise SystemExit(f"no text files found under {base}")
    return found


def _usable_text(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not _MIN_SOURCE_BYTES <= len(data) <= _MAX_SOURCE_BYTES or b"\0" in data:
        return None
    # Private keys in the test suite would add findings unrelated to the planted secrets.
    if b"PRIVATE KEY-----" in data:
        return None
    return data


def sample_sources(
    sources: list[tuple[str, bytes]], target_bytes: float, rng: random.Random
) -> list[tuple[str, bytes]]:
    """All sources for a big history; for a small one, a subset of about a third of its bytes."""
    budget = max(1_000_000.0, target_bytes / 3)
    if sum(len(data) for _, data in sources) <= budget:
        return sources
    shuffled = list(sources)
    rng.shuffle(shuffled)
    chosen: list[tuple[str, bytes]] = []
    total = 0
    for path, data in shuffled:
        if total >= budget:
            break
        chosen.append((path, data))
        total += len(data)
    return sorted(chosen)


class LinePool:
    """Lines of real text to insert or substitute when editing a file."""

    def __init__(self, sources: list[tuple[str, bytes]]) -> None:
        self._files = [data.split(b"\n") for _, data in sources]

    def block(self, rng: random.Random, count: int) -> list[bytes]:
        lines = self._files[rng.randrange(len(self._files))]
        start = rng.randrange(max(1, len(lines) - count))
        return lines[start : start + count]


def edit_text(data: bytes, base_size: int, rng: random.Random, pool: LinePool) -> bytes:
    """Change, insert and delete a few runs of lines, keeping the size near `base_size`."""
    lines = data.split(b"\n")
    grow_bias = 0.45 if len(data) < base_size * 1.3 else 0.15
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
        position = rng.randrange(len(lines) + 1)
        roll = rng.random()
        if roll < grow_bias:
            lines[position:position] = pool.block(rng, rng.randint(1, 24))
        elif roll < grow_bias + 0.3 and len(lines) > 40:
            del lines[position : position + rng.randint(1, 16)]
        else:
            lines[position : position + rng.randint(1, 3)] = pool.block(rng, rng.randint(1, 3))
    return b"\n".join(lines)


# ----------------------------------------------------------------------------- fast-import


class FastImportStream:
    """Writes fast-import commands; hands out marks for blobs and commits."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._out = stream
        self._next_mark = 1
        self.blob_bytes = 0

    def _mark(self) -> int:
        mark = self._next_mark
        self._next_mark += 1
        return mark

    def _data(self, payload: bytes) -> None:
        self._out.write(b"data %d\n" % len(payload))
        self._out.write(payload)
        self._out.write(b"\n")

    def blob(self, payload: bytes) -> int:
        mark = self._mark()
        self._out.write(b"blob\nmark :%d\n" % mark)
        self._data(payload)
        self.blob_bytes += len(payload)
        return mark

    def reset(self, ref: str, from_mark: int | None) -> None:
        """Point `ref` at a commit; with no commit, delete the ref when the import ends."""
        self._out.write(f"reset {ref}\n".encode())
        if from_mark is not None:
            self._out.write(b"from :%d\n" % from_mark)
        self._out.write(b"\n")

    def commit(
        self,
        ref: str,
        author: Author,
        timestamp: int,
        message: str,
        merges: tuple[int, ...],
        changes: list[bytes],
    ) -> int:
        """One commit on `ref`'s current tip (set by `reset` for a new branch)."""
        mark = self._mark()
        signature = author.signature(timestamp)
        self._out.write(f"commit {ref}\n".encode() + b"mark :%d\n" % mark)
        self._out.write(b"author " + signature + b"\ncommitter " + signature + b"\n")
        self._data(message.encode())
        for parent in merges:
            self._out.write(b"merge :%d\n" % parent)
        for change in changes:
            self._out.write(change)
        self._out.write(b"\n")
        return mark

    def tag(self, name: str, target: int, tagger: Author, timestamp: int, message: str) -> None:
        self._out.write(f"tag {name}\nfrom :{target}\n".encode())
        self._out.write(b"tagger " + tagger.signature(timestamp) + b"\n")
        self._data(message.encode())

    def done(self) -> None:
        self._out.write(b"done\n")


def modify(path: str, mark: int) -> bytes:
    return f"M 100644 :{mark} {path}\n".encode()


def delete(path: str) -> bytes:
    return f"D {path}\n".encode()


# ----------------------------------------------------------------------------- planted secrets


_PLANTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("incident-xai", ("xai",), f"added on main, removed {INCIDENT_DAYS}+ days later"),
    ("release-github-pat", ("github-pat",), "added, removed, re-added, removed: two windows"),
    ("deploy-aws", ("aws-key-id", "aws-secret"), "added, file renamed, never removed"),
    ("billing-stripe", ("stripe-live",), "added on a feature branch, merged, removed later"),
    ("eval-anthropic", ("anthropic",), "only on a branch that was never merged"),
    ("alerts-slack", ("slack-bot",), "only reachable from an annotated tag"),
    ("notebook-openai", ("openai-project",), "added, file renamed, file deleted"),
)


def plant_secrets(seed: int) -> dict[str, PlantedSecret]:
    secrets: dict[str, PlantedSecret] = {}
    for name, kinds, story in _PLANTS:
        rng = random.Random(f"leakwindow-bench:{seed}:{name}")
        values = tuple(make_token(kind, rng) for kind in kinds)
        secrets[name] = PlantedSecret(name, kinds, values, story)
    return secrets


def _settings_file(api_line: str) -> bytes:
    return (
        '"""Settings for the ticket digest service."""\n\nimport os\n\n'
        'API_BASE = "https://api.x.ai/v1"\nMODEL = "grok-2-latest"\n'
        f"{api_line}\nTIMEOUT_SECONDS = 30\n"
    ).encode()


def _publish_script(token_line: str) -> bytes:
    return (
        '"""Publish release artifacts to the GitHub release page."""\n\nimport os\n\n'
        f'REPOSITORY = "example-org/toolkit"\n{token_line}\n\n\n'
        "def headers() -> dict[str, str]:\n"
        '    return {"Authorization": f"token {GITHUB_TOKEN}"}\n'
    ).encode()


def _stripe_client(key_line: str, retries: int) -> bytes:
    return (
        '"""Stripe webhook client for invoices."""\n\nimport os\n\n'
        f"{key_line}\nMAX_RETRIES = {retries}\n\n\n"
        "def auth_header() -> dict[str, str]:\n"
        '    return {"Authorization": f"Bearer {STRIPE_KEY}"}\n'
    ).encode()


def _aws_credentials(key_id: str, secret: str) -> bytes:
    return (
        "[default]\n"
        f"aws_access_key_id = {key_id}\n"
        f"aws_secret_access_key = {secret}\n"
        "region = eu-west-1\n"
    ).encode()


def _anthropic_eval(key: str) -> bytes:
    return (
        '"""Quick model comparison for the summariser."""\n\nimport httpx\n\n'
        f'ANTHROPIC_API_KEY = "{key}"\n\n\n'
        "def ask(prompt: str) -> str:\n"
        '    headers = {"x-api-key": ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01"}\n'
        '    body = {"model": "claude-3-5-haiku-latest", "max_tokens": 256,\n'
        '            "messages": [{"role": "user", "content": prompt}]}\n'
        '    response = httpx.post("https://api.anthropic.com/v1/messages", headers=headers,\n'
        "                          json=body, timeout=30)\n"
        '    return response.json()["content"][0]["text"]\n'
    ).encode()


def _slack_notifier(token: str) -> bytes:
    return (
        '"""Post deploy alerts to the ops channel."""\n\nimport httpx\n\n'
        f'SLACK_BOT_TOKEN = "{token}"\nCHANNEL = "#ops-alerts"\n\n\n'
        "def notify(text: str) -> None:\n"
        '    httpx.post("https://slack.com/api/chat.postMessage",\n'
        '               headers={"Authorization": f"Bearer {SLACK_BOT_TOKEN}"},\n'
        '               json={"channel": CHANNEL, "text": text}, timeout=10)\n'
    ).encode()


def _openai_notebook(key: str) -> bytes:
    return (
        "# Evaluate summaries against the OpenAI baseline\n\nfrom openai import OpenAI\n\n"
        f'client = OpenAI(api_key="{key}")\n'
        'MODELS = ["gpt-4o-mini", "gpt-4o"]\n'
    ).encode()


# ----------------------------------------------------------------------------- the simulation


@dataclass(frozen=True)
class Event:
    at_commit: int  # fires once this many commits exist
    name: str
    not_before: int = 0  # and, if set, once the clock has reached this timestamp


class HistoryBuilder:
    """Simulates a project's history and streams it to fast-import as it goes."""

    def __init__(
        self,
        stream: FastImportStream,
        total_commits: int,
        target_bytes: float,
        seed: int,
        sources: list[tuple[str, bytes]],
    ) -> None:
        self.out = stream
        self.total = total_commits
        self.target_bytes = target_bytes
        self.rng = random.Random(f"leakwindow-bench-history:{seed}")
        self.sources = sample_sources(sources, target_bytes, random.Random(f"sources:{seed}"))
        self.pool = LinePool(self.sources)
        self.secrets = plant_secrets(seed)
        self.authors = self._author_pool()
        self.clock = int(START.timestamp())
        self.mean_gap = max(60, SPAN_DAYS * 86400 // max(1, total_commits))
        self.commits: dict[int, CommitInfo] = {}
        self.mainline: list[int] = []
        self.main_tree: Tree = {}
        self.main_last_touched: dict[str, int] = {}  # path -> mainline length when last changed
        self.protected: set[str] = set()  # planted files: random edits never touch them
        self.locked: set[str] = set()  # paths an open branch has changed
        self.open_branches: list[Branch] = []
        self.special_refs: dict[str, Branch] = {}
        self.tags: dict[str, int] = {}
        self.pending_sources = list(range(len(self.sources)))
        self.rng.shuffle(self.pending_sources)
        self.hot_paths: list[str] = []
        self.branch_serial = 0
        self.events = self._schedule()

    # -- helpers

    def _author_pool(self) -> list[Author]:
        rng = random.Random(self.rng.random())
        authors = []
        for first in _FIRST_NAMES:
            last = rng.choice(_LAST_NAMES)
            email = f"{first.lower()}.{last.lower()}@example.test"
            authors.append(Author(f"{first} {last}", email, rng.choice(_TIMEZONES)))
        return authors

    def _schedule(self) -> list[Event]:
        def at(fraction: float) -> int:
            return max(2, int(self.total * fraction))

        events = [
            Event(at(0.10), "openai-add"),
            Event(at(0.14), "openai-rename"),
            Event(at(0.18), "openai-delete"),
            Event(at(0.20), "xai-add"),
            Event(at(0.30), "github-add"),
            Event(at(0.36), "github-remove"),
            Event(at(0.40), "stripe-branch"),
            Event(at(0.41), "stripe-branch-edit"),
            Event(at(0.43), "stripe-merge"),
            Event(at(0.50), "github-readd"),
            Event(at(0.58), "github-remove-again"),
            Event(at(0.62), "anthropic-branch"),
            Event(at(0.66), "slack-tag"),
            Event(at(0.70), "aws-add"),
            Event(at(0.78), "aws-rename"),
            Event(at(0.80), "stripe-remove"),
        ]
        return sorted(events, key=lambda event: event.at_commit)

    def _tick(self) -> int:
        self.clock += self.rng.randint(self.mean_gap // 10, self.mean_gap * 19 // 10)
        return self.clock

    def _presence(self, tree: Tree) -> frozenset[str]:
        present = set()
        for path in self.protected:
            version = tree.get(path)
            if version is None:
                continue
            for secret in self.secrets.values():
                if any(value.encode() in version.data for value in secret.values):
                    present.add(secret.name)
        return frozenset(present)

    def _record(
        self, mark: int, timestamp: int, author: Author, parents: tuple[int, ...], tree: Tree
    ) -> None:
        self.commits[mark] = CommitInfo(mark, timestamp, author, parents, self._presence(tree))

    def _write_file(
        self, tree: Tree, path: str, data: bytes, base_size: int | None = None
    ) -> bytes:
        mark = self.out.blob(data)
        previous = tree.get(path)
        size = base_size or (previous.base_size if previous else len(data))
        tree[path] = FileVersion(mark, data, size)
        return modify(path, mark)

    def _main_commit(self, message: str, changes: list[bytes], author: Author | None = None) -> int:
        author = author or self.rng.choice(self.authors)
        timestamp = self._tick()
        parent = (self.mainline[-1],) if self.mainline else ()
        mark = self.out.commit(MAIN_REF, author, timestamp, message, (), changes)
        self._record(mark, timestamp, author, parent, self.main_tree)
        self.mainline.append(mark)
        return mark

    def _touch_main(self, path: str) -> None:
        # Numbered like `forked_at`: the mainline commit being built is number len + 1.
        self.main_last_touched[path] = len(self.mainline) + 1

    def _editable_main_paths(self) -> list[str]:
        return [p for p in self.main_tree if p not in self.protected and p not in self.locked]

    def _pick_paths(self, candidates: list[str], count: int) -> list[str]:
        """Files to edit: hot (large) ones while behind the byte target's pace, else small ones.

        Real histories have hot files, so most picks come from a slowly changing hot set;
        when the history is ahead of its byte budget, the smallest of a few random picks is
        taken instead, which keeps a small target (a flask-sized repository) near its size.
        """
        if not candidates:
            return []
        ahead = self._bytes_behind() <= 0
        if len(self.mainline) % max(1, self.total // 60) == 0 or not self.hot_paths:
            weights = [
                len(self.main_tree[p].data) if p in self.main_tree else 1 for p in candidates
            ]
            self.hot_paths = self.rng.choices(
                candidates, weights=weights, k=min(24, len(candidates))
            )
        allowed = set(candidates)
        chosen: list[str] = []
        for _ in range(count * 3):
            if len(chosen) == count:
                break
            if ahead:
                sizes = {self.rng.choice(candidates) for _ in range(4)}
                path = min(sizes, key=lambda p: (self._size_of(p), p))
            else:
                pool = self.hot_paths if self.rng.random() < 0.5 else candidates
                path = self.rng.choice(pool)
            if path in allowed and path not in chosen:
                chosen.append(path)
        return chosen

    def _size_of(self, path: str) -> int:
        version = self.main_tree.get(path)
        return len(version.data) if version else 0

    def _bytes_behind(self) -> float:
        made = len(self.commits) + 1
        return self.target_bytes * made / self.total - self.out.blob_bytes

    def _edit_count(self) -> int:
        """Files to edit in this commit: a few, more when behind the byte target's pace."""
        behind = self._bytes_behind()
        base = self.rng.choice((1, 1, 1, 2, 2, 3))
        if behind <= 0:
            return base
        return min(_MAX_EDITS_PER_COMMIT, base + int(behind // 40_000))

    def _edit(self, tree: Tree, path: str) -> bytes:
        version = tree[path]
        data = edit_text(version.data, version.base_size, self.rng, self.pool)
        return self._write_file(tree, path, data)

    def _fresh_path(self, path: str) -> str:
        """A new, unused location for a renamed file."""
        head, _, name = path.rpartition("/")
        for attempt in range(100):
            choice = self.rng.choice(("legacy", "compat", "_internal", "vendor", "core"))
            parts = [p for p in (choice, head) if p]
            if attempt:
                parts.append(f"v{attempt}")
            candidate = "/".join([*parts, name])
            if not self._path_in_use(candidate):
                return candidate
        raise RuntimeError(f"no free location to rename {path}")

    def _path_in_use(self, path: str) -> bool:
        if path in self.main_tree or path in self.locked or path in self.protected:
            return True
        return any(path in branch.tree for branch in self.open_branches)

    # -- mainline work

    def initial_commit(self) -> None:
        share = max(1, len(self.pending_sources) // 4)
        changes = [self._add_source(self.main_tree) for _ in range(share)]
        self._main_commit("Initial import", [c for c in changes if c])

    def _add_source(self, tree: Tree) -> bytes | None:
        while self.pending_sources:
            path, data = self.sources[self.pending_sources.pop()]
            if not self._path_in_use(path) and path not in tree:
                if tree is self.main_tree:
                    self._touch_main(path)
                return self._write_file(tree, path, data, len(data))
        return None

    def regular_main_commit(self) -> None:
        changes: list[bytes] = []
        roll = self.rng.random()
        remaining = self.total - len(self.commits)
        # Spread the remaining source files over roughly the first 70% of the history.
        add_chance = min(0.6, len(self.pending_sources) / 3 / max(1.0, remaining * 0.4 * 0.7))
        if roll < add_chance:
            for _ in range(self.rng.randint(1, 5)):
                added = self._add_source(self.main_tree)
                if added:
                    changes.append(added)
            message = "Add " + ", ".join(c.decode().split()[-1].rsplit("/", 1)[-1] for c in changes)
        elif roll < add_chance + 0.012:
            changes, message = self._delete_on(self.main_tree, main=True)
        elif roll < add_chance + 0.024:
            changes, message = self._rename_on(self.main_tree, main=True)
        else:
            message = ""
        edits = self._pick_paths(self._editable_main_paths(), self._edit_count())
        for path in edits:
            changes.append(self._edit(self.main_tree, path))
            self._touch_main(path)
        if not message:
            topic = edits[0].rsplit("/", 1)[-1] if edits else "the build"
            message = f"{self.rng.choice(_VERBS)} {self.rng.choice(_TOPICS)} in {topic}"
        if not changes:
            changes.append(self._edit(self.main_tree, self._editable_main_paths()[0]))
        self._main_commit(message, changes)

    def _delete_on(self, tree: Tree, main: bool) -> tuple[list[bytes], str]:
        victims = self._pick_paths(self._editable_main_paths() if main else list(tree), 2)
        victims = [v for v in victims if v in tree and v not in self.protected]
        if not victims:
            return [], ""
        for path in victims:
            del tree[path]
            if main:
                self._touch_main(path)
        return [delete(p) for p in victims], "Remove " + ", ".join(victims)

    def _rename_on(self, tree: Tree, main: bool) -> tuple[list[bytes], str]:
        candidates = self._editable_main_paths() if main else list(tree)
        chosen = [
            p for p in self._pick_paths(candidates, 1) if p in tree and p not in self.protected
        ]
        if not chosen:
            return [], ""
        old = chosen[0]
        new = self._fresh_path(old)
        tree[new] = tree.pop(old)
        if main:
            self._touch_main(old)
            self._touch_main(new)
        return [f"R {old} {new}\n".encode()], f"Move {old} to {new}"

    # -- feature branches

    def open_branch(self) -> None:
        abandon = self.rng.random() < 0.04
        self.branch_serial += 1
        if abandon:
            ref = f"refs/heads/wip/{self.rng.choice(_FIRST_NAMES).lower()}-{self.branch_serial}"
        else:
            used = {b.ref for b in self.open_branches}
            slots = [s for s in range(_TOPIC_SLOTS) if f"refs/heads/topic/t{s:02d}" not in used]
            ref = f"refs/heads/topic/t{self.rng.choice(slots):02d}"
        tip = self.mainline[-1]
        self.out.reset(ref, tip)
        branch = Branch(
            ref=ref,
            tip=tip,
            tree=dict(self.main_tree),
            forked_at=len(self.mainline),
            planned_commits=self.rng.randint(1, 12),
            abandon=abandon,
        )
        self.open_branches.append(branch)

    def branch_commit(self, branch: Branch) -> None:
        # Only files the mainline has not changed since the fork, and no other branch owns:
        # the merge then takes the branch's version without a conflict.
        candidates = [
            p
            for p in branch.tree
            if p not in self.protected
            and (p in branch.touched or p not in self.locked)
            and self.main_last_touched.get(p, 0) <= branch.forked_at
        ]
        changes: list[bytes] = []
        message = ""
        if candidates and self.rng.random() < 0.04:
            old = self.rng.choice(candidates)
            new = self._fresh_path(old)
            branch.tree[new] = branch.tree.pop(old)
            changes.append(f"R {old} {new}\n".encode())
            self._lock(branch, old, new)
            message = f"Move {old} to {new}"
            candidates.remove(old)
        for path in self._pick_paths(candidates, self._edit_count()):
            changes.append(self._edit(branch.tree, path))
            self._lock(branch, path)
        if not changes:
            added = self._add_source(branch.tree)
            if added is None:
                return
            changes.append(added)
            self._lock(branch, added.decode().split()[-1])
        if not message:
            message = f"{self.rng.choice(_VERBS)} {self.rng.choice(_TOPICS)} ({branch.ref[11:]})"
        author = self.rng.choice(self.authors)
        timestamp = self._tick()
        mark = self.out.commit(branch.ref, author, timestamp, message, (), changes)
        self._record(mark, timestamp, author, (branch.tip,), branch.tree)
        branch.tip = mark
        branch.commits += 1

    def _lock(self, branch: Branch, *paths: str) -> None:
        branch.touched.update(paths)
        self.locked.update(paths)

    def merge_branches(self, branches: list[Branch]) -> None:
        """A merge commit on main (octopus when several), taking each branch's changed files."""
        changes: list[bytes] = []
        for branch in branches:
            for path in sorted(branch.touched):
                version = branch.tree.get(path)
                if version is None:
                    self.main_tree.pop(path, None)
                    changes.append(delete(path))
                else:
                    self.main_tree[path] = version
                    changes.append(modify(path, version.mark))
                self._touch_main(path)
                self.locked.discard(path)
            self.open_branches.remove(branch)
        names = " and ".join(f"'{b.ref[11:]}'" for b in branches)
        author = self.rng.choice(self.authors)
        timestamp = self._tick()
        parents = tuple(b.tip for b in branches)
        mark = self.out.commit(
            MAIN_REF, author, timestamp, f"Merge branch {names}", parents, changes
        )
        self._record(mark, timestamp, author, (self.mainline[-1], *parents), self.main_tree)
        self.mainline.append(mark)

    def abandon_branch(self, branch: Branch) -> None:
        for path in branch.touched:
            self.locked.discard(path)
        self.open_branches.remove(branch)

    # -- planted secrets

    def fire(self, event: str) -> None:
        getattr(self, "_plant_" + event.replace("-", "_"))()

    def _protected_main_commit(self, message: str, path: str, data: bytes | None) -> None:
        self.protected.add(path)
        if data is None:
            self.main_tree.pop(path, None)
            change = delete(path)
        else:
            change = self._write_file(self.main_tree, path, data)
        self._main_commit(message, [change])

    def _value(self, name: str, index: int = 0) -> str:
        return self.secrets[name].values[index]

    def _plant_openai_add(self) -> None:
        data = _openai_notebook(self._value("notebook-openai"))
        self._protected_main_commit("Add evaluation notebook", "notebooks/openai_eval.py", data)

    def _plant_openai_rename(self) -> None:
        old, new = "notebooks/openai_eval.py", "research/notebooks/openai_eval.py"
        self.protected.add(new)
        self.main_tree[new] = self.main_tree.pop(old)
        self._main_commit("Move notebooks under research/", [f"R {old} {new}\n".encode()])

    def _plant_openai_delete(self) -> None:
        path = "research/notebooks/openai_eval.py"
        self._protected_main_commit("Drop the evaluation notebook", path, None)

    def _plant_xai_add(self) -> None:
        line = f'XAI_API_KEY = "{self._value("incident-xai")}"'
        path = "services/digest/settings.py"
        self._protected_main_commit("Hardcode API key for the demo", path, _settings_file(line))
        # The removal waits for the incident's 59 days (or the end of history, if shorter).
        due = self.clock + INCIDENT_DAYS * 86400
        self.events.append(Event(len(self.commits), "xai-remove", not_before=due))
        self.events.append(Event(max(len(self.commits) + 1, self.total * 95 // 100), "xai-remove"))
        self.events.sort(key=lambda event: event.at_commit)

    def _plant_xai_remove(self) -> None:
        path = "services/digest/settings.py"
        if self._value("incident-xai").encode() not in self.main_tree[path].data:
            return  # the other trigger of this removal already fired
        line = 'XAI_API_KEY = os.environ["XAI_API_KEY"]'
        self._protected_main_commit(
            "Read the API key from the environment", path, _settings_file(line)
        )

    def _github(self, present: bool, message: str) -> None:
        value = self._value("release-github-pat")
        line = f'GITHUB_TOKEN = "{value}"' if present else 'GITHUB_TOKEN = os.environ["GH_TOKEN"]'
        self._protected_main_commit(message, "tools/release/publish.py", _publish_script(line))

    def _plant_github_add(self) -> None:
        self._github(True, "Add release publishing script")

    def _plant_github_remove(self) -> None:
        self._github(False, "Take the release token from the environment")

    def _plant_github_readd(self) -> None:
        self._github(True, 'Revert "Take the release token from the environment"')

    def _plant_github_remove_again(self) -> None:
        self._github(False, "Take the release token from the environment, again")

    def _special_branch(self, ref: str) -> Branch:
        tip = self.mainline[-1]
        self.out.reset(ref, tip)
        branch = Branch(ref, tip, dict(self.main_tree), len(self.mainline), 0, abandon=True)
        self.special_refs[ref] = branch
        return branch

    def _special_commit(self, branch: Branch, message: str, path: str, data: bytes) -> int:
        self.protected.add(path)
        change = self._write_file(branch.tree, path, data)
        branch.touched.add(path)
        author = self.rng.choice(self.authors)
        timestamp = self._tick()
        mark = self.out.commit(branch.ref, author, timestamp, message, (), [change])
        self._record(mark, timestamp, author, (branch.tip,), branch.tree)
        branch.tip = mark
        return mark

    def _plant_stripe_branch(self) -> None:
        branch = self._special_branch("refs/heads/feature/billing-webhooks")
        key = f'STRIPE_KEY = "{self._value("billing-stripe")}"'
        data = _stripe_client(key, 3)
        self._special_commit(branch, "Add Stripe webhook client", "billing/stripe_client.py", data)

    def _plant_stripe_branch_edit(self) -> None:
        branch = self.special_refs["refs/heads/feature/billing-webhooks"]
        key = f'STRIPE_KEY = "{self._value("billing-stripe")}"'
        data = _stripe_client(key, 5)
        self._special_commit(branch, "Retry webhooks more often", "billing/stripe_client.py", data)

    def _plant_stripe_merge(self) -> None:
        branch = self.special_refs["refs/heads/feature/billing-webhooks"]
        path = "billing/stripe_client.py"
        self.main_tree[path] = branch.tree[path]
        self._touch_main(path)
        author = self.rng.choice(self.authors)
        timestamp = self._tick()
        change = modify(path, branch.tree[path].mark)
        message = "Merge branch 'feature/billing-webhooks'"
        mark = self.out.commit(MAIN_REF, author, timestamp, message, (branch.tip,), [change])
        self._record(mark, timestamp, author, (self.mainline[-1], branch.tip), self.main_tree)
        self.mainline.append(mark)

    def _plant_stripe_remove(self) -> None:
        data = _stripe_client('STRIPE_KEY = os.environ["STRIPE_KEY"]', 5)
        self._protected_main_commit(
            "Load the Stripe key from the environment", "billing/stripe_client.py", data
        )

    def _plant_anthropic_branch(self) -> None:
        branch = self._special_branch("refs/heads/experiment/claude-eval")
        data = _anthropic_eval(self._value("eval-anthropic"))
        self._special_commit(branch, "Try Claude for summaries", "research/claude_eval.py", data)

    def _plant_slack_tag(self) -> None:
        ref = "refs/heads/hotfix/slack-alerts"
        branch = self._special_branch(ref)
        data = _slack_notifier(self._value("alerts-slack"))
        mark = self._special_commit(
            branch, "Hotfix: alert ops on deploy", "ops/slack_notify.py", data
        )
        tagger = self.rng.choice(self.authors)
        self.out.tag("hotfix-slack-alerts-1", mark, tagger, self.clock, "Hotfix build for ops")
        self.tags["refs/tags/hotfix-slack-alerts-1"] = mark
        self.out.reset(ref, None)  # delete the branch: only the tag keeps the commit
        del self.special_refs[ref]

    def _plant_aws_add(self) -> None:
        key_id, secret = self.secrets["deploy-aws"].values
        data = _aws_credentials(key_id, secret)
        self._protected_main_commit("Add deploy credentials", "deploy/aws/credentials.ini", data)

    def _plant_aws_rename(self) -> None:
        old, new = "deploy/aws/credentials.ini", "infra/aws/credentials.ini"
        self.protected.add(new)
        self.main_tree[new] = self.main_tree.pop(old)
        self._main_commit("Move deploy/ to infra/", [f"R {old} {new}\n".encode()])

    # -- driver

    def _due_events(self) -> Iterator[str]:
        made = len(self.commits)
        while self.events and self.events[0].at_commit <= made:
            ready = [e for e in self.events if e.at_commit <= made and e.not_before <= self.clock]
            if not ready:
                return
            event = ready[0]
            self.events.remove(event)
            yield event.name
            made = len(self.commits)

    def run(self, progress: Callable[[int], None]) -> None:
        self.initial_commit()
        release = 0
        release_every = max(20, self.total // 120)
        while len(self.commits) < self.total:
            for name in self._due_events():
                self.fire(name)
            if len(self.commits) >= self.total:
                break
            self._random_step()
            if len(self.mainline) // release_every > release:
                release = len(self.mainline) // release_every
                tagger = self.rng.choice(self.authors)
                name = f"v{1 + release // 20}.{release % 20}"
                self.out.tag(name, self.mainline[-1], tagger, self.clock, f"Release {name}")
                self.tags[f"refs/tags/{name}"] = self.mainline[-1]
            progress(len(self.commits))
        for branch in list(self.open_branches):  # whatever is still open stays unmerged
            self.abandon_branch(branch)

    def _random_step(self) -> None:
        roll = self.rng.random()
        ready = [b for b in self.open_branches if b.commits >= b.planned_commits]
        if ready and roll < 0.3:
            finished = ready[0]
            if finished.abandon:
                self.abandon_branch(finished)
                return
            group = [finished]
            others = [b for b in ready[1:] if not b.abandon]
            if others and self.rng.random() < 0.15:
                group.append(others[0])  # an octopus merge
            self.merge_branches(group)
        elif self.open_branches and roll < 0.55:
            self.branch_commit(self.rng.choice(self.open_branches))
        elif len(self.open_branches) < _MAX_OPEN_BRANCHES and roll < 0.58:
            self.open_branch()
        else:
            self.regular_main_commit()

    # -- the oracle

    def expected(self, marks_to_sha: dict[int, str], as_of: int) -> list[dict[str, Any]]:
        """Per planted secret: fingerprints, windows on main, first commit, reachability."""

        def point(mark: int) -> dict[str, Any]:
            info = self.commits[mark]
            return {"mark": mark, "sha": marks_to_sha[mark], "committed_at": iso(info.timestamp)}

        entries = []
        head_present = self.commits[self.mainline[-1]].present
        for secret in self.secrets.values():
            windows: list[dict[str, Any]] = []
            opened: int | None = None
            for mark in self.mainline:
                here = secret.name in self.commits[mark].present
                if here and opened is None:
                    opened = mark
                elif not here and opened is not None:
                    windows.append(self._window(point, opened, mark, as_of))
                    opened = None
            if opened is not None:
                windows.append(self._window(point, opened, None, as_of))
            introductions = [
                info.mark
                for info in self.commits.values()
                if secret.name in info.present
                and not any(secret.name in self.commits[p].present for p in info.parents)
            ]
            first = min(introductions, key=lambda m: (self.commits[m].timestamp, m))
            reach_in, reach_out = self._reachability(secret.name)
            entries.append(
                {
                    "name": secret.name,
                    "kinds": list(secret.kinds),
                    "story": secret.story,
                    "fingerprints": [sha256_hex(v) for v in secret.values],
                    "first_commit": point(first),
                    "windows": windows,
                    "in_head": secret.name in head_present,
                    "reachable_from_includes": reach_in,
                    "not_reachable_from": reach_out,
                }
            )
        return entries

    def _window(
        self, point: Callable[[int], dict[str, Any]], opened: int, closed: int | None, as_of: int
    ) -> dict[str, Any]:
        end = self.commits[closed].timestamp if closed is not None else as_of
        days = round((end - self.commits[opened].timestamp) / 86400, 1)
        return {
            "ref": MAIN_REF,
            "opened": point(opened),
            "closed": point(closed) if closed is not None else None,
            "days": days,
        }

    def _reachability(self, name: str) -> tuple[list[str], list[str]]:
        if name == "eval-anthropic":
            return ["refs/heads/experiment/claude-eval"], [MAIN_REF]
        if name == "alerts-slack":
            return ["refs/tags/hotfix-slack-alerts-1"], [MAIN_REF]
        if name == "billing-stripe":
            return [MAIN_REF, "refs/heads/feature/billing-webhooks"], []
        return [MAIN_REF], []


# ----------------------------------------------------------------------------- entry points


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _git_env() -> dict[str, str]:
    """Shut out the user's and the system's git configuration: the build is reproducible."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})
    return env


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, env=_git_env()
    ).stdout


def read_marks(path: Path) -> dict[int, str]:
    marks: dict[int, str] = {}
    for line in path.read_text().splitlines():
        mark, sha = line.split()
        marks[int(mark[1:])] = sha
    return marks


def object_totals(repo: Path) -> dict[str, int]:
    """Counts and summed sizes of every object, by type, from one streamed cat-file."""
    totals: dict[str, int] = {}
    process = subprocess.Popen(
        [
            "git",
            "-C",
            str(repo),
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objecttype) %(objectsize)",
        ],
        stdout=subprocess.PIPE,
        env=_git_env(),
    )
    assert process.stdout is not None
    for line in process.stdout:
        kind, size = line.split()
        name = kind.decode()
        totals[name + "_count"] = totals.get(name + "_count", 0) + 1
        totals[name + "_bytes"] = totals.get(name + "_bytes", 0) + int(size)
    if process.wait() != 0:
        raise SystemExit("git cat-file failed while totalling objects")
    return totals


def build_history(
    dest: Path,
    commits: int = 60_000,
    target_bytes: float = 2.2e9,
    seed: int = 1,
    *,
    checkout: bool = True,
    repack: bool = True,
    quiet: bool = False,
) -> BuildResult:
    """Build the repository at `dest` and its manifest at `dest.manifest.json`."""
    started = time.monotonic()
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"{dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "-c", "init.defaultBranch=main", "init", "-q")
    sources = stdlib_sources()
    marks_file = dest / ".git" / "bench-marks"

    def progress(made: int) -> None:
        if not quiet and made % 5000 == 0:
            elapsed = time.monotonic() - started
            print(f"  {made:>7} commits  {elapsed:6.1f} s", file=sys.stderr, flush=True)

    importer = subprocess.Popen(
        [
            "git",
            "-C",
            str(dest),
            "-c",
            "core.compression=1",
            "fast-import",
            "--quiet",
            "--done",
            f"--export-marks={marks_file}",
        ],
        stdin=subprocess.PIPE,
        env=_git_env(),
        bufsize=1 << 20,
    )
    assert importer.stdin is not None
    stream = FastImportStream(importer.stdin)
    builder = HistoryBuilder(stream, commits, target_bytes, seed, sources)
    try:
        builder.run(progress)
        stream.done()
        importer.stdin.close()
    except BrokenPipeError:
        pass
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed (see its message above)")
    if not quiet:
        print(f"  fast-import done  {time.monotonic() - started:6.1f} s", file=sys.stderr)
    _git(dest, "symbolic-ref", "HEAD", MAIN_REF)
    if checkout:
        _git(dest, "reset", "-q", "--hard", MAIN_REF)
    if repack:
        _git(dest, "repack", "-a", "-d", "-f", "-q")
        if not quiet:
            print(f"  repack done       {time.monotonic() - started:6.1f} s", file=sys.stderr)

    marks = read_marks(marks_file)
    marks_file.unlink()
    last = builder.commits[builder.mainline[-1]].timestamp
    as_of = int((datetime.fromtimestamp(last, timezone.utc) + timedelta(days=30)).timestamp())
    totals = object_totals(dest)
    manifest: dict[str, Any] = {
        "schema": MANIFEST_SCHEMA,
        "seed": seed,
        "commits": len(builder.commits),
        "mainline_commits": len(builder.mainline),
        "head": {"ref": MAIN_REF, "sha": marks[builder.mainline[-1]]},
        "as_of": iso(as_of),
        "objects": totals,
        "secrets": builder.expected(marks, as_of),
    }
    manifest_path = dest.parent / (dest.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    values = {s.name: s.values for s in builder.secrets.values()}
    return BuildResult(dest, manifest_path, manifest, values, time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="where to create the repository (must be new)")
    parser.add_argument("--commits", type=int, default=60_000)
    parser.add_argument("--target-bytes", type=float, default=2.2e9, help="total blob content")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-checkout", action="store_true", help="leave the work tree empty")
    parser.add_argument(
        "--no-repack",
        action="store_true",
        help="keep fast-import's pack (skip `git repack -adf`, which deltifies like a real clone)",
    )
    args = parser.parse_args(argv)
    if args.commits < 100:
        parser.error("--commits must be at least 100 (the planted stories need room)")
    result = build_history(
        args.dest.resolve(),
        args.commits,
        args.target_bytes,
        args.seed,
        checkout=not args.no_checkout,
        repack=not args.no_repack,
    )
    totals = result.manifest["objects"]
    print(f"repository   {result.repo}")
    print(f"manifest     {result.manifest_path}")
    print(
        f"commits      {totals.get('commit_count', 0):,} "
        f"({result.manifest['mainline_commits']:,} on main's first-parent chain)"
    )
    print(
        f"blobs        {totals.get('blob_count', 0):,} unique, "
        f"{totals.get('blob_bytes', 0):,} bytes ({totals.get('blob_bytes', 0) / 1e9:.2f} GB)"
    )
    print(f"tags         {totals.get('tag_count', 0):,} annotated")
    print(f"secrets      {len(result.manifest['secrets'])} planted (fingerprints in the manifest)")
    print(f"build time   {result.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

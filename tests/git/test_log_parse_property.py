"""Property: the history read from one streamed `git log` is what git's objects say.

Hypothesis builds real repositories from objects written with git itself (`hash-object
--literally`, `mktree`): tree entry names, author and committer names and e-mails and commit
messages hold random bytes, among them forged record markers (\\x01, a commit id of the same
repository, \\x02) and newlines. The oracle is independent of the scanner: it walks the
commits from the refs with `git cat-file --batch`, parses commit and tree objects here, and
diffs each commit's tree against its first parent's. `read_history`, `read_commits_only` and
the object-by-object `salvage_history` must all give exactly that.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from git_builders import GitRepo, raw_commit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.git.history import History
from scanner.git.log_parse import read_commits_only, read_history
from scanner.git.salvage import salvage_history
from scanner.model import CommitInfo

GITLINK, TREE = "160000", "40000"

# --- the oracle: git's objects, parsed here ----------------------------------------------


def read_objects(repo: Path, oids: list[str]) -> dict[str, tuple[str, bytes]]:
    """(type, content) of each object, through one `git cat-file --batch`."""
    out = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="".join(f"{oid}\n" for oid in oids).encode(),
        capture_output=True,
        check=True,
    ).stdout
    found: dict[str, tuple[str, bytes]] = {}
    position = 0
    for oid in oids:
        end = out.index(b"\n", position)
        header = out[position:end].decode().split(" ")
        assert header[0] == oid and len(header) == 3, header
        size = int(header[2])
        found[oid] = (header[1], out[end + 1 : end + 1 + size])
        position = end + 1 + size + 1
    return found


def git_space(byte: int) -> bool:
    return byte in b" \t\n\r"


def ident(line: bytes) -> tuple[str, int, str]:
    """git's reading of an ident (`split_ident_line`): the name ends at the first '<' (its
    trailing blanks dropped), the e-mail at the next '>', then seconds and a zone."""
    mail_begin = line.index(b"<") + 1
    name = line[: mail_begin - 1]
    while name and git_space(name[-1]):
        name = name[:-1]
    mail_end = line.index(b">", mail_begin)
    seconds, zone = line[mail_end + 1 :].split()
    sign = -1 if zone.startswith(b"-") else 1
    offset = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])))
    when = datetime.fromtimestamp(int(seconds), offset).isoformat()
    who = name + b" <" + line[mail_begin:mail_end] + b">"
    return who.decode("utf-8", "backslashreplace"), int(seconds), when


@dataclass
class Commit:
    info: CommitInfo
    tree: str


def parse_commit(sha: str, raw: bytes) -> Commit:
    headers = raw.partition(b"\n\n")[0].split(b"\n")
    fields: dict[bytes, list[bytes]] = {}
    for line in headers:
        key, _, value = line.partition(b" ")
        fields.setdefault(key, []).append(value)
    author, _, authored_at = ident(fields[b"author"][-1])
    _, committed_ts, committed_at = ident(fields[b"committer"][-1])
    parents = tuple(p.decode() for p in fields.get(b"parent", []))
    info = CommitInfo(sha, parents, committed_ts, committed_at, authored_at, author)
    return Commit(info, fields[b"tree"][0].decode())


def parse_tree(raw: bytes) -> dict[bytes, tuple[str, str]]:
    entries: dict[bytes, tuple[str, str]] = {}
    while raw:
        head, _, rest = raw.partition(b"\0")
        mode, _, name = head.partition(b" ")
        entries[name] = (mode.decode(), rest[:20].hex())
        raw = rest[20:]
    return entries


@dataclass
class Expected:
    commits: dict[str, CommitInfo] = field(default_factory=dict)
    changes: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    gitlinks: set[str] = field(default_factory=set)
    blobs: set[str] = field(default_factory=set)


class Oracle:
    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.trees: dict[str, dict[bytes, tuple[str, str]]] = {}

    def tree(self, oid: str | None) -> dict[bytes, tuple[str, str]]:
        if oid is None:
            return {}
        if oid not in self.trees:
            kind, raw = read_objects(self.repo, [oid])[oid]
            assert kind == "tree"
            self.trees[oid] = parse_tree(raw)
        return self.trees[oid]

    def files(self, oid: str, prefix: bytes) -> list[tuple[bytes, str, str]]:
        """(path, mode, oid) of everything under a tree, subtrees opened."""
        found = []
        for name, (mode, target) in self.tree(oid).items():
            if mode == TREE:
                found += self.files(target, prefix + name + b"/")
            else:
                found.append((prefix + name, mode, target))
        return found

    def diff(self, old: str | None, new: str, prefix: bytes, expected: Expected, sha: str) -> None:
        """`git diff-tree -r --no-renames` between two trees, as (path, new blob or None)."""
        changes = expected.changes.setdefault(sha, [])
        before, after = self.tree(old), self.tree(new)

        def gone(mode: str, target: str, path: bytes) -> None:
            if mode == TREE:
                for inner, _, _ in self.files(target, path + b"/"):
                    changes.append((inner.decode("utf-8", "backslashreplace"), None))
            else:
                changes.append((path.decode("utf-8", "backslashreplace"), None))

        def came(mode: str, target: str, path: bytes) -> None:
            if mode == TREE:
                for inner, inner_mode, blob in self.files(target, path + b"/"):
                    came(inner_mode, blob, inner)
            elif mode == GITLINK:
                expected.gitlinks.add(path.decode("utf-8", "backslashreplace"))
                changes.append((path.decode("utf-8", "backslashreplace"), None))
            else:
                expected.blobs.add(target)
                changes.append((path.decode("utf-8", "backslashreplace"), target))

        for name in before.keys() | after.keys():
            path = prefix + name
            if name not in after:
                gone(*before[name], path)
            elif name not in before:
                came(*after[name], path)
            elif before[name] != after[name]:
                (old_mode, old_oid), (new_mode, new_oid) = before[name], after[name]
                if old_mode == TREE and new_mode == TREE:
                    self.diff(old_oid, new_oid, path + b"/", expected, sha)
                elif (old_mode == TREE) != (new_mode == TREE):
                    gone(old_mode, old_oid, path)
                    came(new_mode, new_oid, path)
                else:
                    came(new_mode, new_oid, path)

    def history(self, tips: list[str]) -> Expected:
        expected = Expected()
        pending, commits = list(tips), {}
        while pending:
            objects = read_objects(self.repo, sorted(set(pending) - commits.keys()))
            pending = []
            for sha, (kind, raw) in objects.items():
                assert kind == "commit"
                commits[sha] = parse_commit(sha, raw)
                pending += commits[sha].info.parents
        for sha, commit in commits.items():
            expected.commits[sha] = commit.info
            parents = commit.info.parents
            first_tree = commits[parents[0]].tree if parents else None
            self.diff(first_tree, commit.tree, b"", expected, sha)
            if not expected.changes[sha]:
                del expected.changes[sha]
        return expected


# --- random repositories -------------------------------------------------------------------

FORGED = "forged"  # stands for "\x01" + an earlier commit's id + "\x02"-separated fields
_HOSTILE_NAMES = [
    b"\x01",
    b"\x02\x02\x02",
    b"\n",
    b"\n:100644 100644 " + b"0" * 40 + b" " + b"1" * 40 + b" M",
    b":000000 100644",
    b"\t",
    b" ",
    b"\xff\xfe",
    "é".encode(),
    b"\xe2\x82",
]
_free_name = st.binary(min_size=1, max_size=8).filter(
    lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")
)
names = st.one_of(_free_name, st.sampled_from(_HOSTILE_NAMES), st.just(FORGED))
paths = st.lists(names, min_size=1, max_size=3).map(tuple)
_ident_text = st.binary(max_size=10).filter(lambda b: not set(b) & set(b"<>\n\0"))
ident_names = st.one_of(
    _ident_text.filter(lambda b: not b or not git_space(b[-1])), st.just(FORGED)
)
ident_mails = st.one_of(_ident_text, st.just(FORGED))
zones = st.sampled_from([b"+0000", b"-0130", b"+0545", b"+1400", b"-1200"])
CONTENTS = [b"", b"one\n", b"two\n", b"\x01\x02\0binary"]
MODES = ["100644", "100755", "120000", GITLINK]


@dataclass(frozen=True)
class CommitSpec:
    parents: list[int]  # indices of earlier commits; the first is the first parent
    edits: list[tuple[tuple[bytes | str, ...], int | None, str]]  # path, content (None: gone), mode
    author: tuple[bytes | str, bytes | str]  # name, e-mail
    committer: tuple[bytes | str, bytes | str]
    seconds: int
    zone: bytes
    message: bytes


@st.composite
def commit_specs(draw: st.DrawFn) -> list[CommitSpec]:
    universe = draw(st.lists(paths, min_size=1, max_size=6))
    made: list[CommitSpec] = []
    for number in range(draw(st.integers(1, 6))):
        parents = (
            draw(st.lists(st.integers(0, number - 1), max_size=2, unique=True)) if number else []
        )
        edits = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(universe),
                    st.one_of(st.none(), st.integers(0, len(CONTENTS) - 1)),
                    st.sampled_from(MODES),
                ),
                max_size=4,
            )
        )
        made.append(
            CommitSpec(
                parents=parents,
                edits=edits,
                author=(draw(ident_names), draw(ident_mails)),
                committer=(draw(ident_names), draw(ident_mails)),
                seconds=draw(st.integers(50_000, 2**32 - 1)),  # git refuses times before 1970
                zone=draw(zones),
                message=draw(st.binary(max_size=24)),
            )
        )
    return made


def forged(text: bytes | str, shas: list[str]) -> bytes:
    """The text, or for FORGED the old parser's record marker naming the last commit made."""
    if isinstance(text, bytes):
        return text
    sha = shas[-1] if shas else "c" * 40
    return b"\x01" + sha.encode() + b"\x02\x02" + b"1735689600\x02x\x02x\x02forged"


def build(repo: GitRepo, specs: list[CommitSpec]) -> list[str]:
    """Write the commits (and their trees and blobs) as specified; their ids, in order."""
    blobs = [repo.write_object("blob", content) for content in CONTENTS]
    states: list[dict[tuple[bytes, ...], tuple[str, str]]] = []
    shas: list[str] = []
    for spec in specs:
        state = dict(states[spec.parents[0]]) if spec.parents else {}
        for path, content, mode in spec.edits:
            concrete = tuple(forged(part, shas) for part in path)
            if content is None:
                state.pop(concrete, None)
                continue
            # A file cannot also be a directory: drop what the new entry collides with.
            for other in list(state):
                shorter, longer = sorted((other, concrete), key=len)
                if longer[: len(shorter)] == shorter:
                    del state[other]
            if mode == GITLINK and shas:
                state[concrete] = (mode, shas[content % len(shas)])
            else:  # a gitlink needs a commit to name: a plain file until there is one
                state[concrete] = ("100644" if mode == GITLINK else mode, blobs[content])
        states.append(state)
        idents = [
            forged(name, shas)
            + b" <"
            + forged(mail, shas)
            + b"> "
            + str(spec.seconds).encode()
            + b" "
            + spec.zone
            for name, mail in (spec.author, spec.committer)
        ]
        parents = [shas[i] for i in spec.parents]
        raw = raw_commit(
            write_tree(repo, state),
            parents,
            author=idents[0],
            committer=idents[1],
            message=spec.message,
        )
        shas.append(repo.write_object("commit", raw))
    return shas


def write_tree(repo: GitRepo, state: dict[tuple[bytes, ...], tuple[str, str]]) -> str:
    here: dict[bytes, tuple[str, str]] = {}
    below: dict[bytes, dict[tuple[bytes, ...], tuple[str, str]]] = {}
    for path, entry in state.items():
        if len(path) == 1:
            here[path[0]] = entry
        else:
            below.setdefault(path[0], {})[path[1:]] = entry
    entries = [
        (mode, "commit" if mode == GITLINK else "blob", oid, name)
        for name, (mode, oid) in here.items()
    ]
    entries += [("040000", "tree", write_tree(repo, inner), name) for name, inner in below.items()]
    return repo.tree(entries)


# --- the property --------------------------------------------------------------------------


def same_as_oracle(history: History, expected: Expected) -> None:
    assert history.commits == expected.commits
    ordered = {sha: index for index, sha in enumerate(history.order)}
    assert set(ordered) == set(expected.commits)
    for sha, info in history.commits.items():
        assert all(ordered[p] < ordered[sha] for p in info.parents if p in ordered)

    def key(change: tuple[str, str | None]) -> tuple[str, str]:
        return change[0], change[1] or ""

    assert {sha: sorted(found, key=key) for sha, found in history.changes.items()} == {
        sha: sorted(found, key=key) for sha, found in expected.changes.items()
    }
    assert history.gitlinks == expected.gitlinks
    assert history.referenced_blobs == expected.blobs


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(commit_specs())
def test_the_history_is_what_the_objects_say(specs: list[CommitSpec]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        repo = GitRepo(Path(scratch) / "repo")
        shas = build(repo, specs)
        repo.git("update-ref", "refs/heads/main", shas[-1])
        repo.git("update-ref", "refs/tags/first", shas[0])
        tips = sorted({shas[-1], shas[0]})
        expected = Oracle(repo.path).history(tips)

        fast = read_history(repo.path, tips)
        assert not fast.salvaged, "git log's output could not be parsed"
        same_as_oracle(fast, expected)
        same_as_oracle(salvage_history(repo.path, tips), expected)
        same_as_oracle(read_commits_only(repo.path, list(expected.commits)), expected)

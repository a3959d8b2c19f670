"""Read the history with one streamed `git log`: the fast path of every history scan.

One pass gives, for every commit, its parents, dates, author and its tree changes against
its first parent (`--diff-merges=first-parent`). That is enough to rebuild every commit's
tree: a commit's tree is its first parent's plus that diff, and every other parent's tree is
known from its own chain. (`-m` would also give diffs against the other parents, but git
omits the header of an empty per-parent diff, so the diffs of a merge that equals one of its
parents cannot be attributed to a parent.) Renames are not detected: a rename is a delete
plus an add in the same commit, which is all presence needs.

`git log` stops at the first commit or tree it cannot read; then the history is rebuilt
object by object instead (scanner.git.salvage).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from scanner.errors import LeakwindowError
from scanner.git.commit_object import iso_date, parse_commit
from scanner.git.history import History, parents_first
from scanner.git.process import ObjectReader, first_problem, start_git, stop, widen_pipe
from scanner.git.salvage import salvage_history
from scanner.git.tree_diff import GITLINK_MODE
from scanner.model import CommitInfo

_READ_CHUNK = 1 << 20

# Six header fields, each ended by a NUL. None can hold a NUL: git ends an ident at a NUL
# inside its header line, and scanner.git.process pins the output to UTF-8 (UTF-16 has NULs
# anywhere).
_LOG_FORMAT = "%H%x00%P%x00%ct%x00%cI%x00%aI%x00%an <%ae>"
_HEADER_FIELDS = 6


def _log_args(walk: bool) -> list[str]:
    return [
        "log",
        "--stdin",
        "--topo-order" if walk else "--no-walk=unsorted",
        "--diff-merges=first-parent",
        "--root",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        # Every gitlink change listed, whatever the repository's `diff.ignoreSubmodules`.
        "--ignore-submodules=none",
        "-z",
        f"--format={_LOG_FORMAT}",
    ]


def _parse_log(
    repo: Path, tips: list[str], history: History, errors: IO[bytes], walk: bool = True
) -> None:
    """Stream `git log` over `tips` into `history`.

    The walk starts from `tips` only (every commit in the object database), not `--all`: a
    ref naming a missing object would make `--all` fail before anything is read.
    """
    # GIT_FLUSH=0: git flushes after every commit into a pipe otherwise, and each of those
    # small writes wakes this reader (60,000 wake-ups for 60,000 commits).
    process = start_git(_log_args(walk), repo, stdin=-1, stderr=errors, env={"GIT_FLUSH": "0"})
    assert process.stdin is not None and process.stdout is not None  # tips go to stdin
    widen_pipe(process.stdout)  # git runs ahead while a chunk is parsed

    def feed() -> None:
        assert process.stdin is not None
        try:
            process.stdin.write("".join(f"{tip}\n" for tip in tips).encode())
            process.stdin.close()
        except (OSError, ValueError):  # git ended early, or was stopped: it reports why
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        unformatted = _parse_stream(process.stdout.read, history)
    except BaseException:
        stop(process)  # it may be blocked writing output nobody reads any more
        raise
    finally:
        feeder.join()
    if process.wait() != 0:
        errors.seek(0)
        raise LeakwindowError(f"git log failed: {first_problem(errors.read(), 128)}")
    if unformatted:
        _read_unformatted(repo, unformatted, history)


def _parse_stream(read: Callable[[int], bytes], history: History) -> set[str]:
    """Parse git log's `-z` output, read in chunks, into `history`.

    The output is a sequence of NUL-ended fields: per commit the six header fields, then
    (when it changes anything) pairs of `\n:meta` / `:meta` and path. A path may hold any
    byte but NUL, and it is always the field after a meta, so it is never looked at for
    structure: a commit ends where the field after its header or after a path does not
    start with ":", and the next commit starts there. Returns the commits whose dates git
    could not format (see `_read_unformatted`).
    """
    unformatted: set[str] = set()
    tail: list[bytes] = []  # bytes after the last NUL read so far: an unfinished field
    carried: list[str] = []  # the fields of a commit whose end has not been read yet
    while chunk := read(_READ_CHUNK):
        cut = chunk.rfind(b"\0")
        if cut < 0:
            tail.append(chunk)
            continue
        tail.append(chunk[:cut])
        # One decode for the whole run: a NUL is never part of a multi-byte sequence, nor of
        # an invalid one that gets escaped, so the fields are those of a field-by-field decode.
        fields = b"".join(tail).decode("utf-8", "backslashreplace").split("\0")
        tail = [chunk[cut + 1 :]]
        if carried:
            fields[:0] = carried
        carried = fields[_take_commits(fields, history, unformatted, final=False) :]
    rest = b"".join(tail)
    if rest:  # git ends every field with a NUL: an unfinished one means a cut-off stream
        raise LeakwindowError("git log output ended inside a field")
    if carried:
        _take_commits(carried, history, unformatted, final=True)
    return unformatted


def _take_commits(fields: list[str], history: History, unformatted: set[str], final: bool) -> int:
    """Parse the complete commits at the start of `fields` into `history`; return where the
    first one that may still go on (in the next chunk) starts. With `final`, all are complete.

    One loop for all of them, locals bound once: this runs for every commit of a cold scan.
    """
    count = len(fields)
    start = 0
    commits = history.commits
    add_commit = history.order.append
    changes_of = history.changes
    add_blob = history.referenced_blobs.add
    while count - start >= _HEADER_FIELDS:
        first = end = start + _HEADER_FIELDS
        if end < count and fields[end][:2] == "\n:":  # the change list starts on its own line
            end += 2
            while end < count and fields[end][:1] == ":":
                end += 2
        if end > count or (end == count and not final):
            if final:  # a meta without its path: the output was cut off
                break
            return start  # the commit may have more changes in the next chunk
        sha, parents, ts, committed_at, authored_at, author = fields[start:first]
        # Every commit starts with its full id: anything else means the stream is out of
        # step, and a wrong answer must never come of it.
        if len(sha) not in (40, 64) or not sha.isalnum() or not sha.isascii():
            raise LeakwindowError("git log gave a commit record that cannot be read")
        start = end
        changes: list[tuple[str, str | None]] = []
        if end != first:
            add_change = changes.append
            metas = fields[first:end:2]
            metas[0] = metas[0][1:]
            for meta, path in zip(metas, fields[first + 1 : end : 2], strict=True):
                # ":<old mode> <new mode> <old oid> <new oid> <status>": git prints modes
                # with 6 digits; both oids have the repository's hash length (40 for SHA-1,
                # 64 for SHA-256).
                if meta[8:14] == GITLINK_MODE:
                    history.gitlinks.add(path)
                    add_change((path, None))  # a file replaced by a submodule is gone
                    continue
                width = meta.find(" ", 15) - 15  # of the old oid, so of the new one too
                new_oid = meta[16 + width : 16 + 2 * width]
                if new_oid.strip("0"):
                    add_change((path, new_oid))
                    add_blob(new_oid)
                else:  # all zeros: deleted
                    add_change((path, None))
        if sha in commits:
            continue
        if not (ts.isdigit() and ts.isascii() and committed_at[:1].isdigit()) or (
            not authored_at[:1].isdigit()
        ):
            # git could not format a date (an ident line it cannot parse, or an `encoding`
            # header that garbles the commit when git converts it): read the object instead.
            unformatted.add(sha)
            ts, committed_at, authored_at = "0", iso_date(0, b"+0000"), iso_date(0, b"+0000")
        # Positional arguments: a quarter cheaper than keywords, and this runs once per commit.
        commits[sha] = CommitInfo(
            sha, tuple(parents.split()), int(ts), committed_at, authored_at, author
        )
        add_commit(sha)
        if changes:
            changes_of[sha] = changes
    if final and start != count:
        raise LeakwindowError("git log gave a commit record that cannot be read")
    return start


def _read_unformatted(repo: Path, commits: set[str], history: History) -> None:
    """Dates and author of commits whose header git could not format, from the objects
    themselves (parents stay as git gave them: at a shallow boundary it gives none)."""
    with ObjectReader(repo) as reader:
        for sha in sorted(commits):
            found = reader.read(sha)
            parsed = parse_commit(sha, found.content) if found and found.kind == "commit" else None
            if parsed is not None:
                known = history.commits[sha]
                history.commits[sha] = parsed.info._replace(parents=known.parents)


def read_history(repo: Path, tips: list[str]) -> History:
    """Parse every commit reachable from `tips` (all commits in the database, reachable or not).

    When `git log` cannot read the repository (a corrupt commit or tree), fall back to
    `salvage_history`, which reads what it can object by object.
    """
    history = History()
    with tempfile.TemporaryFile() as errors:
        try:
            _parse_log(repo, tips, history, errors)
        except LeakwindowError:
            return salvage_history(repo, tips)
    history.order.reverse()  # git gives children before parents
    return history


def read_commits_only(repo: Path, commits: list[str]) -> History:
    """Just these commits (no walk to their ancestors), each with its first-parent diff,
    ordered parents first among themselves: the new commits of an incremental rescan."""
    history = History()
    with tempfile.TemporaryFile() as errors:
        _parse_log(repo, commits, history, errors, walk=False)
    history.order = parents_first(history.commits)
    return history

"""Staged mode for pre-commit: scan only the lines the staged change adds.

Kept light on purpose: it imports neither the history scan, typer, the HTML
report nor verification, so a pre-commit hook pays only for what it uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.detect.budget import BlobTimedOut, Deadline, Watch, budget_seconds
from scanner.detect.content import scannable_text
from scanner.detect.matcher import Matcher
from scanner.errors import LeakwindowError
from scanner.git.process import DISCOVERY_TIMEOUT, run_git
from scanner.matches import Match

_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b"}


@dataclass(frozen=True)
class AddedBlock:
    """A run of consecutive added lines of one file, with the number of its first line."""

    path: str
    first_line: int
    text: bytes


@dataclass(frozen=True)
class StagedMatch:
    path: str
    match: Match


def _unquote(raw: bytes) -> str:
    """Undo git's C-style quoting of unusual path names ("a\\tb", octal escapes)."""
    if not (raw.startswith(b'"') and raw.endswith(b'"')):
        return raw.decode("utf-8", "backslashreplace")
    body, out, index = raw[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index : index + 1]
        if char == b"\\" and index + 1 < len(body):
            nxt = body[index + 1 : index + 2]
            if nxt.isdigit():
                out.append(int(body[index + 1 : index + 4], 8))
                index += 4
                continue
            out += _ESCAPES.get(nxt, nxt)
            index += 2
            continue
        out += char
        index += 1
    return bytes(out).decode("utf-8", "backslashreplace")


def _path_of(header: bytes) -> str | None:
    """The new-side path of a `+++ b/path` header (None for a deleted file)."""
    target = header[4:]
    if target.endswith(b"\t"):  # git ends the header with a tab when the name has a space
        target = target[:-1]
    if target == b"/dev/null":
        return None
    path = _unquote(target)
    return path[2:] if path.startswith("b/") else path


def added_blocks(diff: bytes) -> Iterator[AddedBlock]:
    """Parse a unified diff (-U0) into blocks of added lines.

    A hunk's body is read by the line counts in its header, so an added line whose text
    starts with "++ " (shown as "+++ ...") is content, not the next file's header.
    """
    path: str | None = None
    old_left = new_left = 0
    line_number = 0
    block: list[bytes] = []
    block_start = 0

    def flush() -> Iterator[AddedBlock]:
        if block and path is not None:
            yield AddedBlock(path, block_start, b"\n".join(block) + b"\n")
        block.clear()

    for line in diff.split(b"\n"):
        if old_left > 0 or new_left > 0:
            if line.startswith(b"+") and new_left > 0:
                if not block:
                    block_start = line_number
                block.append(line[1:])
                line_number += 1
                new_left -= 1
                continue
            yield from flush()
            if line.startswith(b"-") and old_left > 0:
                old_left -= 1
            elif line.startswith(b" "):  # context (none with -U0, but be exact)
                old_left, new_left, line_number = old_left - 1, new_left - 1, line_number + 1
            elif not line.startswith(b"\\"):  # "\ No newline at end of file" is not a line
                old_left = new_left = 0  # malformed: resynchronise on the next header
            continue
        yield from flush()
        if line.startswith(b"+++ "):
            path = _path_of(line)
            continue
        hunk = _HUNK.match(line)
        if hunk:
            old_left = int(hunk.group(1)) if hunk.group(1) is not None else 1
            line_number = int(hunk.group(2))
            new_left = int(hunk.group(3)) if hunk.group(3) is not None else 1
    yield from flush()


def staged_diff(repo: Path) -> bytes:
    return run_git(
        [
            "diff",
            "--cached",
            "--no-ext-diff",
            "--no-textconv",
            "--no-color",
            # A `-diff` or `binary` attribute must not hide a file's lines: scannable_text
            # decides what is binary, from the bytes, as the history scan does.
            "--text",
            # A moved file's lines are not new; its edited lines still are.
            "--find-renames",
            "--diff-filter=ACMRT",
            "--unified=0",
            "--src-prefix=a/",
            "--dst-prefix=b/",
        ],
        repo,
    )


def scan_added(diff: bytes, matcher: Matcher) -> tuple[list[StagedMatch], int]:
    """Matches in the added lines, with file line numbers; also the bytes scanned.

    Each added block has the time budget of a blob (scanner.detect.budget); one that runs
    past it stops the hook with an error rather than letting the commit through unscanned.
    """
    found: list[StagedMatch] = []
    scanned = 0
    with Watch().running() as watch:
        for block in added_blocks(diff):
            text = scannable_text(block.text)
            if text is None:
                continue
            scanned += len(text)
            try:
                try:
                    watch.current = Deadline(budget_seconds(len(text)))
                    block_matches = matcher.scan(text, path=block.path, deadline=watch.current)
                finally:
                    watch.current = None
            except BlobTimedOut:
                # Imported only here: the report modules cost the hook's start-up about 3 ms.
                from scanner.printable import printable

                raise LeakwindowError(
                    f"{printable(block.path)}:{block.first_line}: the added lines could not be "
                    "scanned within the time budget (LEAKWINDOW_BLOB_SECONDS); not committing "
                    "what was not checked"
                ) from None
            for match in block_matches:
                found.append(
                    StagedMatch(
                        block.path,
                        Match(
                            rule_id=match.rule_id,
                            secret=match.secret,
                            line=block.first_line + match.line - 1,
                            column=match.column,
                            confidence=match.confidence,
                        ),
                    )
                )
    return found, scanned


def repository_root(path: Path) -> Path:
    if not path.exists():
        raise LeakwindowError(f"no such path: {path}")
    found = run_git(["rev-parse", "--show-toplevel"], path, check=False, timeout=DISCOVERY_TIMEOUT)
    out = found.decode("utf-8", "surrogateescape").strip()
    if not out:
        raise LeakwindowError(f"not a git work tree: {path}")
    return Path(out)

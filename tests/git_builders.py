"""Real repositories built with git itself for the hostile-repository tests.

Fixed names and dates; files whose names hold any byte git allows; and objects that git's
porcelain would refuse to make (written with `git mktree` and `git hash-object --literally`).
Every scan goes through the command line, so the same tests run against older code too.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

from scanner.cli import main
from scanner.synthetic import make_token

AS_OF = "2025-12-31T00:00:00+00:00"
MAIN = "refs/heads/main"

_IDENTITY = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Dana Developer",
    "GIT_AUTHOR_EMAIL": "dana@example.test",
    "GIT_COMMITTER_NAME": "Dana Developer",
    "GIT_COMMITTER_EMAIL": "dana@example.test",
}


def token(seed: int) -> str:
    """A synthetic xAI key (the rule pack reports it as critical)."""
    return make_token("xai", random.Random(seed))


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def git_env(date: str = "2025-03-02T09:00:00+00:00", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {**env, **_IDENTITY, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, **extra}


class GitRepo:
    """A repository on disk and the git commands the tests build it with."""

    def __init__(self, path: Path, *, bare: bool = False) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main", "--template=", *(["--bare"] if bare else []))

    def git(
        self,
        *args: str,
        input_bytes: bytes | None = None,
        date: str = "2025-03-02T09:00:00+00:00",
        **env: str,
    ) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.path,
            input=input_bytes,
            env=git_env(date, **env),
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        return done.stdout.decode("utf-8", "surrogateescape").strip()

    def write(self, name: str | bytes, content: str) -> None:
        """A file in the work tree; a bytes name may hold any byte but NUL."""
        raw = name if isinstance(name, bytes) else name.encode()
        target = os.path.join(bytes(self.path), raw)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content.encode())

    def commit(self, message: str, *, date: str = "2025-03-02T09:00:00+00:00", **env: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date, **env)
        return self.rev("HEAD")

    def rev(self, name: str) -> str:
        return self.git("rev-parse", "--verify", "-q", name)

    def write_object(self, kind: str, content: bytes) -> str:
        """Any object, as is: git checks neither its names nor its header lines."""
        return self.git(
            "hash-object", "-w", "--literally", "-t", kind, "--stdin", input_bytes=content
        )

    def tree(self, entries: list[tuple[str, str, str, bytes]]) -> str:
        """A tree from (mode, type, oid, name) entries (any name without NUL or slash)."""
        listing = b"".join(
            f"{mode} {kind} {oid}\t".encode() + name + b"\0" for mode, kind, oid, name in entries
        )
        return self.git("mktree", "-z", "--missing", input_bytes=listing)


def nested_tree(repo: Path, leaf: str, depth: int, directory: bytes = b"d") -> str:
    """A tree `depth` directories deep (`d/d/.../d`) holding the tree `leaf` at the bottom,
    written by one `git mktree --batch` (one tree per round trip)."""
    process = subprocess.Popen(
        ["git", "mktree", "--batch"],
        cwd=repo,
        env=git_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    oid = leaf
    for _ in range(depth):
        process.stdin.write(f"040000 tree {oid}\t".encode() + directory + b"\n\n")
        process.stdin.flush()
        oid = process.stdout.readline().decode().strip()
    process.stdin.close()
    assert process.wait() == 0 and len(oid) == 40
    return oid


def raw_commit(
    tree: str,
    parents: list[str],
    *,
    author: bytes = b"Dana Developer <dana@example.test> 1740906000 +0000",
    committer: bytes = b"Dana Developer <dana@example.test> 1740906000 +0000",
    extra_headers: bytes = b"",
    message: bytes = b"commit\n",
) -> bytes:
    """A commit object's bytes; the ident lines are given whole (name, e-mail, date)."""
    lines = [f"tree {tree}".encode(), *(f"parent {p}".encode() for p in parents)]
    lines += [b"author " + author, b"committer " + committer]
    return b"\n".join(lines) + b"\n" + extra_headers + b"\n" + message


def scan(repo: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """`leakwindow scan REPO -f json` through the command line: exit code and report."""
    out = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.json"
    code = main(["scan", str(repo), "-f", "json", "-o", str(out), "--as-of", AS_OF, *extra])
    assert out.is_file(), f"no report written (exit code {code})"
    return code, json.loads(out.read_text())


def finding(report: dict[str, Any], secret: str) -> dict[str, Any]:
    found = [f for f in report["findings"] if f["fingerprint"] == fingerprint(secret)]
    assert len(found) == 1, f"expected one finding for the planted secret, got {len(found)}"
    return found[0]


def windows(found: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (w["ref"], w["opened"]["sha"], w["closed"]["sha"] if w["closed"] else None)
        for w in found["windows"]
    ]

"""Real repositories built with git itself, for the tests that scan them (the one builder).

Fixed names and dates; files whose names hold any byte git allows; and objects that git's
porcelain would refuse to make (written with `git mktree` and `git hash-object --literally`).
Every scan goes through the command line, so the same tests run against older code too.
`GitRepo.change` writes and deletes files and commits them at a given date by a given author,
for tests whose histories are told as dated changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from scanner.cli.app import main
from scanner.demo import make_token

AS_OF = "2025-12-31T00:00:00+00:00"
# For a test whose scan would compile a Hyperscan database of the whole pack (a rule pack or a
# cache of its own) while what it checks is the same under both engines.
PYTHON_ENGINE = ("--engine", "python")
MAIN = "refs/heads/main"
DATE = "2025-03-02T09:00:00+00:00"  # every commit's date unless a test gives one

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


def fake_bearer(label: str) -> str:
    """A synthetic token of tests/data/verify_rules.toml's fake-bearer rule (never real)."""
    return "fkb_" + hashlib.sha256(label.encode()).hexdigest()[:20]


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def git_env(date: str = DATE, **extra: str) -> dict[str, str]:
    """The environment without the caller's GIT_* variables or any user or system git
    configuration: Dana Developer commits at `date`; `extra` overrides any of it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {**env, **_IDENTITY, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, **extra}


def identity(person: str) -> dict[str, str]:
    """git_env's overrides making `person` ("Name <e-mail>") the author and the committer."""
    name, _, email = person.partition(" <")
    assert email.endswith(">"), f"not 'Name <e-mail>': {person!r}"
    email = email.removesuffix(">")
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def git(
    repo: Path, *args: str, input_bytes: bytes | None = None, date: str = DATE, **env: str
) -> str:
    """`git ARGS` in `repo` with git_env(date, **env); its output, or the test fails."""
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        input=input_bytes,
        env=git_env(date, **env),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("utf-8", "surrogateescape").strip()


class GitRepo:
    """A repository on disk and the git commands the tests build it with."""

    def __init__(self, path: Path, *, bare: bool = False) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main", "--template=", *(["--bare"] if bare else []))

    def git(
        self, *args: str, input_bytes: bytes | None = None, date: str = DATE, **env: str
    ) -> str:
        return git(self.path, *args, input_bytes=input_bytes, date=date, **env)

    def write(self, name: str | bytes, content: str | bytes) -> None:
        """A file in the work tree; a bytes name may hold any byte but NUL."""
        raw = name if isinstance(name, bytes) else name.encode()
        target = os.path.join(bytes(self.path), raw)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode())

    def commit(self, message: str, *, date: str = DATE, **env: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date, **env)
        return self.rev("HEAD")

    def change(
        self,
        date: str,
        write: Mapping[str, str] | None = None,
        *,
        delete: Iterable[str] = (),
        author: str = "",
    ) -> str:
        """Write and delete work-tree files, then commit everything at `date` by `author`
        ("Name <e-mail>", author and committer; Dana Developer if not given)."""
        for name, content in (write or {}).items():
            self.write(name, content)
        for name in delete:
            (self.path / name).unlink()
        return self.commit(f"change at {date}", date=date, **(identity(author) if author else {}))

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


def scan_report(
    repo: Path, out_dir: Path, *options: str, fmt: str = "json", as_of: str | None = AS_OF
) -> tuple[int, str]:
    """`leakwindow scan REPO --format FMT --output FILE --quiet --as-of AS_OF OPTIONS` through
    the command line (a new FILE in `out_dir` each time): the exit code and the report's text,
    "" when none was written. `as_of=None` leaves the clock alone."""
    assert "--as-of" not in options, "give the date as as_of="
    out = out_dir / f"report-{len(list(out_dir.glob('report-*')))}.{fmt}"
    dated = ("--as-of", as_of) if as_of is not None else ()
    argv = ["scan", str(repo), "--format", fmt, "--output", str(out), "--quiet", *dated]
    code = main([*argv, *options])
    return code, out.read_text() if out.is_file() else ""


def scan(
    repo: Path, tmp_path: Path, *extra: str, as_of: str | None = AS_OF
) -> tuple[int, dict[str, Any]]:
    """`leakwindow scan REPO -f json` through the command line: exit code and report (which
    must have been written)."""
    code, text = scan_report(repo, tmp_path, *extra, as_of=as_of)
    assert text, f"no report written (exit code {code})"
    return code, json.loads(text)


def assert_valid_report(report: dict[str, Any]) -> None:
    """The report satisfies the published contract (scanner/report/report-schema.json)."""
    import jsonschema

    schema_file = Path(__file__).parent.parent / "scanner" / "report" / "report-schema.json"
    jsonschema.Draft7Validator(json.loads(schema_file.read_text())).validate(report)


def finding(report: dict[str, Any], secret: str) -> dict[str, Any]:
    found = [f for f in report["findings"] if f["fingerprint"] == fingerprint(secret)]
    assert len(found) == 1, f"expected one finding for the planted secret, got {len(found)}"
    return found[0]


def windows(found: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (w["ref"], w["opened"]["sha"], w["closed"]["sha"] if w["closed"] else None)
        for w in found["windows"]
    ]

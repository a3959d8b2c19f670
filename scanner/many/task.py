"""The task a Dask worker runs for one repository: bring its mirror up to date, skip it when
nothing changed since its last report, else scan it in a process of its own.

Everything here runs on the worker, which may be another machine: the mirror directory is
that machine's, and a local path must exist there. Only small, plain values cross between the
worker and the command (a Job in, an Outcome out), so they pickle with any Dask version.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scanner.errors import LeakwindowError
from scanner.many.sources import Source

if TYPE_CHECKING:
    from scanner.rules.config import Config

Status = Literal["ok", "error", "unchanged"]

# A report is at most a few hundred megabytes; an answer past this is refused.
_ANSWER_LIMIT = 512 << 20


@dataclass(frozen=True)
class Settings:
    """What every repository's scan is asked (the same for the whole run)."""

    mirror_dir: str | None = None  # None: the worker's user cache directory
    as_of: str | None = None  # ISO-8601; None: each scan's own clock
    sarif: bool = False
    timeout: float | None = None  # seconds for the whole task: fetch and scan
    max_blob_size: int = 10 * 1024 * 1024
    engine: str = "auto"
    max_memory_mb: int | None = None  # address space of one repository's scan
    # --verify: VerifySettings' fields as JSON (its rate already this task's share of the run's)
    verify: dict[str, Any] | None = None

    def digest(self) -> str:
        """What a report depends on besides the repository and the rule pack: these options
        and the scanner's code (another version may find other things)."""
        from scanner.cache.code_identity import code_digest

        parts = (
            code_digest(),
            self.as_of or "",
            self.max_blob_size,
            self.engine,
            bool(self.verify),
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Previous:
    """The digests the last good report of a repository was made under."""

    refs_digest: str
    rule_pack_digest: str
    settings_digest: str


@dataclass(frozen=True)
class Outcome:
    """One repository's result: a report, "unchanged" since `previous`, or an error line."""

    source: Source
    status: Status
    error: str | None = None
    report: dict[str, Any] | None = None
    sarif: str | None = None
    digests: Previous | None = None
    seconds: float = 0.0


# The user name each forge accepts beside a token in HTTP basic authentication.
_TOKEN_USERS = {"GITHUB_TOKEN": "x-access-token", "GITLAB_TOKEN": "oauth2"}


def auth_header(source: Source, env: Mapping[str, str]) -> str | None:
    """The Authorization header for an https source listed with a token variable, from the
    worker's own environment; None without one."""
    if source.token_variable is None or source.scheme != "https":
        return None
    token = env.get(source.token_variable, "").strip()
    if not token or any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in token):
        return None
    user = _TOKEN_USERS.get(source.token_variable, "x-access-token")
    encoded = base64.b64encode(f"{user}:{token}".encode()).decode()
    return f"Authorization: Basic {encoded}"


def mirror_root(settings: Settings) -> Path:
    if settings.mirror_dir is not None:
        return Path(settings.mirror_dir)
    from scanner.cache.files import cache_root

    return cache_root() / "mirrors"


def scan_source(source: Source, settings: Settings, previous: Previous | None) -> Outcome:
    """The Dask task: fetch + scan one source. A broken source raises LeakwindowError with
    one line, so that Dask retries the task as often as it was told to."""
    return _scan(source, settings, previous, time.monotonic())


_BUILTIN_PACK_DIGEST: list[str] = []  # per worker process: a mirror has no config of its own


def _rule_pack_digest(config: Config) -> str:
    """The digest of the pack a scan with `config` uses; the built-in pack's is worked out
    once per worker (about 20 ms a time: every rule file is read for the cache key)."""
    from scanner.cache.rule_pack import load_pack_cached
    from scanner.rules.config import Config

    if config != Config():
        return load_pack_cached(config, []).digest
    if not _BUILTIN_PACK_DIGEST:
        _BUILTIN_PACK_DIGEST.append(load_pack_cached(config, []).digest)
    return _BUILTIN_PACK_DIGEST[0]


def _remaining(settings: Settings, started: float) -> float | None:
    if settings.timeout is None:
        return None
    left = settings.timeout - (time.monotonic() - started)
    if left <= 0:
        raise LeakwindowError(f"timed out after {settings.timeout:g} s")
    return left


def _scan(source: Source, settings: Settings, previous: Previous | None, started: float) -> Outcome:
    from scanner.git.mirror import refs_digest, update_mirror
    from scanner.git.repository import open_repository
    from scanner.rules.config import find_config

    if source.is_remote:
        path = mirror_root(settings) / f"{source.file_stem}.git"
        update_mirror(
            source.location,
            source.scheme,
            path,
            _remaining(settings, started),
            auth_header(source, os.environ),
        )
    else:
        path = Path(source.location)
        if not path.is_dir():
            raise LeakwindowError("no such directory")
    repository = open_repository(path)
    digests = Previous(
        refs_digest(repository.scan_root),
        _rule_pack_digest(find_config(repository.worktree, None)),
        settings.digest(),
    )
    if previous == digests:
        return Outcome(source, "unchanged", digests=digests, seconds=time.monotonic() - started)
    answer = _run_scan_process(
        {
            "path": str(path),
            "target": source.display,
            "as_of": settings.as_of,
            "sarif": settings.sarif,
            "max_blob_size": settings.max_blob_size,
            "engine": settings.engine,
            "max_memory_mb": settings.max_memory_mb,
            "verify": settings.verify,
        },
        _remaining(settings, started),
        settings.timeout,
    )
    if "error" in answer:
        raise LeakwindowError(str(answer["error"]))
    return Outcome(
        source,
        "ok",
        report=answer["report"],
        sarif=answer.get("sarif"),
        digests=digests,
        seconds=time.monotonic() - started,
    )


def _run_scan_process(
    request: dict[str, Any], timeout: float | None, whole: float | None
) -> dict[str, Any]:
    """Run scanner.many.scan_child with the request; its answer. Its whole process group
    (the scan's blob workers too) is stopped past `timeout`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scanner.many.scan_child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(json.dumps(request).encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise LeakwindowError(f"timed out after {whole:g} s") from None
    finally:
        if process.poll() is None:  # interrupted: leave nothing running
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != 0 or not out or len(out) > _ANSWER_LIMIT:
        how = (
            f"killed by signal {-process.returncode}"
            if process.returncode < 0
            else f"exit status {process.returncode}"
        )
        raise LeakwindowError(f"the scan process stopped ({how})")
    answer: dict[str, Any] = json.loads(out)
    return answer

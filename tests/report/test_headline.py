"""The headline's longest exposure comes from the findings that fail the run: a finding below
--fail-on is reported, but does not set the number a reviewer reads first."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from git_builders import GitRepo, scan, scan_report, token

from scanner.demo import make_token


def _repository(tmp_path: Path) -> GitRepo:
    """A high-severity AWS key id exposed for 300 days, a critical xAI key for 10."""
    repo = GitRepo(tmp_path / "repo")
    key_id = make_token("aws-key-id", random.Random(3))
    repo.change("2025-01-01T09:00:00+00:00", {"deploy.sh": f"export AWS_ACCESS_KEY_ID={key_id}\n"})
    repo.change("2025-10-28T09:00:00+00:00", {"app.py": f'KEY = "{token(5)}"\n'})
    repo.change("2025-11-07T09:00:00+00:00", {"app.py": "KEY = None\n"}, delete=["deploy.sh"])
    return repo


def test_the_longest_exposure_is_that_of_the_findings_that_fail(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    _, every = scan(repo.path, tmp_path, "--engine", "python")
    assert every["summary"]["longest_days"] == 310.0  # both fail at the default --fail-on
    _, critical = scan(repo.path, tmp_path, "--engine", "python", "--fail-on", "critical")
    assert critical["summary"]["findings"] == 2  # the high one is still reported
    assert critical["summary"]["longest_days"] == 10.0
    _, text = scan_report(
        repo.path, tmp_path, "--engine", "python", "--fail-on", "critical", fmt="text"
    )
    assert ", longest exposure 10.0 days" in text
    _, markdown = scan_report(
        repo.path, tmp_path, "--engine", "python", "--fail-on", "critical", fmt="markdown"
    )
    assert "longest exposure 10.0 days" in markdown


def test_when_nothing_fails_the_longest_of_all_is_shown(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    key_id = make_token("aws-key-id", random.Random(3))
    repo.change("2025-01-01T09:00:00+00:00", {"deploy.sh": f"export AWS_ACCESS_KEY_ID={key_id}\n"})
    repo.change("2025-11-07T09:00:00+00:00", {"deploy.sh": "export AWS_PROFILE=ci\n"})
    code, report = scan(repo.path, tmp_path, "--engine", "python", "--fail-on", "critical")
    assert code == 0
    assert report["summary"]["longest_days"] == 310.0


def test_the_report_names_the_repository_and_dates_commits_in_utc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "acme-models")
    # 23:30 five hours behind UTC: the 1st in the committer's zone, the 2nd in UTC.
    repo.change("2025-03-01T23:30:00-05:00", {"app.py": f'KEY = "{token(8)}"\n'})
    monkeypatch.chdir(repo.path)
    _, report = scan(Path("."), tmp_path, "--engine", "python")
    assert report["scan"]["target"] == "acme-models"
    _, text = scan_report(Path("."), tmp_path, "--engine", "python", fmt="text")
    assert text.startswith("leakwindow ") and ": acme-models at main " in text.splitlines()[0]
    assert text.splitlines()[0].endswith("as of 2025-12-31T00:00:00Z")
    assert " 2025-03-02 by Dana Developer" in text
    _, markdown = scan_report(Path("."), tmp_path, "--engine", "python", fmt="markdown")
    assert "first in " in markdown and " on 2025-03-02 by Dana Developer" in markdown

"""A range scan (`--since`, the CI job) says in every format which range it judged and how
many commits that is, so "no secrets found" is not read as a verdict on the whole history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from git_builders import GitRepo, scan_report, token


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    built = GitRepo(tmp_path / "repo")
    built.change("2025-01-01T00:00:00+00:00", {"old.py": f'XAI = "{token(1)}"\n'})
    for day in range(2, 6):
        built.change(f"2025-01-0{day}T00:00:00+00:00", {f"n{day}.py": "x = 1\n"})
    return built


def test_a_clean_range_says_which_range_and_how_many_commits(repo: GitRepo, tmp_path: Path) -> None:
    texts = {
        fmt: scan_report(repo.path, tmp_path, "--since", "HEAD~3", fmt=fmt)
        for fmt in ("text", "markdown", "html", "json")
    }
    assert all(code == 0 for code, _ in texts.values())  # the old key is not in the range
    said = "only secrets introduced by the 3 commits of HEAD~3..HEAD"
    assert f"range: {said}" in texts["text"][1]
    markdown = texts["markdown"][1]  # (`~` escaped: GitHub reads `~…~` as strike-through)
    assert "✅ No secrets introduced by the 3 commits of HEAD\\~3..HEAD" in markdown
    assert "No secrets found in" not in markdown
    assert said.replace("~", "\\~") in markdown
    assert "<dt>Range</dt><dd><code>HEAD~3..HEAD</code> (3 commits)</dd>" in texts["html"][1]
    scan = json.loads(texts["json"][1])["scan"]
    assert (scan["mode"], scan["range"], scan["stats"]["range_commits"]) == (
        "range",
        "HEAD~3..HEAD",
        3,
    )


def test_a_whole_history_scan_names_no_range(repo: GitRepo, tmp_path: Path) -> None:
    for fmt in ("text", "markdown", "html"):
        _, text = scan_report(repo.path, tmp_path, fmt=fmt)
        assert "only secrets introduced" not in text and "Range" not in text

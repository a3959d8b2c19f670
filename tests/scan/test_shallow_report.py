"""A shallow clone (CI's default) says that its first commits are lower bounds, in every format.

Alice adds a key; Bob and Carol commit after her. A depth-2 clone starts at Bob's commit, so
git shows the key arriving there: the report must mark that first commit "first seen at the
shallow boundary" (Bob may not have added it) and warn once that the scan is of a shallow
clone, in the text report, the rich console, Markdown, HTML, SARIF and JSON, and on stderr.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

from git_builders import (
    GitRepo,
    assert_valid_report,
    fake_bearer,
    finding,
    git_env,
    scan,
    scan_report,
)
from rich.console import Console

from scanner.cli.app import main

KEY = fake_bearer("shallow")
RULES = str(Path(__file__).parents[1] / "data" / "verify_rules.toml")
AS_OF = "2025-06-01T00:00:00+00:00"
ALICE, BOB, CAROL = (f"{name} <{name.lower()}@example.test>" for name in ("Alice", "Bob", "Carol"))


def _upstream(tmp_path: Path) -> tuple[GitRepo, str]:
    repo = GitRepo(tmp_path / "upstream")
    repo.change("2025-01-01T00:00:00Z", {"config.py": f'KEY = "{KEY}"\n'}, author=ALICE)
    boundary = repo.change("2025-01-10T00:00:00Z", {"b.txt": "bob\n"}, author=BOB)
    repo.change("2025-01-20T00:00:00Z", {"c.txt": "carol\n"}, author=CAROL)
    return repo, boundary


def _clone(upstream: GitRepo, tmp_path: Path, *depth: str) -> Path:
    target = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", *depth, upstream.path.as_uri(), str(target)],
        check=True,
        capture_output=True,
        env=git_env(),
    )
    return target


def _options() -> tuple[str, ...]:
    return ("--rules", RULES)


def test_a_first_commit_at_the_shallow_boundary_is_marked_and_warned_about_everywhere(
    tmp_path: Path, capsys: Any
) -> None:
    upstream, boundary = _upstream(tmp_path)
    clone = _clone(upstream, tmp_path, "--depth", "2")
    code, report = scan(clone, tmp_path, *_options(), as_of=AS_OF)
    err = capsys.readouterr().err
    first = finding(report, KEY)["first_commit"]
    assert (first["sha"], first["author"]) == (boundary, BOB)  # git can show no more
    assert first["at_shallow_boundary"] is True
    (note,) = report["scan"]["notes"]
    assert note["kind"] == "shallow_clone"
    assert "lower bounds" in note["message"]
    assert err.count("shallow clone") == 1  # warned once on stderr
    assert_valid_report(report)

    phrase = "first seen at the shallow boundary"
    text = scan_report(clone, tmp_path, *_options(), fmt="text", as_of=AS_OF)[1]
    assert text.count(phrase) == 1 and text.count("note: shallow clone") == 1
    markdown = scan_report(clone, tmp_path, *_options(), fmt="markdown", as_of=AS_OF)[1]
    assert markdown.count(phrase) == 1 and markdown.count("> ⚠️ shallow clone") == 1
    page = scan_report(clone, tmp_path, *_options(), fmt="html", as_of=AS_OF)[1]
    assert page.count(phrase) == 1 and page.count("<strong>Note:</strong> shallow clone") == 1
    sarif = json.loads(scan_report(clone, tmp_path, *_options(), fmt="sarif", as_of=AS_OF)[1])
    run = sarif["runs"][0]
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["descriptor"]["id"] == "shallow_clone"
    assert notification["level"] == "warning"
    assert all(phrase.capitalize() in r["message"]["text"] for r in run["results"])
    assert all(r["properties"]["first_commit"]["at_shallow_boundary"] for r in run["results"])

    from scanner.report.console import render_console

    buffer = io.StringIO()
    render_console(report, Console(file=buffer, width=300, color_system=None))
    shown = buffer.getvalue()
    assert shown.count(phrase) == 1 and shown.count("note: shallow clone") == 1
    assert code == 1


def test_a_full_clone_says_nothing_about_a_boundary(tmp_path: Path, capsys: Any) -> None:
    upstream, _ = _upstream(tmp_path)
    clone = _clone(upstream, tmp_path)
    _, report = scan(clone, tmp_path, *_options(), as_of=AS_OF)
    first = finding(report, KEY)["first_commit"]
    assert first["author"] == ALICE
    assert not first.get("at_shallow_boundary")
    assert not report["scan"].get("notes")
    assert "shallow" not in capsys.readouterr().err


def test_a_saved_report_renders_the_boundary_again(tmp_path: Path) -> None:
    upstream, _ = _upstream(tmp_path)
    clone = _clone(upstream, tmp_path, "--depth", "2")
    saved = tmp_path / "saved.json"
    assert (
        main(["scan", str(clone), "-f", "json", "-o", str(saved), *_options(), "--as-of", AS_OF])
        == 1
    )
    out = tmp_path / "again.txt"
    assert main(["report", str(saved), "-f", "text", "-o", str(out)]) == 0
    assert "first seen at the shallow boundary" in out.read_text()

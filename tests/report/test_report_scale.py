"""Reports of a big repository stay readable: a key reachable from hundreds of tags is one
short phrase in text and Markdown (the whole list stays in JSON), and no line runs wide."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from git_builders import GitRepo, scan_report, token

from scanner.report.ref_summary import refs_phrase

TAGS = 600
FINDINGS = 100
WIDEST_LINE = 200
LARGEST_REPORT = 50_000


@pytest.fixture(scope="module")
def big_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], Path]:
    """One scan of a repository with FINDINGS keys in ten commits, TAGS tags on its tip and a
    second branch: every key is reachable from every tag."""
    root = tmp_path_factory.mktemp("scale")
    repo = GitRepo(root / "repo")
    per_commit = FINDINGS // 10
    for batch in range(10):
        files = {
            f"services/service_{batch}/settings_{n}.py": f'API_KEY = "{token(batch * 100 + n)}"\n'
            for n in range(per_commit)
        }
        repo.change(f"2024-0{1 + batch % 9}-1{batch % 9}T09:00:00+00:00", files)
    tip = repo.rev("HEAD")
    tags = "".join(f"create refs/tags/v{n // 100}.{n % 100}.0 {tip}\n" for n in range(TAGS))
    repo.git("update-ref", "--stdin", input_bytes=tags.encode())
    repo.git("branch", "devel")
    out = root / "out"
    out.mkdir()
    code, text = scan_report(repo.path, out, "--engine", "python")
    assert code == 1, text
    return json.loads(text), out


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_of_600_tags_and_100_findings_stay_narrow_and_small(
    big_report: tuple[dict[str, object], Path], fmt: str
) -> None:
    report, out = big_report
    saved = out / "report.json"
    saved.write_text(json.dumps(report))
    from scanner.cli.app import main

    rendered = out / f"rendered.{fmt}"
    assert main(["report", str(saved), "--format", fmt, "--output", str(rendered)]) == 0
    text = rendered.read_text()
    findings = report["findings"]
    assert isinstance(findings, list) and len(findings) == FINDINGS
    widest = max(text.splitlines(), key=len)
    assert len(widest) <= WIDEST_LINE, widest
    assert len(text.encode()) < LARGEST_REPORT
    assert text.count(f"{TAGS} tags (v0.0.0 … v5.99.0)") == FINDINGS


def test_json_keeps_every_ref(big_report: tuple[dict[str, object], Path]) -> None:
    report, _ = big_report
    findings = report["findings"]
    assert isinstance(findings, list)
    for finding in findings:
        assert len(finding["reachable_from"]) == TAGS + 2


@pytest.mark.parametrize(
    ("refs", "phrase"),
    [
        ([], "none"),
        (["refs/heads/main"], "main"),
        (["refs/tags/v1.0", "refs/heads/main", "refs/tags/v1.1"], "main, tags/v1.0, tags/v1.1"),
        (
            ["refs/heads/devel", "refs/remotes/origin/devel"]
            + [f"refs/tags/v2.{n}" for n in (10, 9, 1)]
            + ["refs/tags/v1.0"],
            "devel, origin/devel + 4 tags (v1.0 … v2.10)",  # version order, not text order
        ),
        (
            [f"refs/heads/b{n}" for n in range(6)] + ["refs/pull/1/head", "refs/notes/x"],
            "b0, b1, b2, b3 + 2 more branches + 2 other refs",
        ),
        ([f"refs/tags/t{n}" for n in range(5)], "5 tags (t0 … t4)"),
        (["HEAD", "refs/tags/v1"], "HEAD, tags/v1"),
    ],
)
def test_refs_phrase(refs: list[str], phrase: str) -> None:
    assert refs_phrase(refs) == phrase

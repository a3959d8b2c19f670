"""One verdict per finding, right for every combination and the same in every format.

A real repository holds one key per case: in HEAD; still at another branch's tip and never on
main; removed from main; added and removed on another branch; reachable only from a tag;
dangling (its branch deleted); accepted in the baseline; verified live. The JSON report,
`report -f text|markdown|html|sarif` and the rich console must each give it the same verdict,
and the verdict must say where the key still is (never "removed from main" for a key that
was never on main and is still at a branch's tip).
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from git_builders import GitRepo, assert_valid_report, fake_bearer, fingerprint, scan
from rich.console import Console

from scanner.cli.app import main
from scanner.matches import preview_of
from scanner.report.markdown import escape_cell
from scanner.scan.baseline import BASELINE_SCHEMA
from scanner.verify import VerifySettings
from tests.fake_provider import LIVE_JSON, REVOKED, FakeProvider

RULES = str(Path(__file__).parents[1] / "data" / "verify_rules.toml")
AS_OF = "2025-06-01T00:00:00+00:00"
KEYS = {case: fake_bearer(f"verdict-{case}") for case in (
    "feature", "head", "removed", "old", "tag", "dangling", "accepted", "live",
)}  # fmt: skip

# case -> (verdict kind, words the verdict must hold), with --all-branches
EXPECTED = {
    "head": ("in_head", "still in main"),
    # Branched after the removal, feature and old hold the removed key's window too.
    "removed": ("removed", "removed from main, feature, old but still recoverable"),
    "feature": ("still_on_ref", "not in main but still in feature"),
    "old": ("removed", "removed from old but still recoverable"),
    "tag": ("reachable_only", "reachable from tags/v-exp"),
    "dangling": ("dangling", "only in unreachable objects"),
    "accepted": ("suppressed", "suppressed (baseline"),
    "live": ("live", "still live: rotate now"),
}


def _build(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-01-01T00:00:00Z", {"README.md": "verdicts\n"})
    repo.change("2025-01-05T00:00:00Z", {"app/head.py": f'KEY = "{KEYS["head"]}"\n'})
    repo.change("2025-01-10T00:00:00Z", {"app/removed.py": f'KEY = "{KEYS["removed"]}"\n'})
    repo.change("2025-01-20T00:00:00Z", delete=("app/removed.py",))
    cases = (("feature", "feature", False), ("old", "old", True),
             ("tagonly", "tag", False), ("gone", "dangling", False))  # fmt: skip
    for branch, key, removed in cases:
        repo.git("checkout", "-q", "-b", branch, "main")
        repo.change("2025-02-01T00:00:00Z", {f"{key}.py": f'KEY = "{KEYS[key]}"\n'})
        if removed:
            repo.change("2025-02-10T00:00:00Z", delete=(f"{key}.py",))
        repo.git("checkout", "-q", "main")
    repo.git("tag", "v-exp", "tagonly")
    repo.git("branch", "-D", "tagonly", "gone")
    repo.change("2025-03-01T00:00:00Z", {"app/accepted.py": f'KEY = "{KEYS["accepted"]}"\n'})
    repo.change("2025-03-05T00:00:00Z", {"app/live.py": f'KEY = "{KEYS["live"]}"\n'})
    return repo


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    import scanner.cli.app

    with FakeProvider() as fake:
        for case, key in KEYS.items():
            fake.respond(key, LIVE_JSON if case == "live" else REVOKED)

        def settings(*_: Any) -> VerifySettings:
            overrides = {"api.fake-provider.test": fake.base_url}
            return VerifySettings(timeout_s=2.0, retries=0, host_overrides=overrides)

        monkeypatch.setattr(scanner.cli.app, "_verify_settings", settings)
        yield fake


def _scan(repo: GitRepo, tmp_path: Path, *options: str) -> tuple[Path, dict[str, Any]]:
    baseline = tmp_path / "baseline.json"
    accepted = {"fingerprint": fingerprint(KEYS["accepted"])}
    baseline.write_text(json.dumps({"schema": BASELINE_SCHEMA, "secrets": [accepted]}))
    common = ("--engine", "python", "--rules", RULES, "--verify", "--baseline", str(baseline))
    code, report = scan(repo.path, tmp_path, *common, *options, as_of=AS_OF)
    assert code == 1
    saved = tmp_path / f"saved-{len(options)}.json"
    saved.write_text(json.dumps(report))
    return saved, report


def _render(saved: Path, fmt: str, tmp_path: Path) -> str:
    out = tmp_path / f"rendered.{fmt}"
    assert main(["report", str(saved), "--format", fmt, "--output", str(out)]) == 0
    return out.read_text()


def _verdict_texts_by_case(report: dict[str, Any]) -> dict[str, str]:
    by_fingerprint = {f["fingerprint"]: f for f in report["findings"]}
    return {case: by_fingerprint[fingerprint(key)]["verdict"]["text"] for case, key in KEYS.items()}


def test_every_case_gets_its_verdict_in_every_format(
    tmp_path: Path, provider: FakeProvider
) -> None:
    repo = _build(tmp_path)
    saved, report = _scan(repo, tmp_path, "--all-branches")
    by_fingerprint = {f["fingerprint"]: f for f in report["findings"]}
    assert len(by_fingerprint) == len(KEYS)
    assert_valid_report(report)
    assert len({preview_of(key.encode()) for key in KEYS.values()}) == len(KEYS)

    text = _render(saved, "text", tmp_path)
    blocks = text.split("\n\n")
    for case, key in KEYS.items():
        if case == "accepted":
            continue  # the text report lists suppressed findings only as a count
        (block,) = [b for b in blocks if f"fingerprint   {fingerprint(key)[:16]}" in b]
        (said,) = [line for line in block.splitlines() if line.startswith("  verdict ")]
        assert EXPECTED[case][1] in said, case
    assert (
        "removed from main" not in text.split(fingerprint(KEYS["feature"])[:16])[1].split("\n\n")[0]
    )

    texts = _verdict_texts_by_case(report)
    for case, (kind, words) in EXPECTED.items():
        assert by_fingerprint[fingerprint(KEYS[case])]["verdict"]["kind"] == kind, case
        assert words in texts[case], case
        if case != "accepted":
            assert f"  verdict       {texts[case]}\n" in text, case

    markdown = _render(saved, "markdown", tmp_path)
    blocks = markdown.split("\n\n**")[1:]
    for case, key in KEYS.items():
        preview = escape_cell(preview_of(key.encode()))
        (block,) = [b for b in blocks if preview in b.partition("\n")[0]]
        assert f"\n- verdict: {escape_cell(texts[case])}\n" in block + "\n", case

    page = _render(saved, "html", tmp_path)
    panels = page.split('<details class="finding')[1:]
    for case, key in KEYS.items():
        (panel,) = [p for p in panels if fingerprint(key) in p]
        assert f"<dt>Verdict</dt><dd><strong>{html.escape(texts[case])}</strong>" in panel, case

    sarif = json.loads(_render(saved, "sarif", tmp_path))
    for result in sarif["runs"][0]["results"]:
        case = next(
            c
            for c, k in KEYS.items()
            if fingerprint(k) == result["partialFingerprints"]["leakwindow/v1"]
        )
        assert result["properties"]["verdict"]["kind"] == EXPECTED[case][0], case
        assert texts[case] in result["message"]["text"], case

    from scanner.report.console import render_console

    buffer = io.StringIO()
    render_console(report, Console(file=buffer, width=400, color_system=None))
    panels = buffer.getvalue().split("╭")[1:]
    for case, key in KEYS.items():
        if case == "accepted":
            continue
        (panel,) = [p for p in panels if fingerprint(key)[:16] in p]
        assert texts[case] in panel, case


def test_without_all_branches_a_key_off_main_is_reachable_only(
    tmp_path: Path, provider: FakeProvider
) -> None:
    repo = _build(tmp_path)
    saved, report = _scan(repo, tmp_path)
    text = _render(saved, "text", tmp_path)
    for case in ("feature", "old"):
        block = text.split(fingerprint(KEYS[case])[:16])[1].split("\n\n")[0]
        assert f"reachable from {case}: rotate the key" in block, case
    texts = _verdict_texts_by_case(report)
    kinds = {case: f["verdict"]["kind"] for case, f in (
        (c, next(f for f in report["findings"] if f["fingerprint"] == fingerprint(k)))
        for c, k in KEYS.items()
    )}  # fmt: skip
    assert kinds["feature"] == kinds["old"] == "reachable_only"
    assert "reachable from feature" in texts["feature"]
    assert "reachable from old" in texts["old"]
    assert kinds["removed"] == "removed" and "removed from main" in texts["removed"]
    assert kinds["head"] == "in_head" and kinds["live"] == "live"

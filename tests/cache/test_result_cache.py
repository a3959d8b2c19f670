"""The saved result of an unchanged repository: same findings as a cold scan, for any --as-of,
any baseline, and never used when the repository or the drawn windows changed."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from cache_support import cache_directory, framed_like, payload_of
from scenario_support import AS_OF, build, finding_for, scan_json

from scanner.cli.app import main

LATER = "2026-03-31T00:00:00+00:00"  # 90 days after AS_OF


def _result_file(repo: Path) -> Path:
    return cache_directory(repo) / "result.json"


def _reused(report: dict[str, Any]) -> bool:
    return "saved result" in report["scan"]["phases"]


def _scan_at(repo: Path, tmp_path: Path, as_of: str, *extra: str) -> dict[str, Any]:
    out = tmp_path / f"at-{len(list(tmp_path.glob('at-*')))}.json"
    main(["scan", str(repo), "--format", "json", "-o", str(out), "--as-of", as_of, *extra])
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def test_an_unchanged_repository_is_answered_from_the_saved_result(tmp_path: Path) -> None:
    for name in ("incident", "merged-feature-branch", "kubernetes-secret-base64", "tag-only"):
        fx = build(name, tmp_path)
        _, cold = scan_json(fx.path, tmp_path, "--no-cache")
        scan_json(fx.path, tmp_path)  # fills the caches
        assert _result_file(fx.path).is_file(), name
        _, warm = scan_json(fx.path, tmp_path)
        assert warm["findings"] == cold["findings"], name
        assert warm["scan"]["stats"]["commits"] == cold["scan"]["stats"]["commits"], name
        assert warm["scan"]["stats"]["blobs_scanned"] == 0, name  # nothing read, nothing matched
        assert list(warm["scan"]["phases"]) == ["saved result"], name


def test_open_windows_count_up_to_the_new_as_of(tmp_path: Path) -> None:
    fx = build("never-removed", tmp_path)
    scan_json(fx.path, tmp_path)  # saved at AS_OF
    warm = _scan_at(fx.path, tmp_path, LATER)
    assert _reused(warm)
    cold = _scan_at(fx.path, tmp_path, LATER, "--no-cache")
    assert warm["findings"] == cold["findings"]
    _, before = scan_json(fx.path, tmp_path)
    open_before = [w for f in before["findings"] for w in f["windows"] if w["closed"] is None]
    open_after = [w for f in warm["findings"] for w in f["windows"] if w["closed"] is None]
    assert open_before
    for earlier, later in zip(open_before, open_after, strict=True):
        assert later["days"] == earlier["days"] + 90.0


def test_a_baseline_written_after_the_scan_still_suppresses(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    scan_json(fx.path, tmp_path)
    ours = tmp_path / "ours.json"
    fingerprint = hashlib.sha256(fx.secrets["xai"].encode()).hexdigest()
    ours.write_text(
        json.dumps({"schema": "leakwindow.baseline/1", "secrets": [{"fingerprint": fingerprint}]})
    )
    sha1 = hashlib.sha1(fx.secrets["github"].encode()).hexdigest()
    theirs = tmp_path / ".secrets.baseline"
    theirs.write_text(
        json.dumps(
            {"results": {"a.py": [{"type": "x", "filename": "a.py", "hashed_secret": sha1}]}}
        )
    )
    for baseline, secret in ((ours, "xai"), (theirs, "github")):
        _, warm = scan_json(fx.path, tmp_path, "--baseline", str(baseline))
        _, cold = scan_json(fx.path, tmp_path, "--baseline", str(baseline), "--no-cache")
        # The saved result keeps no sha1 of a secret: a detect-secrets baseline (sha1s)
        # is applied to the findings of the saved history instead.
        assert _reused(warm) == (baseline is ours)
        assert warm["findings"] == cold["findings"]
        assert finding_for(warm, fx.secrets[secret])["suppressed"] is not None
        others = [f for f in warm["findings"] if f["suppressed"] is not None]
        assert len(others) == 1, baseline.name


def test_other_windows_or_a_changed_repository_are_not_answered_from_it(tmp_path: Path) -> None:
    fx = build("unmerged-branch", tmp_path)
    scan_json(fx.path, tmp_path)
    _, every_branch = scan_json(fx.path, tmp_path, "--all-branches")
    _, cold = scan_json(fx.path, tmp_path, "--all-branches", "--no-cache")
    assert every_branch["findings"] == cold["findings"]
    assert not _reused(every_branch)
    assert _reused(scan_json(fx.path, tmp_path, "--all-branches")[1])
    introduced = cold["findings"][0]["first_commit"]["sha"]
    subprocess.run(["git", "-C", str(fx.path), "tag", "late", introduced], check=True)
    _, tagged = scan_json(fx.path, tmp_path)
    assert not _reused(tagged)
    assert any("refs/tags/late" in f["reachable_from"] for f in tagged["findings"])


def test_the_saved_result_holds_no_secret_and_a_damaged_one_is_ignored(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    _, cold = scan_json(fx.path, tmp_path)
    saved = _result_file(fx.path).read_bytes()
    for secret in fx.secrets.values():
        assert secret.encode() not in saved
    document = json.loads(payload_of(saved))
    opened = document["result"]["opened_ts"]
    one_window_short = {**opened, next(iter(opened)): next(iter(opened.values()))[:-1]}
    inconsistent = {**document, "result": {**document["result"], "opened_ts": one_window_short}}
    wrong_type = json.loads(payload_of(saved))
    wrong_type["result"]["findings"][0]["locations"][0]["line"] = "12"
    no_such_severity = json.loads(payload_of(saved))
    no_such_severity["result"]["findings"][0]["severity"] = "urgent"
    damages = (
        saved[: len(saved) // 2],
        b"[]",
        framed_like(saved, payload_of(saved).replace(b'"opened_ts"', b'"openedXts"')),
        framed_like(saved, json.dumps(inconsistent).encode()),
        framed_like(saved, json.dumps(wrong_type).encode()),
        framed_like(saved, json.dumps(no_such_severity).encode()),
        saved.replace(b'"opened_ts"', b'"openedXts"'),  # a damaged file: its checksum fails
    )
    for damage in damages:
        _result_file(fx.path).write_bytes(damage)
        _, again = scan_json(fx.path, tmp_path)
        assert again["findings"] == cold["findings"]
        assert not _reused(again)


def test_as_of_is_what_the_saved_result_reports_for_closed_windows(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    scan_json(fx.path, tmp_path)
    warm = _scan_at(fx.path, tmp_path, LATER)
    _, earlier = scan_json(fx.path, tmp_path)
    assert _reused(warm) and _reused(earlier)
    assert [f["windows"] for f in warm["findings"]] == [f["windows"] for f in earlier["findings"]]
    assert warm["scan"]["as_of"] != earlier["scan"]["as_of"]
    assert AS_OF.startswith(earlier["scan"]["as_of"][:10])

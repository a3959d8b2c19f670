"""Smoke test of the benchmark tools: a tiny generated history, scanned for real.

`bench/make_history.py` must build a valid repository whose planted secrets leakwindow finds
with the windows the manifest predicts, and `bench/history.py` must say PASS on it (and FAIL
when the manifest disagrees with the report).
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from bench_support import BENCH, load_bench

from scanner.cli.app import main as leakwindow_main

COMMITS = 300
SEED = 7


make_history = load_bench("make_history")
bench_history = load_bench("history")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    dest = tmp_path_factory.mktemp("bench") / "small"
    return make_history.build_history(dest, COMMITS, 3e6, SEED, repack=False, quiet=True)


@pytest.fixture(scope="module")
def report(built: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("report") / "report.json"
    argv = ["scan", str(built.repo), "--format", "json", "--output", str(out)]
    code = leakwindow_main([*argv, "--as-of", built.manifest["as_of"]])
    assert code == 1  # findings
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def test_builds_a_valid_repository_with_the_requested_commit_count(built: Any) -> None:
    _git(built.repo, "fsck", "--no-progress", "--no-dangling")
    assert int(_git(built.repo, "rev-list", "--all", "--count")) == COMMITS
    assert built.manifest["commits"] == COMMITS
    assert _git(built.repo, "rev-parse", "HEAD").strip() == built.manifest["head"]["sha"]
    merges = _git(built.repo, "rev-list", "--merges", "--count", "main")
    assert int(merges) > 0
    assert built.manifest["objects"]["blob_bytes"] >= 3e6


def test_manifest_keeps_fingerprints_never_values(built: Any) -> None:
    text = built.manifest_path.read_text()
    for name, values in built.secret_values.items():
        entry = next(s for s in built.manifest["secrets"] if s["name"] == name)
        assert entry["fingerprints"] == [hashlib.sha256(v.encode()).hexdigest() for v in values]
        for value in values:
            assert value not in text


def test_the_planted_stories_have_the_shapes_they_promise(built: Any) -> None:
    secrets = {s["name"]: s for s in built.manifest["secrets"]}
    assert len(secrets["release-github-pat"]["windows"]) == 2
    assert secrets["deploy-aws"]["windows"][-1]["closed"] is None
    assert secrets["deploy-aws"]["in_head"] is True
    assert secrets["eval-anthropic"]["windows"] == []
    assert secrets["alerts-slack"]["windows"] == []
    stripe = secrets["billing-stripe"]
    assert stripe["first_commit"]["sha"] != stripe["windows"][0]["opened"]["sha"]
    assert secrets["incident-xai"]["windows"][0]["days"] >= make_history.INCIDENT_DAYS
    branches = _git(built.repo, "for-each-ref", "--format=%(refname)", "refs/heads/hotfix")
    assert branches == ""  # the tag is the only way to reach the Slack token


def test_leakwindow_finds_every_planted_secret_with_the_expected_windows(
    built: Any, report: dict[str, Any]
) -> None:
    outcome = bench_history.check_report(report, built.manifest)
    assert [name for name, _ in outcome] == [s["name"] for s in built.manifest["secrets"]]
    assert {name: problems for name, problems in outcome if problems} == {}


def test_checker_reports_a_wrong_window_and_a_missing_secret(
    built: Any, report: dict[str, Any]
) -> None:
    manifest = copy.deepcopy(built.manifest)
    xai = next(s for s in manifest["secrets"] if s["name"] == "incident-xai")
    xai["windows"][0]["days"] += 1.0
    missing = next(s for s in manifest["secrets"] if s["name"] == "alerts-slack")
    missing["fingerprints"] = ["0" * 64]
    problems = dict(bench_history.check_report(report, manifest))
    assert any("windows" in p for p in problems["incident-xai"])
    assert any("not found" in p for p in problems["alerts-slack"])
    assert problems["deploy-aws"] == []


def test_same_seed_builds_the_same_history_in_another_process(built: Any, tmp_path: Path) -> None:
    # Another interpreter with another hash seed: set iteration order must not leak in.
    dest = tmp_path / "again"
    script = str(BENCH / "make_history.py")
    sizes = ["--commits", str(COMMITS), "--target-bytes", "3e6", "--seed", str(SEED)]
    completed = subprocess.run(
        [sys.executable, script, str(dest), *sizes, "--no-repack", "--no-checkout"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    again = json.loads((tmp_path / "again.manifest.json").read_text())
    assert again["head"] == built.manifest["head"]
    assert again["secrets"] == built.manifest["secrets"]
    assert f"{COMMITS:,} (" in completed.stdout


def test_history_benchmark_prints_floor_and_pass(built: Any) -> None:
    completed = _run_bench("history.py", built.repo, "--runs", "1", "--skip-peers")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "floor: git cat-file" in completed.stdout
    assert "floor: git log --raw" in completed.stdout
    assert "PASS: leakwindow found all 7 planted secrets" in completed.stdout
    assert "8/8 planted fingerprints, 0 values in clear" in completed.stdout
    for values in built.secret_values.values():
        for value in values:
            assert value not in completed.stdout + completed.stderr


def _run_bench(script: str, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / script), str(repo), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _main_tip(repo: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "refs/heads/main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_rescan_benchmark_times_rescans_and_checks_their_findings(built: Any) -> None:
    before = _main_tip(built.repo)
    completed = _run_bench("rescan.py", built.repo, "--runs", "1")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "rescan, unchanged" in completed.stdout
    assert "rescan, one new commit" in completed.stdout
    assert "findings identical in every rescan: yes" in completed.stdout
    assert _main_tip(built.repo) == before  # it works on a clone, never on REPO


def _results(name: str, times: list[float], exits: list[int] | None = None) -> Any:
    tool = bench_history.Tool(name, "1", lambda repo, report: [])
    codes = exits or [0] * len(times)
    pairs = zip(times, codes, strict=True)
    runs = [bench_history.Measurement(t, t, 10.0, code, "") for t, code in pairs]
    return bench_history.ToolResults(tool, runs)


def test_round_by_round_ratios_pair_runs_of_the_same_round() -> None:
    leakwindow = _results("leakwindow", [6.0, 5.0, 7.0])
    gitleaks = _results("gitleaks", [20.0, 25.0, 14.0], exits=[0, 0, 1])  # round 3 failed
    assert bench_history.round_ratios(leakwindow, [gitleaks]) == [0.3, 0.2]
    floors = [_results("floor: a", [3.0, 2.0, 3.5]), _results("floor: b", [2.0, 2.5, 4.0])]
    ratios = bench_history.round_ratios(leakwindow, floors)
    assert bench_history._shown(ratios) == "2.00x 2.00x 1.75x"


# ---------------------------------------------------------------- the real-code corpus

if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))  # real_code's neighbours import each other by name
real_code = load_bench("real_code")
token_shapes = load_bench("token_shapes", "token_shapes")


def _tiny_packages(cache: Path) -> tuple[Any, ...]:
    """An sdist (with a test key and a hostile member) and a wheel, as pip would cache them."""
    cache.mkdir(parents=True)
    rng = random.Random(4)
    key = "\n".join(token_shapes.rsa_pkcs1(rng)) + "\n"
    body = "ghp_" + "".join(rng.choice(token_shapes.BASE62) for _ in range(30))
    token = body + token_shapes.base62_crc32(body[4:])
    with tarfile.open(cache / "tiny_sdist-1.0.tar.gz", "w:gz") as tarred:
        for name, text in (
            ("tiny_sdist-1.0/tiny/settings.py", 'API_KEY = "<your-api-key>"\n'),
            ("tiny_sdist-1.0/tests/fixtures/server.key", key),
            ("tiny_sdist-1.0/../escaped.txt", "outside\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tarred.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(cache / "tiny_wheel-2.0-py3-none-any.whl", "w") as zipped:
        zipped.writestr("tiny_wheel/client.py", f'GITHUB_TOKEN = "{token}"\n')
    packages = (
        real_code.Package("tiny-sdist", "1.0", "sdist"),
        real_code.Package("tiny_wheel", "2.0", "wheel"),
    )
    return packages, key, token


def test_real_code_corpus_commits_the_trees_and_triages_every_finding(tmp_path: Path) -> None:
    packages, key, token = _tiny_packages(tmp_path / "downloads")
    info = real_code.build_repository(packages, tmp_path / "downloads", tmp_path / "repo")
    files = _git(tmp_path / "repo", "ls-files").split()
    assert files == ["tiny-sdist/tests/fixtures/server.key", "tiny-sdist/tiny/settings.py",
                     "tiny_wheel/tiny_wheel/client.py"]  # fmt: skip
    assert info["bytes"] == sum((tmp_path / "repo" / f).stat().st_size for f in files)
    assert not (tmp_path / "escaped.txt").exists()
    leakwindow = str(Path(sys.executable).parent / "leakwindow")
    findings = real_code.scan(tmp_path / "repo", leakwindow, tmp_path / "report.json")
    assert sorted(f["rules"][0] for f in findings) == ["github-pat", "private-key-rsa"]
    wheel_finding = next(f for f in findings if f["rules"] == ["github-pat"])
    triage = {wheel_finding["fingerprint"]: {"verdict": "real", "note": "planted"}}
    text = "\n".join(real_code.report(info, findings, triage))
    assert "| real | planted |" in text
    assert "test value? | not triaged; test, docs or example path |" in text
    assert "Findings: 2 (real: 1, test value: 1)" in text
    assert "false positives per 100 MB: 0.00" in text
    assert token[:5] not in text and key.splitlines()[1][:5] not in text

"""Matching a blob has a time budget: past it, the blob is reported as not
fully scanned (exit 3 when nothing else fails), never a hang.

The budget is CPU seconds per blob (`LEAKWINDOW_BLOB_SECONDS`, 20 s by default, plus a share
per megabyte); the tests shrink it so that ordinary but dense content runs past it.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from hostile_support import Run, git, leakwindow, repo_with

from scanner.demo import make_token

TINY = {"LEAKWINDOW_BLOB_SECONDS": "0.01"}
INCOMPLETE = "leakwindow: warning: incomplete scan: 1 blob(s) not fully scanned"


def _report(run: Run) -> dict[str, object]:
    assert run.code is not None, "the scan did not end"
    report: dict[str, object] = json.loads(run.stdout)
    return report


def _stats(report: dict[str, object]) -> dict[str, int]:
    scan = report["scan"]
    assert isinstance(scan, dict)
    stats: dict[str, int] = scan["stats"]
    return stats


def _fingerprints(report: dict[str, object]) -> set[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {finding["fingerprint"] for finding in findings}


def test_a_blob_past_its_budget_makes_the_scan_incomplete(tmp_path: Path) -> None:
    """Fifty thousand placeholder assignments: every line is matched, then filtered out."""
    lines = b"".join(b'api_key = "your-api-key-here-%05d"\n' % n for n in range(50000))
    repo = repo_with(tmp_path / "repo", {"dense.cfg": lines, "small.txt": b"hello\n"})
    run = leakwindow("scan", str(repo), "--no-cache", "-f", "json", env=TINY)
    assert run.code == 3, (run.code, run.stderr[-300:])
    report = _report(run)
    assert _stats(report)["blobs_timed_out"] == 1
    assert _fingerprints(report) == set()
    assert [line for line in run.stderr.splitlines() if "incomplete" in line] == [
        INCOMPLETE
        + ": matching ran past the per-blob time budget (set with LEAKWINDOW_BLOB_SECONDS)"
    ]
    normal = leakwindow("scan", str(repo), "--no-cache", "-f", "json")
    assert normal.code == 0 and _stats(_report(normal))["blobs_timed_out"] == 0


def test_a_timed_out_blob_keeps_the_keys_it_found_before_the_deadline(tmp_path: Path) -> None:
    """Fifty keys, then a hundred thousand look-alikes the filters drop (a run of one
    letter): the keys are matched first, the look-alikes run past the budget."""
    rng = random.Random("budget")
    keys = [make_token("xai", rng) for _ in range(50)]
    content = "".join(f'XAI_API_KEY_{n} = "{key}"\n' for n, key in enumerate(keys))
    content += ("xai-" + "A" * 80 + "\n") * 100000
    repo = repo_with(tmp_path / "repo", {"keys.env": content.encode()})
    cut = leakwindow(
        "scan", str(repo), "--no-cache", "-f", "json", env={"LEAKWINDOW_BLOB_SECONDS": "0.3"}
    )
    report = _report(cut)
    assert cut.code == 1 and _stats(report)["blobs_timed_out"] == 1
    assert INCOMPLETE in cut.stderr
    wanted = {hashlib.sha256(key.encode()).hexdigest() for key in keys}
    assert _fingerprints(report) == wanted


def test_a_timed_out_blob_is_not_remembered_as_clean(tmp_path: Path) -> None:
    lines = b"".join(b'api_key = "your-api-key-here-%05d"\n' % n for n in range(50000))
    repo = repo_with(tmp_path / "repo", {"dense.cfg": lines, "small.txt": b"hello\n"})
    cache = ["--cache-dir", str(tmp_path / "cache")]
    cut = leakwindow("scan", str(repo), *cache, "-f", "json", env=TINY)
    assert cut.code == 3 and _stats(_report(cut))["blobs_timed_out"] == 1
    again = _stats(_report(leakwindow("scan", str(repo), *cache, "-f", "json")))
    # small.txt came out clean and is skipped; dense.cfg is matched again, in full.
    assert (again["blobs_cached"], again["blobs_scanned"], again["blobs_timed_out"]) == (1, 1, 0)


def test_the_budget_stops_a_single_long_regex_call(tmp_path: Path) -> None:
    """A rule the guard accepts (each attempt is bounded: about 0.04 s) tried at 3000 places
    of one line is one regex call of two minutes; the timer stops it inside the call."""
    rules = tmp_path / "mine.toml"
    rules.write_text(
        "[[rule]]\n"
        'id = "slow-but-bounded"\ntitle = "Slow"\nseverity = "low"\nkeywords = ["tok"]\n'
        "pattern = '''tok(?:[a-z]{0,30}){1,4}!'''\n"
        '[rule.examples]\nmatch = ["tokabc!"]\n'
    )
    line = b"tok" + b"a" * 150
    content = line * 3000 + b" tokaaaaaaaaaa!\n"
    repo = repo_with(tmp_path / "repo", {"one-line.txt": content})
    env = {"LEAKWINDOW_BLOB_SECONDS": "0.5"}
    # (the Python engine: no database of the pack plus this rule to compile; the call is the same)
    options = ("--rules", str(rules), "--no-cache", "--engine", "python", "-f", "json")
    run = leakwindow("scan", str(repo), *options, env=env)
    assert run.code is not None and run.seconds < 40, run
    assert run.code in (1, 3) and _stats(_report(run))["blobs_timed_out"] == 1


def test_the_hook_blocks_a_change_it_could_not_scan_within_the_budget(tmp_path: Path) -> None:
    repo = repo_with(tmp_path / "repo", {"README": b"hello\n"})
    lines = b"".join(b'api_key = "your-api-key-here-%05d"\n' % n for n in range(50000))
    (repo / "dense.cfg").write_bytes(lines)
    git(repo, "add", "dense.cfg")
    run = leakwindow("staged", cwd=repo, env=TINY)
    assert run.code == 2, (run.code, run.stderr[-300:])
    assert run.stderr.splitlines() == [
        "leakwindow: error: dense.cfg:1: the added lines could not be scanned within the time "
        "budget (LEAKWINDOW_BLOB_SECONDS); not committing what was not checked"
    ]
    assert leakwindow("staged", cwd=repo).code == 0

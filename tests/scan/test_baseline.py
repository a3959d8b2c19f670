"""Baselines suppress exactly their secrets: leakwindow's own and detect-secrets'.

`baseline create` records what each entry accepts for the reviewer (never the secret) and
holds back secrets that only dangling objects keep, unless `--include-dangling` is given."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from git_builders import DATE, GitRepo, token
from scenario_support import build, finding_for, scan_json
from test_no_secret_in_output import Planted, assert_clean

from scanner.cli.app import main
from scanner.cli.staged_command import main as staged_main
from scanner.demo import BuiltFixture, make_token


def _sha1(secret: str) -> str:
    return hashlib.sha1(secret.encode()).hexdigest()


def test_baseline_create_then_scan_is_clean(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    assert main(["baseline", "create", str(fx.path)]) == 0
    written = json.loads((fx.path / ".leakwindow-baseline.json").read_text())
    assert written["schema"] == "leakwindow.baseline/1"
    assert len(written["secrets"]) == len(fx.secrets)
    code, report = scan_json(fx.path, tmp_path)
    assert code == 0
    assert report["summary"]["findings"] == 0
    assert all(f["suppressed"] for f in report["findings"])


def test_leakwindow_baseline_suppresses_exactly_its_secret(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    xai = fx.secrets["xai"]
    baseline = tmp_path / "b.json"
    baseline.write_text(
        json.dumps(
            {
                "schema": "leakwindow.baseline/1",
                "secrets": [{"fingerprint": hashlib.sha256(xai.encode()).hexdigest()}],
            }
        )
    )
    code, report = scan_json(fx.path, tmp_path, "--baseline", str(baseline))
    assert code == 1
    for name, secret in fx.secrets.items():
        suppressed = finding_for(report, secret)["suppressed"]
        assert (suppressed is not None) == (name == "xai"), name
    assert report["summary"]["findings"] == len(fx.secrets) - 1


def test_detect_secrets_baseline_suppresses_unaudited_and_false_positives_only(
    tmp_path: Path,
) -> None:
    fx = build("multi-secret", tmp_path)
    s = fx.secrets
    document = {
        "version": "1.5.0",
        "plugins_used": [],
        "filters_used": [],
        "results": {
            "config/settings.py": [
                {
                    "type": "Secret Keyword",
                    "filename": "config/settings.py",
                    "hashed_secret": _sha1(s["xai"]),
                    "is_verified": False,
                    "line_number": 3,
                },
                {
                    "type": "GitHub Token",
                    "filename": "config/settings.py",
                    "hashed_secret": _sha1(s["github"]),
                    "is_verified": False,
                    "line_number": 4,
                    "is_secret": False,
                },
                {
                    "type": "Secret Keyword",
                    "filename": "billing.py",
                    "hashed_secret": _sha1(s["stripe"]),
                    "is_verified": False,
                    "line_number": 9,
                    "is_secret": True,
                },
            ]
        },
        "generated_at": "2025-06-01T00:00:00Z",
    }
    baseline = tmp_path / ".secrets.baseline"
    baseline.write_text(json.dumps(document))
    _, report = scan_json(fx.path, tmp_path, "--baseline", str(baseline))
    assert finding_for(report, s["xai"])["suppressed"] is not None
    assert finding_for(report, s["github"])["suppressed"] is not None
    assert finding_for(report, s["stripe"])["suppressed"] is None  # audited as a real secret
    assert finding_for(report, s["anthropic"])["suppressed"] is None


def test_a_baseline_written_by_detect_secrets_itself_is_read(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan"],
        cwd=fx.path,
        capture_output=True,
        check=True,
    )
    baseline = tmp_path / ".secrets.baseline"
    baseline.write_bytes(done.stdout)
    listed = {
        entry["hashed_secret"]
        for entries in json.loads(done.stdout)["results"].values()
        for entry in entries
    }
    assert _sha1(fx.secrets["anthropic"]) in listed  # the key still in HEAD
    _, report = scan_json(fx.path, tmp_path, "--baseline", str(baseline))
    for name, secret in fx.secrets.items():
        suppressed = finding_for(report, secret)["suppressed"]
        assert (suppressed is not None) == (_sha1(secret) in listed), name
    assert finding_for(report, fx.secrets["anthropic"])["suppressed"] == (
        "detect-secrets baseline .secrets.baseline"
    )


def test_text_report_hides_suppressed_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("incident", tmp_path)
    assert main(["baseline", "create", str(fx.path)]) == 0
    capsys.readouterr()
    assert main(["scan", str(fx.path)]) == 0
    out = capsys.readouterr().out
    assert "No secrets found." in out
    assert "1 suppressed finding(s) not shown." in out


def test_malformed_baseline_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("incident", tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["scan", str(fx.path), "--baseline", str(bad)]) == 2
    assert "baseline must be a JSON object" in capsys.readouterr().err


# --- what a reviewer of the baseline file sees ------------------------------------------------


def _entries(baseline: Path) -> list[dict[str, Any]]:
    document = json.loads(baseline.read_text())
    assert document["schema"] == "leakwindow.baseline/1"
    entries: list[dict[str, Any]] = document["secrets"]
    return entries


def _create(repo: Path, baseline: Path, *extra: str) -> int:
    return main(["baseline", "create", str(repo), "-o", str(baseline), *extra])


def test_each_entry_names_the_rule_path_and_first_commit_never_the_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("multi-secret", tmp_path)
    baseline = tmp_path / "baseline.json"
    assert _create(fx.path, baseline) == 0
    _, report = scan_json(fx.path, tmp_path)  # the baseline went elsewhere: nothing suppressed
    by_fingerprint = {entry["fingerprint"]: entry for entry in _entries(baseline)}
    assert len(by_fingerprint) == len(fx.secrets)
    for secret in fx.secrets.values():
        found = finding_for(report, secret)
        entry = by_fingerprint[found["fingerprint"]]
        first = found["first_commit"]
        assert entry == {
            "fingerprint": found["fingerprint"],
            "rules": found["rules"],
            "preview": found["secret_preview"],
            "path": first["path"],
            "line": first["line"],
            "first_commit": {"sha": first["sha"], "committed_at": first["committed_at"]},
        }
    planted = Planted(fx.path, tuple(fx.secrets.values()), tmp_path)
    assert_clean(baseline.read_bytes(), planted, "baseline file")
    assert_clean(capsys.readouterr().out, planted, "baseline create")


def test_a_rerun_writes_the_same_bytes_sorted_by_place(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert _create(fx.path, first) == 0
    assert _create(fx.path, second) == 0
    assert first.read_bytes() == second.read_bytes()
    assert set(json.loads(first.read_text())) == {"schema", "secrets"}  # no time stamp
    places = [(entry["path"], entry["line"]) for entry in _entries(first)]
    assert places == sorted(places)


def test_a_baseline_of_fingerprints_only_still_suppresses(tmp_path: Path) -> None:
    """As earlier versions wrote it: a time stamp, and neither path nor commit per entry."""
    fx = build("multi-secret", tmp_path)
    old = {
        "schema": "leakwindow.baseline/1",
        "created_at": "2026-01-05T10:00:00+00:00",
        "secrets": [
            {"fingerprint": hashlib.sha256(secret.encode()).hexdigest(), "rules": ["x"]}
            for secret in fx.secrets.values()
        ],
    }
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps(old))
    code, report = scan_json(fx.path, tmp_path, "--baseline", str(baseline))
    assert code == 0
    assert [f["suppressed"] for f in report["findings"]] == ["baseline old.json"] * 4


# --- secrets only dangling objects hold -------------------------------------------------------


@pytest.fixture(scope="module")
def rewritten(tmp_path_factory: pytest.TempPathFactory) -> BuiltFixture:
    """A token committed, then rewritten out of history: only dangling objects hold it."""
    return build("rewritten", tmp_path_factory.mktemp("rewritten"))


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuiltFixture, str]:
    """The incident's key, reachable from main, and a token staged and then unstaged."""
    fx = build("incident", tmp_path_factory.mktemp("both"))
    unstaged = make_token("github-pat", random.Random(2026))
    (fx.path / "deploy.py").write_text(f'TOKEN = "{unstaged}"\n')
    subprocess.run(["git", "-C", str(fx.path), "add", "deploy.py"], check=True)
    subprocess.run(["git", "-C", str(fx.path), "reset", "-q", "deploy.py"], check=True)
    (fx.path / "deploy.py").unlink()
    return fx, unstaged


def test_a_dangling_only_secret_is_listed_and_left_out(
    rewritten: BuiltFixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "baseline.json"
    assert _create(rewritten.path, baseline) == 1
    err = capsys.readouterr().err
    assert "1 secret only in dangling objects" in err
    assert "github-pat  triage/github.py:3  ghp_" in err
    assert "--include-dangling" in err
    assert_clean(err, Planted(rewritten.path, (rewritten.secrets["github"],), tmp_path), "stderr")
    assert _entries(baseline) == []
    code, report = scan_json(rewritten.path, tmp_path, "--baseline", str(baseline))
    assert code == 1
    assert finding_for(report, rewritten.secrets["github"])["suppressed"] is None


def test_include_dangling_accepts_it_and_marks_it(
    rewritten: BuiltFixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "baseline.json"
    assert _create(rewritten.path, baseline, "--include-dangling") == 0
    assert "dangling" not in capsys.readouterr().err
    [entry] = _entries(baseline)
    assert entry["dangling"] is True
    assert (entry["path"], entry["first_commit"]["sha"]) == (
        "triage/github.py",
        rewritten.commits["leak"],
    )
    code, _ = scan_json(rewritten.path, tmp_path, "--baseline", str(baseline))
    assert code == 0


def test_a_reachable_key_alone_needs_no_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("incident", tmp_path)  # the same key, without the unstaged token
    baseline = tmp_path / "baseline.json"
    assert _create(fx.path, baseline) == 0
    assert capsys.readouterr().err == ""
    [entry] = _entries(baseline)
    assert "dangling" not in entry
    assert entry["path"] == "config/settings.py"


def test_a_reachable_key_is_accepted_and_an_unstaged_one_held_back(
    both: tuple[BuiltFixture, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx, unstaged = both
    baseline = tmp_path / "baseline.json"
    assert _create(fx.path, baseline) == 1
    err = capsys.readouterr().err
    assert "github-pat  (no path: a blob no commit holds" in err
    assert "xai" not in err
    assert_clean(err, Planted(fx.path, (unstaged, fx.secrets["xai"]), tmp_path), "stderr")
    assert [entry["rules"] for entry in _entries(baseline)] == [["xai-api-key"]]
    code, report = scan_json(fx.path, tmp_path, "--baseline", str(baseline))
    assert code == 1
    assert finding_for(report, fx.secrets["xai"])["suppressed"] is not None
    held = finding_for(report, unstaged)
    assert (held["dangling"], held["suppressed"]) == (True, None)


def test_a_rerun_keeps_what_include_dangling_accepted(
    both: tuple[BuiltFixture, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx, _ = both
    baseline = tmp_path / "baseline.json"
    assert _create(fx.path, baseline, "--include-dangling") == 0
    accepted = baseline.read_bytes()
    entries = _entries(baseline)
    assert [entry.get("dangling", False) for entry in entries] == [False, True]
    assert entries[1]["path"] is None and entries[1]["first_commit"] is None
    capsys.readouterr()
    assert _create(fx.path, baseline) == 0
    assert "kept 1 dangling secret the replaced baseline already accepted" in (
        capsys.readouterr().err
    )
    assert baseline.read_bytes() == accepted


def test_a_staged_false_positive_is_accepted_as_the_hook_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commit hook's hint: a key only in the index is in no commit, so it needs the flag."""
    fx = build("incident", tmp_path)
    staged = make_token("github-pat", random.Random(2027))
    (fx.path / "deploy.py").write_text(f'TOKEN = "{staged}"\n')
    subprocess.run(["git", "-C", str(fx.path), "add", "deploy.py"], check=True)
    assert staged_main([str(fx.path)]) == 1
    assert "baseline create --include-dangling" in capsys.readouterr().err
    assert main(["baseline", "create", str(fx.path)]) == 1
    assert main(["baseline", "create", str(fx.path), "--include-dangling"]) == 0
    assert staged_main([str(fx.path)]) == 0


def test_a_hostile_path_is_spelled_out_on_stderr_and_escaped_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path / "repo")
    base = repo.change(DATE, {"README.md": "a project\n"})
    repo.change(DATE, {"x\x1b[2J\u202e.py": f'KEY = "{token(31)}"\n'})
    repo.git("reset", "-q", "--hard", base)  # the commit holding the key now dangles
    assert _create(repo.path, tmp_path / "baseline.json") == 1
    err = capsys.readouterr().err
    assert "x\\x1b[2J\\u202e.py:1" in err
    assert "\x1b" not in err and "\u202e" not in err
    baseline = tmp_path / "accepted.json"
    assert _create(repo.path, baseline, "--include-dangling") == 0
    baseline.read_bytes().decode("ascii")  # escaped: a diff of it cannot be reordered
    assert [entry["path"] for entry in _entries(baseline)] == ["x\x1b[2J\u202e.py"]

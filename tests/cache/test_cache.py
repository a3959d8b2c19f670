"""The incremental cache: rescans read only new (or matching) blobs, with identical findings."""

from __future__ import annotations

import marshal
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cache_support import cache_directory, payload_of
from scenario_support import build, scan_json

from scanner.cache.history_snapshot import RepoState, SnapshotStore


def _findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return report["findings"]


def _commit(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text)
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@t.test"]
    subprocess.run([*git, "add", name], check=True)
    subprocess.run([*git, "commit", "-qm", f"add {name}"], check=True)


def _forget_saved_result(repo: Path) -> None:
    """Drop the saved findings, so a rescan goes through the saved history and blob cache."""
    (cache_directory(repo) / "result.json").unlink()


def test_rescan_of_an_unchanged_repository_reads_only_matching_blobs(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    _, cold = scan_json(fx.path, tmp_path)
    _forget_saved_result(fx.path)
    _, warm = scan_json(fx.path, tmp_path)
    assert _findings(warm) == _findings(cold)
    stats = warm["scan"]["stats"]
    blobs_with_secrets = len({loc["commit"] for f in cold["findings"] for loc in f["locations"]})
    assert stats["blobs_cached"] > 0
    assert stats["blobs_scanned"] <= blobs_with_secrets + 1
    assert stats["blobs_cached"] + stats["blobs_scanned"] == cold["scan"]["stats"]["blobs_scanned"]
    assert (cache_directory(fx.path) / "blobs.sqlite").is_file()


def test_rescan_after_a_new_commit_reads_the_new_blob_and_finds_its_secret(
    tmp_path: Path,
) -> None:
    fx = build("incident", tmp_path)
    scan_json(fx.path, tmp_path)
    token = fx.secrets["xai"]
    _commit(fx.path, "again.py", f'KEY = "{token}"\n')
    _, warm = scan_json(fx.path, tmp_path)
    _, cold = scan_json(fx.path, tmp_path, "--no-cache")
    assert _findings(warm) == _findings(cold)
    assert warm["findings"][0]["in_head"] is True
    assert warm["scan"]["stats"]["blobs_scanned"] < cold["scan"]["stats"]["blobs_scanned"]


def test_a_changed_rule_pack_invalidates_the_cache(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    engine = ("--engine", "python")  # the same under both; no database of pack + rule to compile
    _, first = scan_json(fx.path, tmp_path, *engine)
    rule = tmp_path / "extra.toml"
    rule.write_text(
        '[[rule]]\nid = "readme-word"\ntitle = "Word"\nseverity = "low"\n'
        "keywords = [\"monitor\"]\npattern = '''(monitor[a-z]{0,3})'''\n"
        'remediation = "none"\n[rule.examples]\nmatch = ["monitoring"]\nignore = ["x"]\n'
    )
    _, second = scan_json(fx.path, tmp_path, "--rules", str(rule), *engine)
    assert second["scan"]["stats"]["blobs_cached"] == 0
    assert second["scan"]["stats"]["blobs_scanned"] == first["scan"]["stats"]["blobs_scanned"]


def test_cache_dir_moves_the_cache_and_no_cache_leaves_none(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    scan_json(fx.path, tmp_path, "--no-cache")
    assert not cache_directory(fx.path).exists()
    elsewhere = tmp_path / "cache"
    scan_json(fx.path, tmp_path, "--cache-dir", str(elsewhere))
    assert (cache_directory(fx.path, elsewhere) / "blobs.sqlite").is_file()
    assert not cache_directory(fx.path).exists()
    assert not (fx.path / ".git" / "leakwindow").exists()


def test_cache_holds_no_secret(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    scan_json(fx.path, tmp_path)
    _forget_saved_result(fx.path)
    scan_json(fx.path, tmp_path)  # through the saved history too
    files = list(cache_directory(fx.path).iterdir())
    assert {file.name for file in files} >= {"blobs.sqlite", "history.bin", "result.json"}
    for file in files:
        stored = file.read_bytes()
        for secret in fx.secrets.values():
            assert secret.encode() not in stored, file.name
            assert secret[:12].encode() not in stored, file.name


def test_unwritable_cache_location_does_not_fail_the_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("incident", tmp_path)
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where a directory should be")
    for _ in range(2):
        code, report = scan_json(fx.path, tmp_path, "--cache-dir", str(blocker / "sub"))
        assert code == 1
        assert report["scan"]["stats"]["blobs_cached"] == 0
        assert "saved result" not in report["scan"]["phases"]
        (note,) = [
            line
            for line in capsys.readouterr().err.splitlines()
            if "cache" in line and line.startswith("leakwindow:")
        ]
        assert note.startswith("leakwindow: note: cache not used: cannot use directory")


def test_a_symlink_where_the_repository_cache_directory_goes_is_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("incident", tmp_path)
    target = tmp_path / "outside"
    target.mkdir()
    place = cache_directory(fx.path)
    place.parent.mkdir(parents=True, exist_ok=True)
    place.symlink_to(target)
    _, cold = scan_json(fx.path, tmp_path, "--no-cache")
    for _ in range(2):
        code, report = scan_json(fx.path, tmp_path)
        assert code == 1
        assert report["findings"] == cold["findings"]
        assert report["scan"]["stats"]["blobs_cached"] == 0
    assert list(target.iterdir()) == []
    assert "it is not a directory" in capsys.readouterr().err


def test_unchanged_repository_reuses_the_saved_history_with_identical_findings(
    tmp_path: Path,
) -> None:
    fx = build("merged-feature-branch", tmp_path)
    _, cold = scan_json(fx.path, tmp_path)
    snapshot = cache_directory(fx.path) / "history.bin"
    assert snapshot.is_file()
    saved = snapshot.stat().st_mtime_ns
    _forget_saved_result(fx.path)
    _, warm = scan_json(fx.path, tmp_path)
    assert _findings(warm) == _findings(cold)
    assert warm["scan"]["stats"]["commits"] == cold["scan"]["stats"]["commits"]
    assert snapshot.stat().st_mtime_ns == saved  # reused, not rewritten
    bulk = snapshot.with_name("history-base.bin")
    for secret in fx.secrets.values():
        assert secret.encode() not in snapshot.read_bytes()
        assert secret.encode() not in bulk.read_bytes()


def test_a_new_commit_or_ref_invalidates_the_saved_history(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    scan_json(fx.path, tmp_path)
    subprocess.run(["git", "-C", str(fx.path), "branch", "later", "HEAD~3"], check=True)
    _, after_branch = scan_json(fx.path, tmp_path)
    assert "refs/heads/later" in after_branch["findings"][0]["reachable_from"]
    _commit(fx.path, "again.py", f'KEY = "{fx.secrets["xai"]}"\n')
    _, after_commit = scan_json(fx.path, tmp_path)
    assert after_commit["findings"][0]["in_head"] is True


def test_saved_positions_and_decoded_findings_survive_a_rescan(tmp_path: Path) -> None:
    for name in ("kubernetes-secret-base64", "two-keys-one-line"):
        fx = build(name, tmp_path)
        _, cold = scan_json(fx.path, tmp_path, "--no-cache")
        scan_json(fx.path, tmp_path)
        _forget_saved_result(fx.path)
        _, warm = scan_json(fx.path, tmp_path)
        assert _findings(warm) == _findings(cold), name
        assert warm["scan"]["stats"]["blobs_scanned"] <= 1  # decoded ones are matched again


def test_incremental_rescan_after_new_commits_equals_a_cold_scan(tmp_path: Path) -> None:
    for name in ("merged-feature-branch", "rewritten", "multi-secret"):
        fx = build(name, tmp_path)
        scan_json(fx.path, tmp_path)  # saves the snapshot
        token = next(iter(fx.secrets.values()))
        _commit(fx.path, "new_one.py", f'KEY = "{token}"\n')
        _commit(fx.path, "new_two.py", "print('no secret here')\n")
        subprocess.run(["git", "-C", str(fx.path), "branch", "side", "HEAD~1"], check=True)
        subprocess.run(["git", "-C", str(fx.path), "rm", "-q", "new_one.py"], check=True)
        git = ["git", "-C", str(fx.path), "-c", "user.name=T", "-c", "user.email=t@t.test"]
        subprocess.run([*git, "commit", "-qm", "remove it"], check=True)
        _, warm = scan_json(fx.path, tmp_path)
        _, cold = scan_json(fx.path, tmp_path, "--no-cache")
        assert _findings(warm) == _findings(cold), name
        assert warm["scan"]["stats"]["commits"] == cold["scan"]["stats"]["commits"], name
        assert warm["scan"]["stats"]["blobs_scanned"] < cold["scan"]["stats"]["blobs_scanned"]


def test_a_repack_falls_back_to_a_full_read(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    scan_json(fx.path, tmp_path)
    _commit(fx.path, "later.py", "x = 1\n")
    subprocess.run(["git", "-C", str(fx.path), "repack", "-adq"], check=True)
    _commit(fx.path, "later2.py", "y = 2\n")
    _, warm = scan_json(fx.path, tmp_path)
    _, cold = scan_json(fx.path, tmp_path, "--no-cache")
    assert _findings(warm) == _findings(cold)


def test_an_extension_keeps_the_saved_bulk_and_a_replaced_bulk_is_not_trusted(
    tmp_path: Path,
) -> None:
    fx = build("merged-feature-branch", tmp_path)
    scan_json(fx.path, tmp_path)
    bulk = cache_directory(fx.path) / "history-base.bin"
    first = bulk.read_bytes()
    _commit(fx.path, "one.py", f'KEY = "{next(iter(fx.secrets.values()))}"\n')
    _, warm = scan_json(fx.path, tmp_path)
    assert bulk.read_bytes() == first  # only the small main file was rewritten
    _commit(fx.path, "two.py", "x = 2\n")
    _, warm = scan_json(fx.path, tmp_path)
    _, cold = scan_json(fx.path, tmp_path, "--no-cache")
    assert _findings(warm) == _findings(cold)
    assert warm["scan"]["stats"]["blobs_scanned"] < cold["scan"]["stats"]["blobs_scanned"]
    # Another scan's bulk (another token) under the same name: the history is read again.
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(fx.path), str(other)], check=True)
    scan_json(other, tmp_path)
    foreign = (cache_directory(other) / "history-base.bin").read_bytes()
    bulk.write_bytes(foreign)
    _commit(fx.path, "three.py", "x = 3\n")
    _, again = scan_json(fx.path, tmp_path)
    _, cold = scan_json(fx.path, tmp_path, "--no-cache")
    assert _findings(again) == _findings(cold)
    assert bulk.read_bytes() != foreign  # read in full and saved afresh, not extended


def test_a_snapshot_that_is_not_its_bulk_plus_more_rewrites_the_bulk(tmp_path: Path) -> None:
    fx = build("merged-feature-branch", tmp_path)
    scan_json(fx.path, tmp_path)
    main_file = cache_directory(fx.path) / "history.bin"
    _, key, fingerprint, *_ = marshal.loads(payload_of(main_file.read_bytes()))
    store = SnapshotStore(main_file, key)
    state = RepoState(fingerprint=fingerprint, packs=(), shallow="")
    loaded = store.load(state)
    assert loaded is not None and loaded[1] and loaded[0].base is not None
    snapshot = loaded[0]
    bulk = store.base_path.read_bytes()
    store.save(state, snapshot)
    assert store.base_path.read_bytes() == bulk  # its own bulk: kept
    snapshot.history.order.reverse()  # same length, but no longer the bulk's prefix
    store.save(state, snapshot)
    assert store.base_path.read_bytes() != bulk
    reloaded = store.load(state)
    assert reloaded is not None and reloaded[0].history.order == snapshot.history.order


def test_only_the_most_recently_used_repository_caches_are_kept(tmp_path: Path) -> None:
    """A CI runner scans a fresh checkout (a new cache directory) every time: the oldest
    directories go once there are more than the limit."""
    from scanner.cache import place as cache_place
    from scanner.git.repository import Repository

    root = tmp_path / "cache"
    places = []
    for number in range(cache_place._KEEP_REPOSITORIES + 3):
        git_dir = tmp_path / f"checkout-{number}" / ".git"
        git_dir.mkdir(parents=True)
        placement = cache_place.place_for(Repository(git_dir, git_dir.parent), root)
        assert placement.place is not None
        places.append(placement.place.directory)
        (placement.place.directory / "result.json").write_bytes(b"x")
        os.utime(placement.place.directory, ns=(number * 10**9, number * 10**9))
    kept = sorted((root / "repos").iterdir())
    assert len(kept) == cache_place._KEEP_REPOSITORIES
    assert kept == sorted(places[3:])  # the three least recently written went
    for directory in kept:
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_a_cache_dir_keeps_its_mode_and_what_goes_in_it_is_private(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    root = tmp_path / "shared-with-my-group"
    root.mkdir(mode=0o750)
    os.chmod(root, 0o750)
    scan_json(fx.path, tmp_path, "--cache-dir", str(root))
    assert stat.S_IMODE(root.stat().st_mode) == 0o750  # the user's own directory, as it was
    place = cache_directory(fx.path, root)
    for directory in (root / "repos", place):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = list(place.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)

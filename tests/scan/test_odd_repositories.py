"""Odd but valid repositories are scanned completely and correctly.

Each test builds a real repository of one unusual shape with plain git (fixed names and
dates) or from a fixture scenario, scans it through the command line, and checks the
findings against what git itself says about that repository.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from git_builders import (
    AS_OF,
    MAIN,
    finding,
    fingerprint,
    git,
    git_env,
    scan,
    token,
    windows,
)
from matcher_support import matcher_for

from scanner.cli.app import main
from scanner.demo import build_scenario
from scanner.git.integrity import check_integrity
from scanner.git.inventory import read_inventory
from scanner.git.log_parse import read_history
from scanner.git.refs import read_refs
from scanner.rules.pack import load_rules
from scanner.scan import blobscan
from scanner.scan.blobscan import scan_blobs, scan_stream


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main", "--template=")
    return path


def commit_all(repo: Path, message: str, date: str = "2025-03-02T09:00:00+00:00") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


def absent(report: dict[str, Any], secret: str) -> bool:
    return all(f["fingerprint"] != fingerprint(secret) for f in report["findings"])


# --- where the repository is, and what HEAD is ----------------------------------------


def test_bare_repository_gives_the_same_findings_as_its_source(tmp_path: Path) -> None:
    fx = build_scenario("incident", tmp_path / "incident")
    bare = tmp_path / "incident.git"
    git(tmp_path, "clone", "-q", "--bare", "--no-local", str(fx.path), str(bare))
    _, source = scan(fx.path, tmp_path)
    code, report = scan(bare, tmp_path)
    assert code == 1
    assert report["scan"]["head"] == {"ref": MAIN, "sha": fx.head}
    assert finding(report, fx.secrets["xai"]) == finding(source, fx.secrets["xai"])
    assert windows(finding(report, fx.secrets["xai"])) == [
        (MAIN, fx.commits["leak"], fx.commits["removal"])
    ]


def test_linked_worktree_is_scanned_with_its_own_head(tmp_path: Path) -> None:
    fx = build_scenario("incident", tmp_path / "incident")
    linked = tmp_path / "linked"
    git(fx.path, "worktree", "add", "-q", "-b", "hotfix", str(linked), fx.commits["leak"])
    code, report = scan(linked, tmp_path)
    assert code == 1
    assert report["scan"]["head"] == {"ref": "refs/heads/hotfix", "sha": fx.commits["leak"]}
    found = finding(report, fx.secrets["xai"])
    assert found["in_head"] is True
    assert windows(found) == [("refs/heads/hotfix", fx.commits["leak"], None)]
    assert "refs/heads/hotfix" in found["reachable_from"]


def test_detached_head_counts_as_the_ref_HEAD(tmp_path: Path) -> None:
    fx = build_scenario("incident", tmp_path / "incident")
    git(fx.path, "checkout", "-q", "--detach", fx.commits["leak"])
    code, report = scan(fx.path, tmp_path)
    assert code == 1
    assert report["scan"]["head"] == {"ref": "HEAD", "sha": fx.commits["leak"]}
    found = finding(report, fx.secrets["xai"])
    assert found["in_head"] is True
    assert windows(found) == [("HEAD", fx.commits["leak"], None)]
    assert "HEAD" in found["reachable_from"]


def test_repository_with_tags_and_no_branches(tmp_path: Path) -> None:
    fx = build_scenario("incident", tmp_path / "incident")
    git(fx.path, "update-ref", "-d", MAIN)  # HEAD still names main, which no longer exists
    assert git(fx.path, "for-each-ref", "refs/heads") == ""
    code, report = scan(fx.path, tmp_path)
    assert code == 1
    assert report["scan"]["head"] == {"ref": MAIN, "sha": None}
    found = finding(report, fx.secrets["xai"])
    assert sorted(found["reachable_from"]) == ["refs/tags/v1.0", "refs/tags/v1.1"]
    assert (found["in_head"], found["dangling"], found["windows"]) == (False, False, [])
    assert found["first_commit"]["sha"] == fx.commits["leak"]


def test_unborn_head_with_other_refs(tmp_path: Path) -> None:
    fx = build_scenario("incident", tmp_path / "incident")
    git(fx.path, "checkout", "-q", "--orphan", "fresh-start")
    code, report = scan(fx.path, tmp_path, "--all-branches")
    assert code == 1
    assert report["scan"]["head"] == {"ref": "refs/heads/fresh-start", "sha": None}
    found = finding(report, fx.secrets["xai"])
    assert found["in_head"] is False
    assert MAIN in found["reachable_from"]
    assert windows(found) == [(MAIN, fx.commits["leak"], fx.commits["removal"])]


# --- what the trees hold ------------------------------------------------------------------


def _repo_with_submodule(tmp_path: Path) -> tuple[Path, str, str]:
    inner_secret, outer_secret = token(201), token(202)
    sub = new_repo(tmp_path / "sub")
    (sub / "vendor.py").write_text(f'KEY = "{inner_secret}"\n')
    commit_all(sub, "vendored library with a key")
    outer = new_repo(tmp_path / "outer")
    (outer / "app.py").write_text(f'KEY = "{outer_secret}"\n')
    git(outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "lib/sub")
    commit_all(outer, "app and submodule")
    return outer, inner_secret, outer_secret


def test_submodules_are_listed_not_followed(tmp_path: Path) -> None:
    outer, inner_secret, outer_secret = _repo_with_submodule(tmp_path)
    # the submodule's objects are on disk, inside the superproject's .git/modules
    assert (outer / ".git" / "modules" / "lib" / "sub").is_dir()
    _, report = scan(outer, tmp_path)
    assert finding(report, outer_secret)["in_head"] is True
    assert absent(report, inner_secret)
    inventory = read_inventory(outer)
    history = read_history(outer, inventory.commits)
    assert history.gitlinks == {"lib/sub"}


def test_submodules_are_listed_in_the_report(tmp_path: Path) -> None:
    outer, _, _ = _repo_with_submodule(tmp_path)
    _, report = scan(outer, tmp_path)
    assert report["scan"]["gitlinks"] == ["lib/sub"]


def _lfs_pointer(content: bytes) -> bytes:
    digest = hashlib.sha256(content).hexdigest()
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{digest}\nsize {len(content)}\n"
    ).encode()


def _repo_with_lfs(tmp_path: Path) -> tuple[Path, str]:
    repo = new_repo(tmp_path / "lfs")
    (repo / ".gitattributes").write_text("*.bin filter=lfs diff=lfs merge=lfs -text\n")
    (repo / "model.bin").write_bytes(_lfs_pointer(b"weights" * 1000))
    (repo / "data.bin").write_bytes(_lfs_pointer(b"rows" * 1000))
    smuggled = token(211)
    # Shaped like a pointer but carrying more: that is content, and it is scanned.
    (repo / "fake.bin").write_bytes(_lfs_pointer(b"x") + f"key {smuggled}\n".encode())
    commit_all(repo, "large files through LFS")
    return repo, smuggled


def test_lfs_pointers_are_counted_not_scanned(tmp_path: Path) -> None:
    repo, smuggled = _repo_with_lfs(tmp_path)
    _, report = scan(repo, tmp_path)
    assert finding(report, smuggled)["locations"][0]["path"] == "fake.bin"
    inventory = read_inventory(repo)
    result = scan_blobs(repo, inventory.blob_sizes, matcher_for(load_rules()), 10**6)
    assert result.stats.blobs_lfs_pointers == 2
    assert result.stats.blobs_scanned == len(inventory.blob_sizes) - 2


def test_lfs_pointers_are_counted_in_the_report(tmp_path: Path) -> None:
    repo, _ = _repo_with_lfs(tmp_path)
    _, report = scan(repo, tmp_path)
    assert report["scan"]["stats"]["blobs_lfs_pointers"] == 2


def test_symlinks_are_scanned_as_their_target_text_and_never_followed(tmp_path: Path) -> None:
    outside_secret, link_secret = token(221), token(222)
    outside = tmp_path / "outside-secrets.env"
    outside.write_text(f'XAI_API_KEY="{outside_secret}"\n')
    repo = new_repo(tmp_path / "links")
    (repo / "config.env").symlink_to(outside)
    (repo / "etc").mkdir()
    (repo / "etc" / "passwd").symlink_to("/etc/passwd")
    (repo / "weird-link").symlink_to(f"xai/{link_secret}")
    commit_all(repo, "links")
    assert git(repo, "ls-files", "-s", "config.env").startswith("120000")
    code, report = scan(repo, tmp_path)
    assert code == 1
    assert absent(report, outside_secret)
    assert finding(report, link_secret)["locations"][0]["path"] == "weird-link"


def test_odd_paths_are_scanned_and_reported_exactly(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "paths")
    secrets = {seed: token(seed) for seed in (231, 232, 233, 234, 235, 236)}
    names: dict[int, bytes] = {
        231: b"dir with spaces/key file.py",
        232: b"new\nline.py",
        233: b"caf\xe9-latin1-name.py",
        234: "ключи/设置.py".encode(),
        235: b"ctl\x01mark\x02.py",  # the bytes that delimit git log's records and fields
        236: b"\x01leading.py",
    }
    for seed, name in names.items():
        path = os.path.join(os.fsencode(repo), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(f'KEY = "{secrets[seed]}"\n'.encode())
    commit_all(repo, "odd names")
    _, report = scan(repo, tmp_path)
    expected = {
        231: "dir with spaces/key file.py",
        232: "new\nline.py",
        233: "caf\\xe9-latin1-name.py",  # not UTF-8: shown with the byte escaped
        234: "ключи/设置.py",
        235: "ctl\x01mark\x02.py",
        236: "\x01leading.py",
    }
    for seed, shown in expected.items():
        found = finding(report, secrets[seed])
        assert found["first_commit"]["path"] == shown
        assert found["in_head"] is True


def test_hostile_paths_and_names_cannot_steer_the_text_report_or_the_push_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scanner.hooks.prepush import push_message

    repo = new_repo(tmp_path / "hostile")
    secret = token(241)
    name = b"x\x1b[2Jy\nFAKE no secrets\x1b]8;;e.test\x07.py"
    with open(os.path.join(os.fsencode(repo), name), "wb") as handle:
        handle.write(f'KEY = "{secret}"\n'.encode())
    commit_all(repo, "hostile name")
    code = main(["scan", str(repo), "--as-of", AS_OF])
    shown = capsys.readouterr().out
    assert code == 1
    assert "x\\x1b[2Jy\\x0aFAKE no secrets\\x1b]8;;e.test\\x07.py:1" in shown
    assert not set("\x1b\x07") & set(shown)
    assert not any(line.startswith("FAKE") for line in shown.splitlines())
    _, report = scan(repo, tmp_path)
    commits = frozenset({report["scan"]["head"]["sha"]})
    message = push_message([finding(report, secret)], commits)
    assert "\\x1b[2Jy\\x0aFAKE" in message and "\x1b" not in message


@pytest.mark.parametrize(
    ("name", "encode", "line"),
    [
        ("crlf.ini", lambda text: text.replace("\n", "\r\n").encode(), 3),
        ("utf16le.txt", lambda text: b"\xff\xfe" + text.encode("utf-16-le"), 3),
        ("utf16be.txt", lambda text: b"\xfe\xff" + text.encode("utf-16-be"), 3),
        ("latin1.cfg", lambda text: text.replace("#", "# caf\xe9 \xa9").encode("latin-1"), 3),
    ],
)
def test_text_encodings(tmp_path: Path, name: str, encode: Any, line: int) -> None:
    secret = token(240 + len(name))
    text = f"# settings\n[api]\nkey = {secret}\nother = 1\n"
    repo = new_repo(tmp_path / "enc")
    (repo / name).write_bytes(encode(text))
    commit_all(repo, "encoded file")
    _, report = scan(repo, tmp_path)
    found = finding(report, secret)  # the fingerprint is of the exact token: no \r, no BOM
    assert (found["first_commit"]["path"], found["first_commit"]["line"]) == (name, line)
    assert found["locations"][0]["column"] == len("key = ") + 1


# --- size ------------------------------------------------------------------------------


def _write_blob_file(path: Path, size: int, filler: bytes, insert: bytes, at: int) -> int:
    """About `size` bytes of repeated `filler` with `insert` placed between two fillers at or
    before offset `at`; returns the offset where `insert` starts."""
    at -= at % len(filler)
    block = filler * ((1 << 20) // len(filler))
    with path.open("wb") as handle:
        written = 0
        while written < size:
            if written <= at < written + len(block):
                cut = at - written
                handle.write(block[:cut] + insert + block[cut:])
            else:
                handle.write(block)
            written += len(block)
    return at


def _peak_rss_mb(argv: list[str]) -> tuple[int, float]:
    """Run a command in a child that reports its own children's peak resident memory."""
    probe = (
        "import resource, subprocess, sys\n"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(code, peak / 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, check=True, text=True
    )
    code, peak = done.stdout.split()
    return int(code), float(peak)


def test_huge_files_are_skipped_by_default_and_scanned_in_bounded_memory(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "huge")
    one_line, big = token(251), token(252)
    # 50 MB on one line (minified bundle), and 200 MB of log lines
    bundle_at = _write_blob_file(
        repo / "bundle.min.js", 50 << 20, b"var a=1;", f'k="{one_line}";'.encode(), 37 << 20
    )
    log_line = b"2025-03-02 09:00:01 INFO served 200 in 12 ms\n"
    log_at = _write_blob_file(
        repo / "server.log", 200 << 20, log_line, f"key={big}\n".encode(), 120 << 20
    )
    commit_all(repo, "huge files")
    (repo / "bundle.min.js").unlink()
    (repo / "server.log").unlink()

    _, report = scan(repo, tmp_path)
    assert report["scan"]["stats"]["blobs_skipped_size"] == 2
    assert absent(report, one_line) and absent(report, big)

    out = tmp_path / "raised.json"
    entry = "import sys; from scanner.cli.app import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", entry, "scan", str(repo), "-f", "json", "-o", str(out)]
    code, peak_mb = _peak_rss_mb([*argv, "--as-of", AS_OF, "--max-blob-size", str(300 << 20)])
    assert code == 1
    report = json.loads(out.read_text())
    assert report["scan"]["stats"]["blobs_skipped_size"] == 0
    first = finding(report, one_line)["locations"][0]
    assert (first["line"], first["column"]) == (1, bundle_at + len('k="') + 1)
    second = finding(report, big)["locations"][0]
    assert (second["line"], second["column"]) == (log_at // len(log_line) + 1, len("key=") + 1)
    assert peak_mb < 150, f"peak memory {peak_mb:.0f} MB while scanning a 200 MB blob"


@pytest.mark.parametrize("seed", range(8))
def test_chunked_matching_equals_whole_content_matching(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokens straddling every kind of chunk boundary are found once, where they are."""
    monkeypatch.setattr(blobscan, "CHUNK_BYTES", 3000)
    monkeypatch.setattr(blobscan, "OVERLAP_BYTES", 400)
    monkeypatch.setattr(blobscan, "LEAD_BYTES", 64)
    rng = random.Random(seed)
    parts: list[bytes] = []
    for index in range(40):
        filler = rng.choice([b"a", b"word ", b"x=1\n", b"\n", b"\xe9\xff"])
        parts.append(filler * rng.randrange(0, 300))
        parts.append(f"K{index}={token(seed * 100 + index)};".encode())
    content = b"".join(parts)
    matcher = matcher_for(load_rules())
    whole = matcher.scan(content)
    assert len({m.secret for m in whole}) >= 40
    sizes = [rng.randrange(1, 2000) for _ in range(len(content))]
    pieces, start = [], 0
    for size in sizes:
        if start >= len(content):
            break
        pieces.append(content[start : start + size])
        start += size
    assert scan_stream(pieces, matcher) == whole


# --- shape of the graph -------------------------------------------------------------------


def test_ten_thousand_refs(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "refs")
    secret = token(261)
    shas = []
    for day in range(1, 41):
        if day == 20:
            (repo / "settings.py").write_text(f'KEY = "{secret}"\n')
        if day == 30:
            (repo / "settings.py").unlink()
        (repo / "counter.txt").write_text(f"{day}\n")
        shas.append(commit_all(repo, f"day {day}", date=f"2025-03-{day % 28 + 1:02d}T09:00:00Z"))
    lines = [f"create refs/tags/build-{n:05d} {shas[n % len(shas)]}\n" for n in range(10_000)]
    subprocess.run(
        ["git", "update-ref", "--stdin"],
        cwd=repo,
        input="".join(lines).encode(),
        env=git_env(),
        check=True,
    )
    code, report = scan(repo, tmp_path)
    assert code == 1
    assert len(report["scan"]["refs"]) == 10_001
    found = finding(report, secret)
    oracle = git(repo, "for-each-ref", "--contains", shas[19], "--format=%(refname)")
    assert sorted(found["reachable_from"]) == sorted(oracle.splitlines())
    assert windows(found) == [(MAIN, shas[19], shas[29])]


def test_octopus_merge_opens_every_branch_window_at_the_merge(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "octopus")
    (repo / "README.md").write_text("octopus\n")
    base = commit_all(repo, "base", date="2025-03-01T09:00:00Z")
    secrets = {name: token(270 + n) for n, name in enumerate(("a", "b", "c"))}
    firsts = {}
    for n, name in enumerate(secrets):
        git(repo, "checkout", "-q", "-b", f"feature-{name}", base)
        (repo / f"{name}.py").write_text(f'KEY = "{secrets[name]}"\n')
        firsts[name] = commit_all(repo, f"feature {name}", date=f"2025-03-0{n + 2}T09:00:00Z")
    git(repo, "checkout", "-q", "main")
    branches = [f"feature-{name}" for name in secrets]
    git(repo, "merge", "-q", "--no-ff", "-m", "octopus", *branches, date="2025-03-09T09:00:00Z")
    merge = git(repo, "rev-parse", "HEAD")
    assert len(git(repo, "show", "-s", "--format=%P", merge).split()) == 4
    _, report = scan(repo, tmp_path)
    for name, secret in secrets.items():
        found = finding(report, secret)
        assert windows(found) == [(MAIN, merge, None)]
        assert found["first_commit"]["sha"] == firsts[name]
        assert sorted(found["reachable_from"]) == sorted([MAIN, f"refs/heads/feature-{name}"])


# --- incomplete copies --------------------------------------------------------------------


def _partial_clone(tmp_path: Path) -> tuple[Path, str, Path]:
    """A blob:none clone whose promisor remote logs any access (and is allowed to be used)."""
    source = new_repo(tmp_path / "source")
    git(source, "config", "uploadpack.allowFilter", "true")
    removed = token(281)
    (source / "settings.py").write_text(f'KEY = "{removed}"\n')
    commit_all(source, "leak", date="2025-03-02T09:00:00Z")
    (source / "settings.py").write_text("KEY = None\n")
    commit_all(source, "remove", date="2025-04-30T09:00:00Z")
    clone = tmp_path / "partial"
    git(
        tmp_path,
        "-c",
        "protocol.file.allow=always",
        "clone",
        "-q",
        "--filter=blob:none",
        source.as_uri(),
        str(clone),
    )
    access_log = tmp_path / "promisor-access.log"
    spy = tmp_path / "upload-pack-spy"
    spy.write_text(f'#!/bin/sh\necho "$@" >> \'{access_log}\'\nexec git-upload-pack "$@"\n')
    spy.chmod(0o755)
    git(clone, "config", "remote.origin.uploadpack", str(spy))
    git(clone, "config", "protocol.file.allow", "always")
    return clone, removed, access_log


def _fetch_lazily_with_plain_git(clone: Path, blob: str) -> None:
    subprocess.run(["git", "cat-file", "-e", blob], cwd=clone, env=git_env(), check=True)


def test_partial_clone_blobs_are_never_fetched(tmp_path: Path) -> None:
    clone, removed, access_log = _partial_clone(tmp_path)
    _, report = scan(clone, tmp_path)
    assert not access_log.exists(), "the scan contacted the promisor remote"
    assert absent(report, removed)  # not available locally, so not found (and not fetched)
    refs = read_refs(clone)
    inventory = read_inventory(clone)
    history = read_history(clone, inventory.commits)
    integrity = check_integrity(clone, refs, inventory, history)
    assert integrity.partial_clone is True
    assert integrity.missing_blobs >= 1
    assert any("not available locally" in reason for reason in integrity.incomplete_reasons())
    old_blob = git(clone, "rev-parse", "HEAD~1:settings.py")
    _fetch_lazily_with_plain_git(clone, old_blob)  # control: the spy sees plain git's fetch
    assert access_log.exists()


def test_partial_clone_is_reported_incomplete(tmp_path: Path) -> None:
    clone, _, access_log = _partial_clone(tmp_path)
    code, report = scan(clone, tmp_path)
    assert not access_log.exists()
    assert report["scan"]["partial_clone"] is True
    assert report["scan"]["stats"]["blobs_missing"] >= 1
    assert code == 3


def test_shallow_clone_reports_its_boundary(tmp_path: Path) -> None:
    fx = build_scenario("shallow-boundary", tmp_path / "shallow")
    boundary = (
        (Path(git(fx.path, "rev-parse", "--absolute-git-dir")) / "shallow").read_text().split()
    )
    code, report = scan(fx.path, tmp_path)
    assert code == 1
    found = finding(report, fx.secrets["xai"])
    window = found["windows"][0]
    assert window["opened"]["sha"] in boundary
    assert window["opened_at_boundary"] is True
    refs, inventory = read_refs(fx.path), read_inventory(fx.path)
    history = read_history(fx.path, inventory.commits)
    assert check_integrity(fx.path, refs, inventory, history).shallow_boundary == tuple(
        sorted(boundary)
    )


def test_shallow_boundary_is_in_the_report_and_not_an_error(tmp_path: Path) -> None:
    fx = build_scenario("shallow-boundary", tmp_path / "shallow")
    boundary = (
        (Path(git(fx.path, "rev-parse", "--absolute-git-dir")) / "shallow").read_text().split()
    )
    code, report = scan(fx.path, tmp_path)
    assert report["scan"]["shallow_boundary"] == sorted(boundary)
    assert report["scan"]["incomplete"] == []
    assert code == 1


def test_sha256_repository(tmp_path: Path) -> None:
    repo = tmp_path / "sha256"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", "--object-format=sha256", "--template=")
    secret = token(291)
    (repo / "settings.py").write_text(f'KEY = "{secret}"\n')
    added = commit_all(repo, "leak", date="2025-03-02T09:00:00Z")
    (repo / "settings.py").unlink()
    removed = commit_all(repo, "remove", date="2025-03-12T09:00:00Z")
    assert re.fullmatch("[0-9a-f]{64}", added)
    _, report = scan(repo, tmp_path)
    found = finding(report, secret)
    assert windows(found) == [(MAIN, added, removed)]
    assert found["windows"][0]["days"] == 10.0

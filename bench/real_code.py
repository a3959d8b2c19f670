"""The real-code false-positive corpus: widely used packages' source trees, scanned as a commit.

A synthetic corpus cannot say how noisy a scanner is on the code people actually commit. This
downloads pinned releases of well-known packages from the package index (`pip download
--no-deps`; the sdist where it builds without a compiler, so tests and docs come along, else
the wheel), unpacks each under `<name>/`, commits the whole tree into one git repository (fixed
author and date) and scans it with `leakwindow scan REPO --format json`. Every finding is
listed for triage with its rule, path, a redacted preview (first characters and length only)
and a verdict: `real`, `test value` or `false positive`, taken from `real_code_triage.json`
(keyed by the finding's fingerprint, a sha256, never the value, or else by its first
location) or, for findings nobody has triaged yet, guessed from the path (tests, docs and
examples: `test value`) and marked `?`.
It reports findings and false positives per 100 MB of scanned source, and the rules behind
the false positives.

    python bench/real_code.py [--work DIR] [--markdown FILE] [--leakwindow PATH]

Downloads are cached in `--work` (default `bench/.real-code`); the repository is rebuilt only
when the package list changes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
DEFAULT_WORK = BENCH / ".real-code"
TRIAGE_FILE = BENCH / "real_code_triage.json"
AS_OF = "2026-01-01T00:00:00Z"
VERDICTS = ("real", "test value", "false positive")


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    kind: str  # "sdist" or "wheel"


PACKAGES: tuple[Package, ...] = (
    Package("django", "5.2.19", "sdist"),
    Package("boto3", "1.44.18", "sdist"),
    Package("botocore", "1.44.18", "sdist"),
    Package("moto", "5.2.6", "sdist"),
    Package("apache-libcloud", "3.9.1", "sdist"),
    Package("kubernetes", "37.0.3", "sdist"),
    Package("azure-core", "1.41.0", "sdist"),
    Package("google-cloud-storage", "3.17.2", "sdist"),
    Package("sphinx", "9.0.4", "sdist"),
    Package("numpy", "2.4.6", "wheel"),  # its sdist needs a compiler to prepare metadata
)

_TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|testdata|fixtures?|examples?|docs?|samples?)(/|$)|(^|/)test_[^/]*$"
    r"|_test\.py$|\.(md|rst|txt)$",
    re.IGNORECASE,
)


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def archive_for(package: Package, cache: Path) -> Path | None:
    """The cached archive of this release and kind, if pip already downloaded it."""
    stem = _normalised(f"{package.name}-{package.version}")
    for candidate in sorted(cache.iterdir()) if cache.is_dir() else ():
        name = candidate.name
        wheel = name.endswith(".whl") and _normalised(name).startswith(stem + "_")
        sdist = name.endswith((".tar.gz", ".zip")) and (
            _normalised(name.removesuffix(".tar.gz").removesuffix(".zip")) == stem
        )
        if (wheel and package.kind == "wheel") or (sdist and package.kind == "sdist"):
            return candidate
    return None


def fetch(package: Package, cache: Path) -> Path:
    """The package's archive, downloaded with pip into `cache` unless already there."""
    found = archive_for(package, cache)
    if found is not None:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    binary = ["--no-binary", ":all:"] if package.kind == "sdist" else ["--only-binary", ":all:"]
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *binary]
    argv += ["--dest", str(cache), f"{package.name}=={package.version}"]
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
    found = archive_for(package, cache)
    if found is None:
        raise RuntimeError(f"pip downloaded no {package.kind} of {package.name}")
    return found


def unpack(archive: Path, dest: Path) -> None:
    """Regular files only (no links, no devices), under `dest` without the archive's top dir."""
    dest.mkdir(parents=True)
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                target = _safe_target(dest, info.filename, strip=archive.suffix == ".zip")
                if target is not None and not info.is_dir():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zipped.read(info))
        return
    with tarfile.open(archive) as tarred:
        for member in tarred.getmembers():
            target = _safe_target(dest, member.name, strip=True)
            extracted = tarred.extractfile(member) if member.isfile() else None
            if target is not None and extracted is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(extracted.read())


def _safe_target(dest: Path, name: str, strip: bool) -> Path | None:
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if strip:
        parts = parts[1:]
    if not parts or ".." in parts or parts[0] == ".git" or ".git" in parts:
        return None
    return dest.joinpath(*parts)


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Corpus Builder",
        "GIT_AUTHOR_EMAIL": "corpus@example.test",
        "GIT_COMMITTER_NAME": "Corpus Builder",
        "GIT_COMMITTER_EMAIL": "corpus@example.test",
        "GIT_AUTHOR_DATE": "1735732800 +0000",
        "GIT_COMMITTER_DATE": "1735732800 +0000",
    }
    completed = subprocess.run(
        ["git", "-C", str(repo), "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def build_repository(packages: tuple[Package, ...], cache: Path, repo: Path) -> dict[str, Any]:
    """Unpack every package under its name and commit the tree (once per package list)."""
    stamp = repo / ".git" / "real-code-packages.json"
    wanted = [f"{p.name}=={p.version} ({p.kind})" for p in packages]
    if stamp.exists() and json.loads(stamp.read_text())["packages"] == wanted:
        return dict(json.loads(stamp.read_text()))
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    for package in packages:
        unpack(fetch(package, cache), repo / package.name)
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "add", "--all", "--force")
    _git(repo, "commit", "--quiet", "--no-verify", "-m", "Source trees of widely used packages")
    files = _git(repo, "ls-files", "-z").split("\0")
    size = sum((repo / f).stat().st_size for f in files if f)
    info = {"packages": wanted, "files": len([f for f in files if f]), "bytes": size}
    info["head"] = _git(repo, "rev-parse", "HEAD").strip()
    stamp.write_text(json.dumps(info))
    return info


def scan(repo: Path, leakwindow: str, report: Path) -> list[dict[str, Any]]:
    """A cold scan (`--no-cache`: nothing written next to a repository others may share)."""
    argv = [leakwindow, "scan", str(repo), "--format", "json", "--output", str(report)]
    subprocess.run([*argv, "--as-of", AS_OF, "--exit-zero", "--quiet", "--no-cache"], check=True)
    findings: list[dict[str, Any]] = json.loads(report.read_text())["findings"]
    return findings


def redacted(preview: str) -> str:
    """At most the first 4 characters and the length: never enough to use the value."""
    length = re.search(r"\((\d+) chars\)", preview)
    head = preview.split("…")[0][:4]
    size = f"{length.group(1)} chars" if length else "?"
    return f"{head}…({size})" if length and int(length.group(1)) >= 16 else f"…({size})"


def verdict(finding: dict[str, Any], triage: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """(verdict, note): the recorded triage, else a guess from the path marked with `?`."""
    first = finding["locations"][0]
    recorded = triage.get(finding["fingerprint"]) or next(
        (t for t in triage.values() if t.get("path") == f"{first['path']}:{first['line']}"), None
    )  # by place too: a pack that fingerprints a value differently keeps its triage
    if recorded is not None:
        return recorded["verdict"], recorded.get("note", "")
    paths = [loc["path"] for loc in finding["locations"]]
    if all(_TEST_PATH.search(p) for p in paths):
        return "test value?", "not triaged; test, docs or example path"
    return "false positive?", "not triaged"


def report(
    info: dict[str, Any],
    findings: list[dict[str, Any]],
    triage: dict[str, Any],
    grades: dict[str, str] | None = None,
) -> list[str]:
    """The Markdown report; `grades` (rule id -> declared confidence) stands in, marked `*`,
    for findings that carry no confidence of their own."""
    megabytes = info["bytes"] / 1e6
    per_100mb = 100 / megabytes if megabytes else 0.0
    rows = []
    verdicts: Counter[str] = Counter()
    fp_rules: Counter[str] = Counter()
    fp_by_confidence: Counter[str] = Counter()
    for finding in sorted(findings, key=lambda f: (f["rules"], f["locations"][0]["path"])):
        said, note = verdict(finding, triage)
        verdicts[said.rstrip("?")] += 1
        confidence = finding.get("confidence") or _surest(finding["rules"], grades or {})
        if said.startswith("false positive"):
            fp_rules.update(finding["rules"])
            fp_by_confidence[confidence] += 1
        first = finding["locations"][0]
        more = f" (+{len(finding['locations']) - 1})" if len(finding["locations"]) > 1 else ""
        where = f"`{first['path']}:{first['line']}`{more}"
        preview = f"`{redacted(finding['secret_preview'])}`"
        rows.append(f"| {', '.join(finding['rules'])} | {confidence} | {where} | {preview} ")
        rows[-1] += f"| {said} | {note} |"
    fp = verdicts["false positive"]
    counts = ", ".join(f"{k}: {n}" for k, n in sorted(verdicts.items()))
    out = [
        "```",
        f"Packages: {', '.join(info['packages'])}",
        f"Tree: {info['files']} files, {megabytes:.1f} MB, commit {info['head'][:12]}",
        f"Findings: {len(findings)} ({counts})",
        f"Findings per 100 MB: {len(findings) * per_100mb:.2f}; false positives per 100 MB: "
        f"{fp * per_100mb:.2f}",
        "False positives by confidence (* the surest grade the finding's rules declare; "
        "findings carry none of their own): "
        + (", ".join(f"{k}: {v}" for k, v in sorted(fp_by_confidence.items())) or "none"),
        "Rules behind the false positives: "
        + (", ".join(f"{rule} x{n}" for rule, n in fp_rules.most_common()) or "none"),
        "```",
        "",
        "| rules | confidence | first location | preview | verdict | note |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    return out


def _surest(rules: list[str], grades: dict[str, str]) -> str:
    order = ("high", "medium", "low")
    known = [grades[r] for r in rules if grades.get(r) in order]
    return min(known, key=order.index) + "*" if known else "—"


def rule_grades() -> dict[str, str]:
    """Each rule's declared confidence in the installed pack (empty when rules have none)."""
    from scanner.rules.pack import load_rules

    return {r.id: str(getattr(r, "confidence", "")) for r in load_rules().rules}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="downloads and repo")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--leakwindow", default="", help="the leakwindow to run")
    parser.add_argument("--triage", type=Path, default=TRIAGE_FILE)
    args = parser.parse_args(argv)
    work = args.work.resolve()
    info = build_repository(PACKAGES, work / "downloads", work / "repo")
    leakwindow = args.leakwindow or str(Path(sys.executable).parent / "leakwindow")
    with tempfile.TemporaryDirectory(prefix="real-code-") as scratch:
        findings = scan(work / "repo", leakwindow, Path(scratch) / "report.json")
    triage = json.loads(args.triage.read_text()) if args.triage.exists() else {}
    text = "\n".join(report(info, findings, triage, rule_grades()))
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Path patterns compiled once: the same answers as the per-pattern
fnmatch loop they replace, on generated patterns and paths; and configs too large to be
honest are refused in one line instead of stalling the scan."""

from __future__ import annotations

import fnmatch
import random
import subprocess
from pathlib import Path

import pytest
from hostile_support import Run, error_line, finished, leakwindow
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scanner.cli.app import main
from scanner.demo import make_token


def reference_glob_match(path: str, pattern: str) -> bool:
    """The matcher of scanner/rules/config.py at commit e5329f8, verbatim: the
    oracle. It ran once per pattern per (blob, path) pair."""
    if pattern.endswith("/"):
        name = pattern[:-1]
        if "/" not in name:
            return path.startswith(name + "/") or f"/{name}/" in f"/{path}"
        pattern += "**"
    if pattern.endswith("/**"):
        prefix = pattern[:-3]
        return path == prefix or path.startswith(prefix + "/")
    if "/" not in pattern:
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    return fnmatch.fnmatchcase(path, pattern)


# Few distinct characters, so that generated paths and patterns often meet: separators,
# glob syntax (also unbalanced), a dot, a newline (`$` vs `\Z`), non-ASCII.
_PATH_CHARS = "ab./\n-é"
_PATTERN_CHARS = "ab./\n-é*?[]!"
_COMMON = [
    "node_modules/",
    "vendor/",
    "a/b/",
    "a/**",
    "/**",
    "/",
    "**",
    "*",
    "",
    "*.lock",
    "a.b",
    "a/b.a",
    "a*/b",
    "[ab]/a",
    "[!a]*",
    "[",
    "a[",
    "*a*b?",
    "[a-]",
    "[]a]",
    "a/*",
]
patterns = st.one_of(st.sampled_from(_COMMON), st.text(_PATTERN_CHARS, max_size=8))


def paths_near(pattern: str) -> list[str]:
    """Paths made from a pattern itself (its wildcards filled in, moved one level down or
    up), so that every kind of pattern is also seen matching, not only failing."""
    filled = pattern.replace("**", "a/b").replace("*", "a").replace("?", "b")
    return [
        pattern,
        filled,
        filled.rstrip("/"),
        f"x/{filled}",
        f"{filled}/x",
        f"{filled}\n",
        pattern.replace("/**", ""),
        pattern.replace("*", "a/b"),
    ]


# (400 drawn pattern lists: 1,000 held a worker for 3-17 s; each CI run draws new ones)
@settings(max_examples=400, deadline=None)
@given(
    st.lists(patterns, min_size=1, max_size=8),
    st.lists(st.text(_PATH_CHARS, max_size=10), max_size=6),
)
@example(["a/"], ["a/b", "x/a/b", "a", "xa/b", "/a/"])
@example(["*.lock"], ["x/y.lock", "y.lock\n", ".lock", "lock"])
@example(["a/b/", "a/**"], ["a", "a/b", "a/bc", "ab", "a/b/c"])
@example(["a*/b", "[ab]/a"], ["ax/b", "a/x/b", "b/a", "c/a", "a\n/b"])
def test_compiled_patterns_answer_as_the_per_pattern_loop_did(
    pattern_list: list[str], random_paths: list[str]
) -> None:
    from scanner.rules.path_patterns import PathPatterns

    compiled = PathPatterns(pattern_list)
    for path in [*random_paths, *(near for p in pattern_list for near in paths_near(p))]:
        expected = any(reference_glob_match(path, pattern) for pattern in pattern_list)
        assert compiled.matches(path) == expected, (pattern_list, path)


@settings(max_examples=500, deadline=None)
@given(patterns, st.text(_PATH_CHARS, max_size=12))
def test_each_single_pattern_answers_as_before(pattern: str, path: str) -> None:
    from scanner.rules.path_patterns import PathPatterns

    assert PathPatterns([pattern]).matches(path) == reference_glob_match(path, pattern)


def test_a_config_at_the_limits_is_compiled_once_and_matches_exactly() -> None:
    """10,000 mixed patterns (the most a config may hold): every kind is still honoured."""
    from scanner.rules.path_patterns import PathPatterns

    rng = random.Random(17)
    kinds = ("dir{}/", "pre{}/**", "*.ext{}", "name{}.txt", "glob{}?x", "deep/*/f{}", "lit/{}.py")
    pattern_list = [rng.choice(kinds).format(n) for n in range(10_000)]
    compiled = PathPatterns(pattern_list)
    probes = [
        "src/dir5/x.py",
        "pre7/a/b",
        "pre7",
        "a/b.ext3",
        "name9.txt",
        "glob4ax",
        "deep/any/f8",
        "lit/2.py",
        "nothing/here.py",
    ]
    for probe in probes:
        expected = any(reference_glob_match(probe, pattern) for pattern in pattern_list)
        assert compiled.matches(probe) == expected, probe


# --- limits on a repository's config, through the command line ------------------------------


def _repository_with_key(path: Path) -> str:
    token = make_token("xai", random.Random("test-path-patterns"))
    path.mkdir()
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    who = ["-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    (path / "config").mkdir()
    (path / "config" / "settings.py").write_text(f'XAI_API_KEY = "{token}"\n')
    subprocess.run(["git", "-C", str(path), "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(path), *who, "commit", "-qm", "a"], check=True, env=env)
    return token


def _run(repo: Path, timeout: float) -> Run:
    """The scan as a user runs it, bounded in time (the old code took minutes here)."""
    args = ("scan", str(repo), "--no-cache", "--quiet", "--format", "json")
    return finished(leakwindow(*args, seconds=timeout))


def test_a_config_of_200000_patterns_is_refused_at_once(tmp_path: Path) -> None:
    """The issue's 3.9 MB config: refused in one line (exit 2), not minutes of matching."""
    repo = tmp_path / "repo"
    _repository_with_key(repo)
    lines = "\n".join(f'  "generated/dir{n}/file{n}.*",' for n in range(200_000))
    (repo / ".leakwindow.toml").write_text(f"[paths]\nexclude = [\n{lines}\n]\n")
    assert (repo / ".leakwindow.toml").stat().st_size > 3_900_000
    done = _run(repo, timeout=60)
    assert done.code == 2, done.stderr[-2000:]
    assert "over the 1,048,576-byte limit" in error_line(done.stderr)


def test_too_many_patterns_in_a_small_config_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    _repository_with_key(repo)
    many = ",".join(f'"d{n}/"' for n in range(10_001))
    (repo / ".leakwindow.toml").write_text(f"[paths]\nexclude = [{many}]\n")
    assert main(["scan", str(repo), "--no-cache", "--quiet", "--format", "json"]) == 2
    line = error_line(capsys.readouterr().err)
    assert "'paths.exclude' lists 10,001 entries, over the limit of 10,000" in line


def test_a_large_allowed_config_still_excludes_exactly_what_it_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    _repository_with_key(repo)
    decoys = ",".join(f'"config/settings{n}.py"' for n in range(9_000))
    config = repo / ".leakwindow.toml"
    config.write_text(f"[paths]\nexclude = [{decoys}]\n")
    assert main(["scan", str(repo), "--no-cache", "--quiet", "--format", "json"]) == 1
    assert '"config/settings.py"' in capsys.readouterr().out
    config.write_text(f'[paths]\nexclude = [{decoys}, "config/settings.p?"]\n')
    assert main(["scan", str(repo), "--no-cache", "--quiet", "--format", "json"]) == 0

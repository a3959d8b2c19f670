"""Matching cannot hang.

A repository is free to contain whatever text makes a backtracking regex engine slowest. The
rule loader's guard (`scanner.rules.regex_guard`) rejects the pattern shapes that backtrack
exponentially, for every built-in pattern; and built-in rules are run against the inputs that
would expose one that slipped through (long runs of the characters it repeats, its examples
turned into 128 KB of near-misses, floods of its keywords), each within a time bound: every
generic rule (word keywords, the loosest patterns) and a fixed third of the others in the
suite, and every rule in `python bench/pathological.py --limit 2.5`, which also prints the
worst time per rule when this test needs explaining.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from scanner.cli.app import main
from scanner.detect.matcher import Matcher
from scanner.errors import LeakwindowError
from scanner.rules.file_names import example_path
from scanner.rules.pack import Rule, RulePack, load_rules
from scanner.rules.regex_guard import check_pattern, near_miss, pathological_inputs

BUILTIN = load_rules()
SECONDS_PER_INPUT = 2.5  # worst measured: about 0.5 s for a 1 MB near-miss of a PEM rule
# Times are this process's CPU time: what a backtracking regex burns, and what other processes
# (the other pytest-xdist worker, a busy CI machine) cannot inflate the way they do wall time.
_clock = time.process_time
FLOOD_BYTES = 64 * 1024  # keyword floods are cheap to make and slow to match: keep them short
# A quadratic regex takes minutes on 128 KB of near-misses (the last UNSAFE one: 3.4 s on
# 20 KB), a linear one milliseconds: enough to tell them apart, for 700-odd rules every run.
NEAR_MISS_BYTES = 128 * 1024

UNSAFE = [
    r"(a+)+$",
    r"(\w*)*x",
    r"(?:a|a)*$",
    r"(a|ab)+c",
    r"(x+x+)+y",
    r"(\d+\.)+\d",
    r"(.*=){8}",
    r"((ab)*)+c",
    r"(?:\s*,\s*\w+)*;",
    r"(?i)token\s*=\s*(?:[a-z]+\d*)+!",
    # Quadratic rather than exponential: every start in a long run of word characters reads
    # the rest of the run again looking for the `@` (3.4 s for a 20 KB line).
    r"[\w.-]+@[\w.-]+",
]
SAFE = [
    r"\b(xai-[A-Za-z0-9_]{80})\b",
    r"(?:[a-z]{2,5}\.){1,10}com",
    r"(?:foo|bar)+",
    r"[\w.-]{1,64}@[\w.-]{1,255}",
    r"(?i)(?:api|secret)[_-]?key\s*[:=]\s*(\S{16,64})",
    r"-----BEGIN RSA PRIVATE KEY-----\s{1,4}([A-Za-z0-9+/=\s]{64,4096})-----END",
]


def _one_rule(rule: Rule) -> Matcher:
    return Matcher(RulePack(rules=(rule,), digest=rule.id, by_id={rule.id: rule}))


@pytest.mark.parametrize("pattern", UNSAFE)
def test_guard_rejects_nested_and_ambiguous_repeats(pattern: str) -> None:
    problem = check_pattern(pattern)
    assert problem is not None
    assert "repeat" in problem


@pytest.mark.parametrize("pattern", SAFE)
def test_guard_accepts_bounded_and_unambiguous_patterns(pattern: str) -> None:
    assert check_pattern(pattern) is None


def test_every_builtin_pattern_passes_the_guard() -> None:
    assert [rule.id for rule in BUILTIN.rules if check_pattern(rule.pattern)] == []


def test_the_loader_refuses_an_unsafe_user_rule(tmp_path: Path) -> None:
    rules = tmp_path / "mine.toml"
    rules.write_text(
        "[[rule]]\n"
        'id = "greedy-thing"\ntitle = "Greedy"\nseverity = "low"\nkeywords = ["tok_"]\n'
        "pattern = '''tok_(?:[a-z]+\\d*)+!'''\n"
        '[rule.examples]\nmatch = ["tok_abc1!"]\n'
    )
    with pytest.raises(LeakwindowError) as raised:
        load_rules(extra_files=[rules])
    message = str(raised.value)
    assert str(rules) in message and "'greedy-thing'" in message
    assert "repeat inside a repeat" in message and "\n" not in message


def test_the_cli_reports_an_unsafe_user_rule_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    rules = tmp_path / "mine.toml"
    rules.write_text(
        "[[rule]]\n"
        'id = "nested"\ntitle = "Nested"\nseverity = "low"\nkeywords = ["k"]\n'
        "pattern = '''k(a+)+$'''\n"
        '[rule.examples]\nmatch = ["kaa"]\n'
    )
    assert main(["scan", str(repo), "--rules", str(rules)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leakwindow: error: ")
    assert "'nested'" in lines[0] and "repeat inside a repeat" in lines[0]


def test_near_misses_really_miss() -> None:
    """The near-miss inputs are what the name says: one change away from a match."""
    made = 0
    for rule in BUILTIN.rules:
        for example in rule.examples_match:
            miss = near_miss(rule.regex, rule.secret_group, example.encode())
            if miss is not None:
                made += 1
                assert rule.regex.search(miss) is None
                assert abs(len(miss) - len(example.encode())) <= 1
    assert made >= len(BUILTIN.rules)  # (almost) every rule gets its megabyte of near-misses


# The whole pack's inputs were the suite's largest file (56 s of CPU for 718 rules, most of it
# Hyperscan reports handled in Python), with CI near its time limit: a third of the provider
# rules (each pattern still passes the static guard above) and every generic one.
SAMPLED = [rule for at, rule in enumerate(BUILTIN.rules) if rule.family == "generic" or at % 3 == 0]


@pytest.mark.parametrize("rule", SAMPLED, ids=lambda rule: rule.id)
def test_builtin_rule_is_fast_on_pathological_input(rule: Rule) -> None:
    matcher = _one_rule(rule)
    inputs = list(
        pathological_inputs(
            rule.pattern,
            rule.secret_group,
            rule.keywords,
            rule.examples_match,
            flood_bytes=FLOOD_BYTES,
            near_miss_bytes=NEAR_MISS_BYTES,
        )
    )
    assert inputs
    path = example_path(rule.files)  # a rule bound to credential files reads only those
    for name, content in inputs:
        started = _clock()
        matcher.scan(content, path)
        elapsed = _clock() - started
        assert elapsed < SECONDS_PER_INPUT, f"{rule.id}: {elapsed:.2f} s on {name}"


def _best_of(runs: int, matcher: Matcher, content: bytes) -> float:
    best = float("inf")
    for _ in range(runs):
        started = _clock()
        matcher.scan(content)
        best = min(best, _clock() - started)
    return best


def test_a_long_line_of_real_tokens_is_matched_in_linear_time() -> None:
    """A minified file or a dump can hold thousands of tokens on one line: four times the
    tokens must cost about four times the time, not sixteen."""
    rule = BUILTIN.by_id["xai-api-key"]
    matcher = _one_rule(rule)
    line = rule.examples_match[0].encode() + b" "
    small = _best_of(3, matcher, line * 1000)
    large = _best_of(2, matcher, line * 4000)
    assert large < 8 * small, f"{small:.3f} s for 1000 tokens, {large:.3f} s for 4000"

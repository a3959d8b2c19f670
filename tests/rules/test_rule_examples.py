"""Every built-in rule's examples hold, under both matching engines."""

from __future__ import annotations

import functools
import itertools
import json
import os
import random
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from matcher_support import matcher_for

from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.matcher import Matcher
from scanner.rules.file_names import example_path
from scanner.rules.pack import Rule, load_rules

PACK = load_rules()
ENGINES = ["python"] + (["hyperscan"] if hyperscan_available() else [])


@functools.cache
def matcher(engine: str) -> Matcher:
    """One per engine for the module, made on first use: collecting the tests (which every
    pytest-xdist worker does) compiles nothing."""
    return matcher_for(PACK, engine)


def _path(rule: Rule) -> str | None:
    """A rule bound to credential files reads only those: its examples are such a file."""
    return example_path(rule.files)


def _in_a_larger_file(example: str) -> str:
    return "# settings\nimport os\n\n" + example + "\n\nDEBUG = False\n" + "x = 1\n" * 50


# One test per rule and engine, each checking all of the rule's examples: the pack has 2,700
# examples, and a test each cost more in pytest's own bookkeeping than in matching.
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rule", PACK.rules, ids=lambda rule: rule.id)
def test_the_rules_examples_hold(engine: str, rule: Rule) -> None:
    scan = matcher(engine).scan
    wrong: list[str] = []
    for example in rule.examples_match:
        if rule.id not in {m.rule_id for m in scan(example.encode("utf-8"), _path(rule))}:
            wrong.append(f"not found: {example!r}")
        # Inside a larger file, on its own line (4) or a later line of a multi-line example.
        content = _in_a_larger_file(example).encode("utf-8")
        lines = {m.line for m in scan(content, _path(rule)) if m.rule_id == rule.id}
        if not any(4 <= line <= 4 + example.count("\n") for line in lines):
            wrong.append(f"not found inside a larger file: {example!r}")
        if rule.files:  # a rule bound to credential files reads nothing else
            for path in (None, "notes.txt", f"docs/{example_path(rule.files)}.md"):
                if rule.id in {m.rule_id for m in scan(example.encode("utf-8"), path)}:
                    wrong.append(f"found outside its files ({path}): {example!r}")
    for example in rule.examples_ignore:
        if rule.id in {m.rule_id for m in scan(example.encode("utf-8"), _path(rule))}:
            wrong.append(f"found although it is an ignore example: {example!r}")
    assert not wrong, "\n".join(wrong)


def test_every_rule_has_an_ignore_example() -> None:
    missing = [rule.id for rule in PACK.rules if not rule.examples_ignore]
    assert missing == []


# --- the CamelCase placeholder: linear time, same meaning ---------------------------------
#
# The generic rules drop values made of CamelCase words. It used to be written
# `^(?:[A-Z]{0,3}[a-z]+)+…`, where a run of n lowercase letters splits into words in 2**(n-1)
# ways: a value with a long lowercase run that then fails the tail (seven digits) took 20 s
# with 25 letters and doubled per letter. The same language, written so that every split is
# forced (a word after the first one starts with a capital), is matched in linear time.
CAMEL_CASE_EXPONENTIAL = r"^(?:[A-Z]{0,3}[a-z]+)+[0-9]{0,6}[!@#$%^&*.?]{0,2}$"
CAMEL_CASE_LINEAR = r"^[A-Z]{0,3}[a-z]+(?:[A-Z]{1,3}[a-z]+)*[0-9]{0,6}[!@#$%^&*.?]{0,2}$"


def _placeholders_with_camel_case() -> list[str]:
    return sorted(
        {
            p.pattern
            for rule in PACK.rules
            for p in rule.placeholders
            if CAMEL_CASE_LINEAR in p.pattern
        }
    )


def test_the_camel_case_placeholder_means_what_its_exponential_form_meant() -> None:
    patterns = _placeholders_with_camel_case()
    assert patterns, "no built-in placeholder holds the linear CamelCase form"
    # One character of each class the pattern tells apart, every string up to 7 of them,
    # then longer random ones (lowercase runs kept short: the old form is exponential in them).
    alphabet = "aA1!-\n"
    values = ["".join(chars) for n in range(8) for chars in itertools.product(alphabet, repeat=n)]
    rng = random.Random(17)
    pieces = ["a", "bc", "Ab", "ABC", "ABCD", "x1", "9", "!", "?", ".", "_", "-", "Z", "é"]
    values += ["".join(rng.choices(pieces, k=rng.randrange(1, 12))) for _ in range(20000)]
    for pattern in patterns:
        linear = re.compile(pattern)
        reference = re.compile(pattern.replace(CAMEL_CASE_LINEAR, CAMEL_CASE_EXPONENTIAL))
        differ = [v for v in values if bool(linear.search(v)) != bool(reference.search(v))]
        assert differ == [], f"{pattern}: {differ[:5]}"


def test_a_long_lowercase_run_in_a_committed_env_file_is_judged_at_once(
    tmp_path: Path,
) -> None:
    # 40 lowercase letters then 7 digits: the exponential form tried 2**39 splits (hours)
    # before it found the value is no CamelCase word run.
    value = "Kq" + "".join(random.Random(3).choices(string.ascii_lowercase, k=40)) + "2024117"
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    (repo / ".env").write_text(f"SERVICE_API_KEY={value}\n")
    for args in (
        ["init", "-q", "-b", "main", "--template="],
        ["add", ".env"],
        ["-c", "user.name=Dana", "-c", "user.email=dana@example.test", "commit", "-qm", "env"],
    ):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    leakwindow = Path(sys.executable).absolute().parent / "leakwindow"
    for engine in ENGINES:
        # Seconds here (a busy machine included); the exponential form ran for hours.
        done = subprocess.run(
            [str(leakwindow), "scan", str(repo), "--no-cache", "--engine", engine, "-f", "json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        # Seven digits: not a CamelCase word run, so a finding (exit 1), as it should be.
        assert done.returncode == 1, done.stderr
        (finding,) = json.loads(done.stdout)["findings"]
        assert finding["rules"] == ["generic-secret-env"]

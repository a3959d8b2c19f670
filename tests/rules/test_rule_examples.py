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


def _cases(kind: str) -> list[tuple[Rule, str]]:
    examples = "examples_match" if kind == "match" else "examples_ignore"
    return [(rule, ex) for rule in PACK.rules for ex in getattr(rule, examples)]


def _path(rule: Rule) -> str | None:
    """A rule bound to credential files reads only those: its examples are such a file."""
    return example_path(rule.files)


def _ids(case: tuple[Rule, str]) -> str:
    return case[0].id


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", _cases("match"), ids=_ids)
def test_match_example_is_found(engine: str, case: tuple[Rule, str]) -> None:
    rule, example = case
    found = {m.rule_id for m in matcher(engine).scan(example.encode("utf-8"), _path(rule))}
    assert rule.id in found


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", _cases("match"), ids=_ids)
def test_match_example_is_found_inside_a_larger_file(engine: str, case: tuple[Rule, str]) -> None:
    rule, example = case
    content = "# settings\nimport os\n\n" + example + "\n\nDEBUG = False\n" + "x = 1\n" * 50
    found = {
        (m.rule_id, m.line) for m in matcher(engine).scan(content.encode("utf-8"), _path(rule))
    }
    assert (rule.id, 4) in found or any(
        rid == rule.id and 4 <= line <= 4 + example.count("\n") for rid, line in found
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", _cases("ignore"), ids=_ids)
def test_ignore_example_is_not_found(engine: str, case: tuple[Rule, str]) -> None:
    rule, example = case
    found = {m.rule_id for m in matcher(engine).scan(example.encode("utf-8"), _path(rule))}
    assert rule.id not in found


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", [c for c in _cases("match") if c[0].files], ids=_ids)
def test_a_file_bound_example_is_not_found_in_an_ordinary_file(
    engine: str, case: tuple[Rule, str]
) -> None:
    rule, example = case
    for path in (None, "notes.txt", f"docs/{example_path(rule.files)}.md"):
        found = {m.rule_id for m in matcher(engine).scan(example.encode("utf-8"), path)}
        assert rule.id not in found, path


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

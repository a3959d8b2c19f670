"""Every built-in rule's examples hold, under both matching engines."""

from __future__ import annotations

import pytest

from scanner.matching import Matcher, hyperscan_available
from scanner.rules import Rule, load_rules

PACK = load_rules()
ENGINES = ["python"] + (["hyperscan"] if hyperscan_available() else [])
MATCHERS = {engine: Matcher(PACK, engine=engine) for engine in ENGINES}


def _cases(kind: str) -> list[tuple[Rule, str]]:
    examples = "examples_match" if kind == "match" else "examples_ignore"
    return [(rule, ex) for rule in PACK.rules for ex in getattr(rule, examples)]


def _ids(case: tuple[Rule, str]) -> str:
    return case[0].id


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", _cases("match"), ids=_ids)
def test_match_example_is_found(engine: str, case: tuple[Rule, str]) -> None:
    rule, example = case
    found = {m.rule_id for m in MATCHERS[engine].scan(example.encode("utf-8"))}
    assert rule.id in found


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", _cases("match"), ids=_ids)
def test_match_example_is_found_inside_a_larger_file(engine: str, case: tuple[Rule, str]) -> None:
    rule, example = case
    content = "# settings\nimport os\n\n" + example + "\n\nDEBUG = False\n" + "x = 1\n" * 50
    found = {(m.rule_id, m.line) for m in MATCHERS[engine].scan(content.encode("utf-8"))}
    assert (rule.id, 4) in found or any(
        rid == rule.id and 4 <= line <= 4 + example.count("\n") for rid, line in found
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", _cases("ignore"), ids=_ids)
def test_ignore_example_is_not_found(engine: str, case: tuple[Rule, str]) -> None:
    rule, example = case
    found = {m.rule_id for m in MATCHERS[engine].scan(example.encode("utf-8"))}
    assert rule.id not in found


def test_every_rule_has_an_ignore_example() -> None:
    missing = [rule.id for rule in PACK.rules if not rule.examples_ignore]
    assert missing == []

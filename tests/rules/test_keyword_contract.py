"""The keyword contract, for every rule of the pack: every text its regex matches holds one of
its keywords.

The scanner runs a rule's regex only around its keyword hits, so a match without a keyword
is a secret silently never looked for. The rules' examples show the contract for the texts
someone thought of; here each rule's own pattern is walked at random (tests/regex_sampler.py)
and every sample the regex matches must hold a keyword in its match (case-insensitively, as
the screen looks). A multi-line rule may keep its keyword outside the match but within its
reach (docs/rules.md): for those the whole sample counts. Rules bound to credential files
(`files`) are not screened by keyword at all, so the contract does not bind them.
"""

from __future__ import annotations

import random

import pytest
from regex_sampler import RegexSampler

from scanner.rules.pack import Rule, load_rules

PACK = load_rules()
SAMPLES = 12  # per rule: with 700-odd rules, more samples cost more CI time than they found
# Patterns whose matches the walk cannot produce (a lookbehind or a structure that a random
# walk almost never satisfies); their examples prove them instead.
NOT_SAMPLED = frozenset(
    {
        "azure-sas-token",
        "azure-storage-account-key-wrapped",
        "jwt",
        "jwt-unsigned",
        "jwk-private-key-reversed",  # its keyword is in a lookahead, which the walk leaves out
    }
)


SCREENED = [rule for rule in PACK.rules if not rule.files]


@pytest.mark.parametrize("rule", SCREENED, ids=lambda rule: rule.id)
def test_every_match_of_the_rule_holds_one_of_its_keywords(rule: Rule) -> None:
    sampler = RegexSampler(rule.pattern, random.Random(rule.id))
    keywords = [keyword.encode() for keyword in rule.keywords]
    matched = 0
    for _ in range(SAMPLES):
        text = sampler.sample()
        found = rule.regex.search(text)
        if found is None:
            continue
        matched += 1
        where = text if rule.multiline else found.group(0)
        assert any(keyword in where.lower() for keyword in keywords), (
            f"{rule.id}: {found.group(0)[:120]!r} holds none of {rule.keywords}"
        )
    assert matched or rule.id in NOT_SAMPLED, f"{rule.id}: no sample matched; check the walk"


def test_the_unsampled_rules_exist() -> None:
    assert set(PACK.by_id) >= NOT_SAMPLED

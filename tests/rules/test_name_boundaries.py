"""A provider rule that reads a name before the value starts the name at an identifier's edge.

`(?i:exa[_-]?api[_-]?key)` alone also matches inside `HEXA_API_KEY`, and reports another
service's key as Exa's. Every provider rule whose pattern opens with a case-insensitive name
begins instead with NAME_START: not after a letter or digit, except at a camelCase hump
(`myExaApiKey`). The rules' examples hold near-misses for it (`HEXA_API_KEY=` for exa-api-key);
this holds the whole pack to it, so a new rule cannot leave it out.
"""

from __future__ import annotations

import re

from scanner.rules.pack import GENERIC_FAMILY, load_rules

NAME_START = r"(?:(?<![A-Za-z0-9])|(?<=[a-z0-9])(?=[A-Z]))"
# A pattern that opens with a case-insensitive group whose first alternative starts with a letter.
_OPENS_WITH_A_NAME = re.compile(r"(?:\(\?:)?\(\?i:(?:\(\?:)?[A-Za-z]")
# discord-bot-token's context words include `.run(` (as in `bot.run("...")`), which follows a
# name by design; its value's strict shape does the work instead.
EXEMPT = frozenset({"discord-bot-token"})


def test_name_led_provider_rules_start_at_an_identifier_edge() -> None:
    unbounded = [
        rule.id
        for rule in load_rules().rules
        if rule.family != GENERIC_FAMILY
        and not rule.files
        and rule.id not in EXEMPT
        and _OPENS_WITH_A_NAME.match(rule.pattern)
    ]
    assert unbounded == [], f"start these patterns with {NAME_START}: {unbounded}"


def test_the_boundary_rejects_a_longer_identifier_and_keeps_camel_case() -> None:
    name = re.compile(NAME_START + r"(?i:exa[_-]?api[_-]?key)")
    assert name.search("HEXA_API_KEY=1") is None
    assert name.search("hexa_api_key=1") is None
    assert name.search("EXA_API_KEY=1") is not None
    assert name.search("MY_EXA_API_KEY=1") is not None
    assert name.search("const myExaApiKey = 1") is not None

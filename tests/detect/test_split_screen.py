"""One's own rules are screened in a Hyperscan database of their own (scanner.detect.hs_split).

Split, the screen must find exactly what the rules find (the Python engine, which screens by
keywords, is the reference), own rules and built-in ones, plain and encoded; and a new set of
own rules must compile only its own small database, the built-in one coming from the cache.
"""

from __future__ import annotations

import base64
import random
import urllib.parse
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scanner.cache import rule_pack as pack_cache
from scanner.demo import make_token
from scanner.detect import hs_screening
from scanner.detect.hs_split import SplitScreen, split_at
from scanner.detect.matcher import Matcher
from scanner.rules.config import Config
from scanner.rules.pack import RulePack

pytestmark = pytest.mark.skipif(
    not hs_screening.hyperscan_available(), reason="the split screen is Hyperscan's"
)

_OWN_RULES = """
[[rule]]
id = "own-{name}-token"
title = "own {name} token"
severity = "high"
keywords = ["{name}_"]
pattern = '''\\b({name}_[A-Za-z0-9]{{32}})\\b'''
min_entropy = 3.0
[rule.examples]
match = ["{name}_tsKjqoZED4v5cY63fQ2ljycpOY5aAYUk"]
"""


def _own_pack(directory: Path, name: str) -> RulePack:
    rules = directory / f"{name}.toml"
    rules.write_text(_OWN_RULES.format(name=name))
    return pack_cache.load_pack_cached(Config(), [rules])


def _content(name: str, seed: int) -> bytes:
    """An own rule's secret and a built-in rule's, each as is and base64-encoded (a different
    secret each time: an encoded copy of a secret found as is is not reported again), and the
    own one percent-encoded too."""
    rng = random.Random(seed)
    own = [f"{name}_" + make_token("github-pat", rng)[4:36] for _ in range(3)]
    builtin = [make_token("xai", rng) for _ in range(2)]
    encoded_own = base64.b64encode(f"{own[1]}\n".encode()).decode()
    encoded_builtin = base64.b64encode(f"XAI_API_KEY={builtin[1]}\n".encode()).decode()
    return (
        f"OWN={own[0]}\n"
        f"XAI_API_KEY={builtin[0]}\n"
        f"blob: {encoded_own}\n"
        f"other: {encoded_builtin}\n"
        f"url = https://example.test/?k={urllib.parse.quote('a:b token=' + own[2], safe='')}\n"
    ).encode()


def _found(matcher: Matcher, content: bytes) -> list[tuple[str, bytes, int, int, str | None]]:
    return [(m.rule_id, m.secret, m.line, m.column, m.decoded) for m in matcher.scan(content)]


def test_a_pack_with_own_rules_is_screened_in_two_parts_that_find_what_the_rules_find(
    tmp_path: Path,
) -> None:
    pack = _own_pack(tmp_path, "splitown")
    screened = [rule for rule in pack.rules if not rule.files]
    shipped = split_at(screened)
    assert shipped is not None and screened[shipped].id == "own-splitown-token"
    assert split_at(screened[:shipped]) is None  # built-in rules alone: one database

    content = _content("splitown", 8)
    split = pack_cache.matcher_cached(pack, "hyperscan")  # (the built-in part: from the cache)
    assert isinstance(split._prefilter, SplitScreen)
    found = _found(split, content)
    assert found == _found(Matcher(pack, engine="python"), content)
    kinds = {(rule_id, decoded) for rule_id, _, _, _, decoded in found}
    # the own rule's plain, base64 and percent-encoded secret; the built-in one's both ways
    assert {
        ("own-splitown-token", None),
        ("own-splitown-token", "base64"),
        ("own-splitown-token", "percent"),
        ("xai-api-key", None),
        ("xai-api-key", "base64"),
    } <= kinds


def _compiled_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many expressions each Hyperscan compile from now on holds."""
    sizes: list[int] = []
    compile_database = hs_screening._compile

    def counting(entries: list[Any], expressions: dict[int, str]) -> Any:
        sizes.append(len(entries))
        return compile_database(entries, expressions)

    monkeypatch.setattr(hs_screening, "_compile", counting)
    return sizes


def test_a_new_set_of_own_rules_compiles_only_its_own_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _own_pack(tmp_path, "firstown")
    pack_cache.matcher_cached(first, "hyperscan")  # the built-in database is cached by now

    sizes = _compiled_sizes(monkeypatch)
    second = _own_pack(tmp_path, "secondown")
    matcher = pack_cache.matcher_cached(second, "hyperscan")
    shipped = split_at([r for r in second.rules if not r.files])
    assert shipped is not None and shipped > 500
    assert sizes and max(sizes) < 20, sizes  # the own rule's expressions only

    content = _content("secondown", 9)
    assert _found(matcher, content) == _found(Matcher(second, engine="python"), content)

    # and the next run of the same set loads both databases: nothing is compiled
    sizes.clear()
    again = pack_cache.matcher_cached(second, "hyperscan")
    assert sizes == []
    assert _found(again, content) == _found(matcher, content)


def _first_rules(pack: RulePack, count: int, own: RulePack | None = None) -> RulePack:
    """The pack's first `count` built-in rules (plus `own`'s rules of one's own): databases
    that compile in milliseconds, where the whole pack's take seconds."""
    extra = tuple(rule for rule in own.rules if rule.id.startswith("own-")) if own else ()
    rules = (*pack.rules[:count], *extra)
    tag = "+".join(rule.id for rule in extra)
    return replace(pack, rules=rules, digest=f"{pack.digest}:first-{count}:{tag}")


def test_the_built_in_database_a_plain_scan_compiles_serves_own_rules_unless_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # a cold cache
    sizes = _compiled_sizes(monkeypatch)
    whole = pack_cache.load_pack_cached(Config(), [])
    pack_cache.matcher_cached(_first_rules(whole, 60), "hyperscan")
    assert max(sizes) > 60  # the built-in rules (and their keywords' forms), compiled once
    (saved,) = pack_cache.cache_dir().glob("builtin-*.hsdb")

    sizes.clear()
    first = _first_rules(whole, 60, _own_pack(tmp_path, "coldfirst"))
    matcher = pack_cache.matcher_cached(first, "hyperscan")
    assert sizes and max(sizes) < 20, sizes  # only the own rule's database
    content = _content("coldfirst", 6)
    assert _found(matcher, content) == _found(Matcher(first, engine="python"), content)

    # a damaged entry is not trusted: the built-in database is compiled again
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 0xFF
    saved.write_bytes(bytes(data))
    sizes.clear()
    second = _first_rules(whole, 60, _own_pack(tmp_path, "coldsecond"))
    matcher = pack_cache.matcher_cached(second, "hyperscan")
    assert max(sizes) > 60
    content = _content("coldsecond", 4)
    found = _found(matcher, content)
    assert found == _found(Matcher(second, engine="python"), content)
    own = [decoded for rule_id, _, _, _, decoded in found if rule_id == "own-coldsecond-token"]
    assert sorted(own, key=str) == [None, "base64", "percent"]

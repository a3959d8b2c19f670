"""Matcher behaviours beyond single rule examples: regions, generic fallback, engines agree."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from matcher_support import matcher_for

from scanner.demo import make_token
from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.matcher import Matcher
from scanner.detect.rule_shape import crosses_lines
from scanner.detect.screening import HIT_CAP
from scanner.rules.pack import load_rules

PACK = load_rules()
ENGINES = ["python"] + (["hyperscan"] if hyperscan_available() else [])


def _matcher(engine: str) -> Matcher:
    return matcher_for(PACK, engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_generic_rule_defers_to_the_provider_rule_on_the_same_text(engine: str) -> None:
    token = make_token("xai", random.Random(5))
    matches = matcher_for(PACK, engine).scan(f'api_token = "{token}"\n'.encode())
    assert {m.rule_id for m in matches} == {"xai-api-key"}


@pytest.mark.parametrize("engine", ENGINES)
def test_generic_rule_still_finds_an_unknown_secret(engine: str) -> None:
    value = "Qw8rT5yU2iO9pA3sD6fG1hJ4kL7zX0cV"
    matches = matcher_for(PACK, engine).scan(f'db_secret = "{value}"\n'.encode())
    assert any(m.secret == value.encode() for m in matches)


@pytest.mark.parametrize("engine", ENGINES)
def test_provider_lookalike_with_bad_checksum_is_not_reported_as_generic(engine: str) -> None:
    token = make_token("github-pat", random.Random(3))
    broken = token[:-1] + ("A" if token[-1] != "A" else "B")
    matches = matcher_for(PACK, engine).scan(f'github_token = "{broken}"\n'.encode())
    assert matches == []


def test_multiline_detection_keeps_pem_blocks_multiline_and_assignments_single_line() -> None:
    by_id = PACK.by_id
    assert crosses_lines(by_id["private-key-rsa"].pattern)
    assert not crosses_lines(by_id["xai-api-key"].pattern)


@pytest.mark.parametrize("engine", ENGINES)
def test_secret_far_down_a_large_file_is_found(engine: str) -> None:
    token = make_token("xai", random.Random(9))
    content = ("x = 1  # token handling\n" * 20000 + f'KEY = "{token}"\n').encode()
    (match,) = matcher_for(PACK, engine).scan(content)
    assert match.line == 20001


@pytest.mark.skipif(not hyperscan_available(), reason="Hyperscan is not installed")
def test_both_engines_find_the_same_on_real_text() -> None:
    import sysconfig
    from pathlib import Path

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(stdlib.glob("*.py"))[:150]
    token = make_token("xai", random.Random(2))
    contents = [f.read_bytes() for f in files] + [f'token = "{token}"\n'.encode()]
    engines = [matcher_for(PACK, "python"), matcher_for(PACK, "hyperscan")]
    results = [[engine.scan(content) for content in contents] for engine in engines]
    assert results[0] == results[1]
    assert results[0][-1][0].secret == token.encode()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_secret_after_thousands_of_keyword_lines_is_still_found(engine: str) -> None:
    value = "Qw8rT5yU2iO9pA3sD6fG1hJ4"
    content = ("token_count = 1\n" * 3000 + f'db_secret = "{value}"\n').encode()
    found = matcher_for(PACK, engine).scan(content)
    assert [(m.secret, m.line) for m in found] == [(value.encode(), 3001)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_secret_after_more_hits_of_its_own_keyword_than_the_cap_is_found(engine: str) -> None:
    # Past HIT_CAP hits of one keyword the screen stops listing them and says "too many";
    # the secret here is the last hit of that same keyword, beyond the listed ones.
    value = "Qw8rT5yU2iO9pA3sD6fG1hJ4"
    content = ("token_count = 1\n" * (HIT_CAP + 500) + f'api_token = "{value}"\n').encode()
    found = matcher_for(PACK, engine, screen_patterns=False).scan(content)
    assert [(m.secret, m.line) for m in found] == [(value.encode(), HIT_CAP + 501)]


@pytest.mark.skipif(not hyperscan_available(), reason="Hyperscan not installed")
def test_a_content_with_more_screen_hits_than_collected_at_once_is_rescanned_capped() -> None:
    # Over 65,536 Hyperscan reports (percent hints and base64 forms on every line) switch
    # the screen to its capped rescan; the findings must not change.
    token = make_token("github-pat", random.Random(3))
    content = ("x = '%2d %3a %2f' % (1, 2, 3)\n" * 30000 + f'gh = "{token}"\n').encode()
    matcher = matcher_for(PACK, "hyperscan")
    rescans = []
    capped = matcher._prefilter._prefilter_capped  # type: ignore[union-attr]

    def counting(text: bytes) -> object:
        rescans.append(len(text))
        return capped(text)

    matcher._prefilter._prefilter_capped = counting  # type: ignore[union-attr,method-assign]
    found = [(m.rule_id, m.line) for m in matcher.scan(content)]
    assert rescans == [len(content)]
    assert found == [(m.rule_id, m.line) for m in matcher_for(PACK, "python").scan(content)]
    assert ("github-pat", 30001) in found


ONE_RULE = """
[[rule]]
id = "zorp-key"
title = "Zorp key"
severity = "high"
keywords = ["zorp_"]
pattern = '''\\b(zorp_[A-Za-z0-9]{24})\\b'''
[rule.examples]
match = ['k = "zorp_Qm7rT2vK9pLx4NcW8hZ3bY6d"']
"""


def test_a_matcher_made_without_an_engine_uses_hyperscan_when_it_is_installed(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "zorp.toml"  # one rule: a database that compiles at once
    rules.write_text(ONE_RULE)
    matcher = Matcher(load_rules([rules]))
    assert matcher.engine == ("hyperscan" if hyperscan_available() else "python")
    secret = b"zorp_Qm7rT2vK9pLx4NcW8hZ3bY6d"
    assert [m.secret for m in matcher.scan(b"k = " + secret + b"\n")] == [secret]

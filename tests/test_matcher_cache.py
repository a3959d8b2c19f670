"""The on-disk cache of the compiled Hyperscan database and of the rules' regex analysis."""

from __future__ import annotations

import base64
import random
from pathlib import Path
from typing import Any

import pytest

from scanner import decoding, matching, pack_cache
from scanner.config import Config
from scanner.model import Match
from scanner.synthetic import make_token

pytestmark = pytest.mark.skipif(
    not matching.hyperscan_available(), reason="the cache holds Hyperscan databases"
)


def _every_example() -> bytes:
    pack = pack_cache.load_pack_cached(Config(), [])
    examples = [ex for rule in pack.rules for ex in (*rule.examples_match, *rule.examples_ignore)]
    return "\n\n".join(examples).encode("utf-8")


def _found(matches: list[Match]) -> list[tuple[str, bytes, int, int]]:
    return [(m.rule_id, m.secret, m.line, m.column) for m in matches]


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("LEAKWINDOW_NO_CACHE", raising=False)
    return tmp_path / "xdg" / "leakwindow"


def test_a_cached_matcher_is_not_compiled_again_and_finds_the_same(
    own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = pack_cache.load_pack_cached(Config(), [])
    content = _every_example()
    fresh = pack_cache.matcher_cached(pack, "hyperscan")
    assert len(list(own_cache.glob("prefilter-*.hsdb"))) == 1
    expected = _found(fresh.scan(content))
    assert len({rule_id for rule_id, *_ in expected}) > 200  # the content hits most rules

    def no_compiling(*args: Any) -> Any:
        raise AssertionError("compiled although the database is cached")

    monkeypatch.setattr(matching, "_compile", no_compiling)
    cached = pack_cache.matcher_cached(pack, "hyperscan")
    assert _found(cached.scan(content)) == expected


def test_a_cached_matcher_parses_no_pattern_while_scanning(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = pack_cache.load_pack_cached(Config(), [])
    content = _every_example()
    expected = _found(pack_cache.matcher_cached(pack, "hyperscan").scan(content))

    def no_parsing() -> Any:
        raise AssertionError("a pattern was parsed although its analysis is cached")

    cached = pack_cache.matcher_cached(pack, "hyperscan")
    monkeypatch.setattr(matching, "sre_parser", no_parsing)
    assert _found(cached.scan(content)) == expected
    # The check can fail: the same database without the saved analysis parses patterns.
    without = matching.Matcher(
        pack, engine="hyperscan", compiled_prefilter=cached.compiled_prefilter()
    )
    with pytest.raises(AssertionError, match="analysis"):
        without.scan(content)


def test_a_damaged_cache_file_is_compiled_again(own_cache: Path) -> None:
    pack = pack_cache.load_pack_cached(Config(), [])
    content = _every_example()
    expected = _found(pack_cache.matcher_cached(pack, "hyperscan").scan(content))
    (entry,) = own_cache.glob("prefilter-*.hsdb")
    for damage in (b"", b"not a cache entry", entry.read_bytes()[:1000]):
        entry.write_bytes(damage)
        assert _found(pack_cache.matcher_cached(pack, "hyperscan").scan(content)) == expected
    assert entry.read_bytes() not in (b"", b"not a cache entry")  # rewritten whole


def test_a_cached_matcher_reuses_the_keyword_forms_and_decodes_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pack = pack_cache.load_pack_cached(Config(), [])
    token = make_token("xai", random.Random(5))
    encoded = base64.b64encode(f"XAI_API_KEY={token}".encode()).decode()
    content = _every_example() + f"\ndata:\n  key: {encoded}\n".encode()
    fresh = pack_cache.matcher_cached(pack, "hyperscan")
    expected = _found_decoded(fresh.scan(content))
    assert "base64" in {decoded for *_, decoded in expected}

    def no_forms(keyword: bytes) -> list[bytes]:
        raise AssertionError("keyword forms worked out although they are cached")

    monkeypatch.setattr(decoding, "base64_forms", no_forms)
    cached = pack_cache.matcher_cached(pack, "hyperscan")
    assert cached.keyword_forms() == fresh.keyword_forms()
    assert _found_decoded(cached.scan(content)) == expected


def _found_decoded(matches: list[Match]) -> list[tuple[str, bytes, int, int, str | None]]:
    return [(m.rule_id, m.secret, m.line, m.column, m.decoded) for m in matches]

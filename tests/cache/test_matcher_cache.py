"""The on-disk cache of the compiled Hyperscan database and of the rules' regex analysis.

Compiling the whole pack takes seconds, so the module starts from the entry the run's own
cache holds for the built-in pack (compiled there once), copied alone into a directory of its
own, and records what the rules find (the Python engine, which needs no database). Each test
starts from a fresh cache directory holding a copy of that entry, and checks what it loads
(or, for a damaged file, compiles again) against those findings.
"""

from __future__ import annotations

import base64
import contextlib
import random
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from scanner.cache import rule_pack as pack_cache
from scanner.cache.keys import engine_identity, matcher_key
from scanner.demo import make_token
from scanner.detect import decoding, hs_screening, rule_shape
from scanner.detect.matcher import Matcher
from scanner.matches import Match
from scanner.rules.config import Config

pytestmark = pytest.mark.skipif(
    not hs_screening.hyperscan_available(), reason="the cache holds Hyperscan databases"
)


def _every_example() -> bytes:
    pack = pack_cache.load_pack_cached(Config(), [])
    examples = [ex for rule in pack.rules for ex in (*rule.examples_match, *rule.examples_ignore)]
    return "\n\n".join(examples).encode("utf-8")


def _with_an_encoded_key(content: bytes) -> bytes:
    token = make_token("xai", random.Random(5))
    encoded = base64.b64encode(f"XAI_API_KEY={token}".encode()).decode()
    return content + f"\ndata:\n  key: {encoded}\n".encode()


def _found(matches: list[Match]) -> list[tuple[str, bytes, int, int]]:
    return [(m.rule_id, m.secret, m.line, m.column) for m in matches]


def _found_decoded(matches: list[Match]) -> list[tuple[str, bytes, int, int, str | None]]:
    return [(m.rule_id, m.secret, m.line, m.column, m.decoded) for m in matches]


@dataclass(frozen=True)
class FreshCompile:
    """What a compile left in a cache directory, and what the rules find (the reference)."""

    directory: Path  # the cache directory holding what the compile wrote (copied, never used)
    content: bytes  # every rule example
    found: tuple[tuple[str, bytes, int, int], ...]
    content_encoded: bytes  # the same plus a base64-encoded key
    found_encoded: tuple[tuple[str, bytes, int, int, str | None], ...]
    keyword_forms: tuple[bytes, ...]


@pytest.fixture(scope="module")
def fresh_compile(tmp_path_factory: pytest.TempPathFactory) -> FreshCompile:
    """The entry the run's own cache holds for the built-in pack (compiled there once per
    process at most, by whichever test came first), copied alone into a directory of its own;
    what the rules find comes from the Python engine, which screens by keywords and compiles
    no database."""
    pack = pack_cache.load_pack_cached(Config(), [])
    name = f"prefilter-{matcher_key(pack.digest, engine_identity('hyperscan', True))[:40]}.hsdb"
    directory = tmp_path_factory.mktemp("fresh-compile") / "leakwindow"
    directory.mkdir(mode=0o700)
    for _ in range(3):  # (another worker may prune the run's cache in between: rare)
        pack_cache.matcher_cached(pack, "hyperscan")
        with contextlib.suppress(FileNotFoundError):
            shutil.copy2(pack_cache.cache_dir() / name, directory / name)
            break
    reference = Matcher(pack, engine="python")
    content = _every_example()
    return FreshCompile(
        directory=directory,
        content=content,
        found=tuple(_found(reference.scan(content))),
        content_encoded=_with_an_encoded_key(content),
        found_encoded=tuple(_found_decoded(reference.scan(_with_an_encoded_key(content)))),
        keyword_forms=tuple(reference.keyword_forms()),
    )


@pytest.fixture(autouse=True)
def own_cache(fresh_compile: FreshCompile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory for this test alone, holding a copy of the fresh compile's files."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("LEAKWINDOW_NO_CACHE", raising=False)
    directory = tmp_path / "xdg" / "leakwindow"
    shutil.copytree(fresh_compile.directory, directory)
    return directory


def test_a_cached_matcher_is_not_compiled_again_and_finds_the_same(
    fresh_compile: FreshCompile, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(list(own_cache.glob("prefilter-*.hsdb"))) == 1  # what the compile wrote
    expected = list(fresh_compile.found)
    assert len({rule_id for rule_id, *_ in expected}) > 200  # the content hits most rules

    def no_compiling(*args: Any) -> Any:
        raise AssertionError("compiled although the database is cached")

    monkeypatch.setattr(hs_screening, "_compile", no_compiling)
    pack = pack_cache.load_pack_cached(Config(), [])
    cached = pack_cache.matcher_cached(pack, "hyperscan")
    assert _found(cached.scan(fresh_compile.content)) == expected


def test_a_cached_matcher_parses_no_pattern_while_scanning(
    fresh_compile: FreshCompile, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = pack_cache.load_pack_cached(Config(), [])
    content = fresh_compile.content

    def no_parsing() -> Any:
        raise AssertionError("a pattern was parsed although its analysis is cached")

    cached = pack_cache.matcher_cached(pack, "hyperscan")
    rule_shape._shape_of_pattern.cache_clear()  # as in a new process: only the disk remembers
    monkeypatch.setattr(rule_shape, "sre_parser", no_parsing)
    assert _found(cached.scan(content)) == list(fresh_compile.found)
    # The check can fail: the same database without the saved analysis parses patterns.
    without = Matcher(pack, engine="hyperscan", compiled_prefilter=cached.compiled_prefilter())
    with pytest.raises(AssertionError, match="analysis"):
        without.scan(content)


def test_a_damaged_cache_file_is_compiled_again(
    fresh_compile: FreshCompile, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pack's first 40 rules: damage and recompile work alike for any pack, and each
    # compile of the whole pack costs seconds.
    whole = pack_cache.load_pack_cached(Config(), [])
    pack = replace(whole, rules=whole.rules[:40], digest=f"{whole.digest}:first-40")
    before = set(own_cache.glob("prefilter-*.hsdb"))
    expected = _found(pack_cache.matcher_cached(pack, "hyperscan").scan(fresh_compile.content))
    assert expected  # the content holds these rules' examples too
    (entry,) = set(own_cache.glob("prefilter-*.hsdb")) - before
    compiles: list[int] = []
    real_compile = hs_screening._compile

    def counted_compile(*args: Any) -> Any:
        compiles.append(1)
        return real_compile(*args)

    monkeypatch.setattr(hs_screening, "_compile", counted_compile)
    for damage in (b"", b"not a cache entry", entry.read_bytes()[:1000]):
        entry.write_bytes(damage)
        # (the built-in rules' own entry would serve the pack too: gone, only the damaged
        # one is left to load, or not)
        for shared in own_cache.glob("builtin-*.hsdb"):
            shared.unlink()
        compiles.clear()
        found = _found(pack_cache.matcher_cached(pack, "hyperscan").scan(fresh_compile.content))
        assert compiles, f"a damaged entry ({len(damage)} bytes) was used, not compiled again"
        assert found == expected
        assert entry.read_bytes() not in (b"", b"not a cache entry")  # rewritten whole
    compiles.clear()
    found = _found(pack_cache.matcher_cached(pack, "hyperscan").scan(fresh_compile.content))
    assert (compiles, found) == ([], expected)  # and it loads as it is


def test_a_saved_layout_of_other_rules_is_refused(fresh_compile: FreshCompile) -> None:
    """The saved screening layout names rules by index: loaded for a pack it does not fit
    (fewer rules), it is refused (the cache then compiles again), never used."""
    pack = pack_cache.load_pack_cached(Config(), [])
    compiled = pack_cache.matcher_cached(pack, "hyperscan").compiled_prefilter()
    assert compiled is not None
    smaller = replace(pack, rules=pack.rules[:50])
    with pytest.raises(ValueError, match="layout of other rules"):
        Matcher(smaller, engine="hyperscan", compiled_prefilter=compiled)


def test_a_cached_matcher_reuses_the_keyword_forms_and_decodes_the_same(
    fresh_compile: FreshCompile, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = pack_cache.load_pack_cached(Config(), [])
    expected = list(fresh_compile.found_encoded)
    assert "base64" in {decoded for *_, decoded in expected}

    def no_forms(keyword: bytes) -> list[bytes]:
        raise AssertionError("keyword forms worked out although they are cached")

    monkeypatch.setattr(decoding, "base64_forms", no_forms)
    cached = pack_cache.matcher_cached(pack, "hyperscan")
    assert tuple(cached.keyword_forms()) == fresh_compile.keyword_forms
    assert _found_decoded(cached.scan(fresh_compile.content_encoded)) == expected

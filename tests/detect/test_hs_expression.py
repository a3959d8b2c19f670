"""The Hyperscan screening expressions accept everything the rules' Python regexes accept.

`scanner.detect.hs_expression` rebuilds a rule's pattern for Hyperscan; the scanner then runs the
Python regex only on the lines where Hyperscan reported a hit. A hit missing at the end of a
real Python match would silently lose a finding, so every check here compares Hyperscan
against Python's own `re` on the same bytes:

- the translation's semantics, construct by construct (repeats, anchors, lookarounds, case
  scoping, byte classes, `.`), compiled exactly and as the scanner compiles it;
- a property test: random texts, a set of diverse patterns in one database, every Python
  match (found line by line, as the scanner runs it) has a Hyperscan hit at its end (or, for
  alternatives that all end in a lookahead, which the translation matches through the
  lookahead's text, a hit on the match's line);
- every built-in rule's match examples, inside surrounding text, with all rules in one database;
- the pinned build passes the regression probe and the matcher really screens by pattern;
- both engines give identical findings on real text with rule examples injected.
"""

from __future__ import annotations

import importlib.metadata
import random
import re
import sysconfig
from collections.abc import Iterable
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from hs_support import (
    compile_database,
    cuts_at_lookaheads,
    hyperscan_ends,
    python_ends,
    python_matches,
    screened_ends,
    unscreened,
    unscreened_across_lines,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st
from matcher_support import matcher_for

from scanner.detect.hs_expression import Untranslatable, screening_expression
from scanner.detect.hs_screening import (
    _KNOWN_REGRESSIONS,
    _screening_expression,
    screening_is_sound,
)
from scanner.detect.matcher import Matcher
from scanner.detect.rule_shape import rule_is_single_line
from scanner.rules.pack import Rule, load_rules

hyperscan = pytest.importorskip("hyperscan")

PACK = load_rules()

# Tests that rely on this Hyperscan build reporting every match (the scanner itself screens by
# keyword on a build that fails the regression probe, so there they would test nothing it uses).
needs_sound_build = pytest.mark.skipif(
    not screening_is_sound(), reason="this Hyperscan build fails the regression probe"
)


# --- helpers ---------------------------------------------------------------------------------


@cache
def exact_database(pattern: str) -> Any:
    """The translated expression anchored at both ends of the data, compiled exactly (no
    prefilter approximation): the language of the translation itself."""
    return compile_database([rf"\A(?:{screening_expression(pattern)})\z"], flags=0)


def hyperscan_fullmatches(pattern: str, text: bytes) -> bool:
    return bool(hyperscan_ends(exact_database(pattern), text))


def python_fullmatches(pattern: str, text: bytes) -> bool:
    return re.fullmatch(pattern.encode("utf-8"), text) is not None


def assert_same_language(pattern: str, texts: Iterable[bytes]) -> list[bool]:
    """Python and the translation agree on every text; returns Python's verdicts."""
    verdicts = []
    disagreements = []
    for text in texts:
        expected = python_fullmatches(pattern, text)
        if hyperscan_fullmatches(pattern, text) != expected:
            disagreements.append((text, expected))
        verdicts.append(expected)
    assert not disagreements, (
        f"{pattern!r} -> {screening_expression(pattern)!r} disagrees with Python on "
        f"(text, python verdict): {disagreements[:10]}"
    )
    return verdicts


def assert_screens(pattern: str, text: bytes) -> set[int]:
    """Every Python match (line by line) has a screening hit at its end, or on its line for a
    pattern cut at a lookahead; returns the matches' ends."""
    expected = python_ends(re.compile(pattern.encode("utf-8")), text)
    reported = screened_ends(pattern, text)
    if cuts_at_lookaheads(pattern):
        assert not unscreened(pattern, text, reported), (
            f"{pattern!r} -> {screening_expression(pattern)!r} on {text!r}: a Python match's "
            f"line has no hit (hits at {sorted(reported)})"
        )
        return expected
    assert expected <= reported, (
        f"{pattern!r} -> {screening_expression(pattern)!r} on {text!r}: Python matches end at "
        f"{sorted(expected)}, Hyperscan reported {sorted(reported)}"
    )
    return expected


def case_variants(word: str) -> list[str]:
    return ["".join(chars) for chars in product(*({c.lower(), c.upper()} for c in word))]


# --- 1. the translation, construct by construct ------------------------------------------------


def test_open_lower_bound_repeat_is_zero_to_n_as_in_python() -> None:
    pattern = r"xa{,3}y"
    texts = [b"x" + b"a" * count + b"y" for count in range(6)] + [b"xa{,3}y", b"x{,3}y"]
    verdicts = assert_same_language(pattern, texts)
    # Python reads `{,3}` as {0,3}: "xy" to "xaaay" match, longer runs and the literal don't.
    assert verdicts == [True, True, True, True, False, False, False, False]
    text = b'key = "xy"\nkey = "xaaay"'
    assert assert_screens(pattern, text) == {text.index(b"xy") + 2, text.index(b"xaaay") + 5}
    assert_same_language(r"[0-9]{,2}:[a-f]{1,}", [b":a", b"1:b", b"12:c", b"123:d", b"12:"])


def test_end_of_string_anchor_is_dropped_and_still_matches_every_line_end() -> None:
    pattern = r"tok_[a-z]{3}\Z"
    text = b"tok_abc\n  x = tok_def\ntok_ghi q"
    # The regex runs on one line at a time, where \Z holds at each line's end.
    ends = assert_screens(pattern, text)
    assert ends == {text.index(b"tok_abc") + 7, text.index(b"tok_def") + 7}
    assert "\\Z" not in screening_expression(pattern)


def test_beginning_of_string_anchor_is_dropped() -> None:
    pattern = r"\Atok_[a-z]{3}"
    assert "\\A" not in screening_expression(pattern)
    assert assert_screens(pattern, b"tok_abc = 1\nother") == {7}
    # Dropped, not kept as Hyperscan's own \A: a decoded span or a later chunk may start anywhere.
    assert 13 in screened_ends(pattern, b"x = 1\ntok_abc")


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"(?<=key=)\w{4,}", b"key=abcd\nxkey=efgh1 ykey=zz"),
        (r"(?<![A-Za-z0-9])sk_[0-9a-f]{6}(?![0-9a-f])", b'x = "sk_0123ab"\n(sk_abcdef)'),
        (r"token(?=\s*[:=])", b"token = 1\ntoken\t: 2\ntokens"),
        (r"(?<!_)secret(?!_)", b"a secret\n_secret secret_ (secret)"),
        (r"\bkey\b(?=[\"'])", b'key\'x\n"key"\n'),
    ],
)
def test_lookarounds_are_dropped_and_python_matches_are_still_screened(
    pattern: str, text: bytes
) -> None:
    expression = screening_expression(pattern)
    assert "(?=" not in expression and "(?!" not in expression and "(?<" not in expression
    assert assert_screens(pattern, text), "the text should hold a Python match"


def test_global_case_insensitivity_applies_to_the_whole_pattern() -> None:
    pattern = r"(?i)api_key=[a-c]{2}"
    words = case_variants("api_key")
    texts = [f"{word}={tail}".encode() for word in words for tail in ("ab", "Cb", "BC")]
    assert all(assert_same_language(pattern, texts))
    assert assert_same_language(pattern, [b"api_kez=ab", b"API_KEY=ad"]) == [False, False]
    assert_screens(pattern, b'  "API_Key=bC",\nAPI_KEY=CC')


def test_local_case_insensitivity_applies_only_inside_its_group() -> None:
    pattern = r"(?i:tok)=[a-c]x"
    texts = [f"{word}={tail}".encode() for word in case_variants("tok") for tail in ("ax", "Ax")]
    verdicts = assert_same_language(pattern, texts)
    # Every case of "tok" is accepted, but only the lowercase class and literal after it.
    assert verdicts == [tail == "ax" for _ in case_variants("tok") for tail in ("ax", "Ax")]
    assert_screens(pattern, b"TOK=bx TOK=Bx\n\tToK=cx")


def test_case_sensitive_group_inside_a_case_insensitive_pattern() -> None:
    pattern = r"(?i)tok(?-i:en)=[a-c]"
    variants = case_variants("token")
    texts = [f"{word}=B".encode() for word in variants]
    verdicts = assert_same_language(pattern, texts)
    assert verdicts == [word.endswith("en") for word in variants]
    assert_same_language(r"(?i)k(?-i:[a-c](?i:x))", [b"Kax", b"KaX", b"KAx", b"kbX", b"kBX"])
    assert_screens(pattern, b'TOKen=C\nTOKEN=c toKen=a"')


@pytest.mark.parametrize(
    "pattern",
    [
        r"\s",
        r"\S",
        r"\w",
        r"\W",
        r"\d",
        r"\D",
        r"[^\s]",
        r"[\S\d]",
        r"[^\w-]",
        r"[\W_]",
        r"[^\D]",
        r"(?i)[^\W\d]",
        r"(?i)[Z-a]",
        r"(?i)[^k]",
        r"[^\x00-\x08\x0e-\x1f]",
    ],
)
def test_classes_have_pythons_bytes_meanings_for_every_byte(pattern: str) -> None:
    verdicts = assert_same_language(pattern, [bytes([value]) for value in range(256)])
    assert any(verdicts) and not all(verdicts)


def test_vertical_tab_and_form_feed_are_whitespace_in_both() -> None:
    for pattern in (r"a\sb", r"a[\s]b"):
        for text in (b"a\x0bb", b"a\x0cb", b"a\rb"):
            assert python_fullmatches(pattern, text)
            assert hyperscan_fullmatches(pattern, text)
            assert_screens(pattern, b"key " + text)
    assert not python_fullmatches(r"a\Sb", b"a\x0bb")
    assert not hyperscan_fullmatches(r"a\Sb", b"a\x0bb")


def test_dot_crosses_a_newline_only_under_dotall() -> None:
    texts = [b"a\nb", b"axb", b"a\rb", b"a\x00b", b"ab"]
    assert assert_same_language(r"a.b", texts) == [False, True, True, True, False]
    assert assert_same_language(r"(?s)a.b", texts) == [True, True, True, True, False]
    assert assert_same_language(r"(?s:a.)b", texts) == [True, True, True, True, False]
    assert assert_same_language(r"(?s)a(?-s:.)b", texts) == [False, True, True, True, False]
    assert assert_same_language(r"x(?s:a.)b.", [b"xa\nb\n", b"xa\nbb"]) == [False, True]


def test_alternatives_ending_in_lookaheads_are_screened_on_the_matched_line() -> None:
    pattern = r"key=(?:(?=[0-9a-f]{8})|(?=x{4}))\w{3}"
    assert cuts_at_lookaheads(pattern)
    assert not cuts_at_lookaheads(r"key=(?:(?=[0-9a-f]{8})|x)\w{3}")
    text = b"key=0a1b2c3d\n  key=xxxxy 'key=abc'\nx key=12abcd99"
    assert len(python_matches(re.compile(pattern.encode()), text)) == 3
    assert not unscreened(pattern, text, screened_ends(pattern, text))


def test_a_lookahead_that_ends_the_pattern_is_screened_as_matched_text() -> None:
    # What must follow the match is often its most selective part (a JSON Web Key's `"d"`
    # member is only known for one by the `kty` after it): screened, not dropped.
    pattern = r"""["']d["']:\s*["']([\w-]{8,})["'](?=[^{}]{0,100}?kty)"""
    assert cuts_at_lookaheads(pattern)
    text = b'{"d": "abcdefgh12", "kty": "oct"}\n{"d": "abcdefgh12", "alg": "x"}\n'
    reported = screened_ends(pattern, text)
    assert not unscreened(pattern, text, reported)
    second_line = text.index(b"\n") + 1
    assert reported and all(end < second_line for end in reported)  # no `kty`: no hit


@pytest.mark.parametrize(
    "pattern",
    [
        r"(\w)\1",
        r"(?P<quote>[\"'])\w{8}(?P=quote)",
        r"(<)?key(?(1)>|=)",
        r"(?i)(a)b\1",
    ],
)
def test_backreferences_and_conditionals_are_untranslatable(pattern: str) -> None:
    with pytest.raises(Untranslatable):
        screening_expression(pattern)


def test_possessive_lazy_and_atomic_repeats_are_widened_not_narrowed() -> None:
    for pattern, text in [
        (r"k=\w*+;", b"k=ab;\nk=;"),
        (r"k=(?>\w+)", b"k=abc k=d"),
        (r"k=\w+?;", b"k=ab; k=c;"),
        (r"k=[ab]{2,1500}", b"k=" + b"ab" * 800),  # a bound past the translator's limit
    ]:
        assert assert_screens(pattern, text), pattern


# --- 2. property: random texts, diverse patterns in one database -------------------------------

PROPERTY_SAMPLES: dict[str, str] = {
    r"""(?i)(?:api|secret)_?key\s*[:=]\s*["']?([a-z0-9_]{4,})["']?""": "API_KEY = 'ab_12'",
    r"""\b[A-Z]{2}\d{2,}\b""": "x KE19 y",
    r"""(?<![\w])key\s{,2}=\s{,2}(\w{3,8})(?!\w)""": "key =  a_1",
    r"""["']([^"'\s]{3,})["']""": "x = 'to:k'",
    r"""^\s*(\w+)\s*:""": "\t token :",
    r"""(?i:token)=(?-i:[a-z]+)""": "TOKEN=ab",
    r"""[^\s=:]{2,}=\S+$""": "ab=c'd",
    r"""\w+\Z""": "x = key",
    r"""\A\s+\w""": "  k",
    r"""(?:ab|ba|a\tb)+?=""": "a\tbab=",
    r"""\d{,3}[:_]\d""": "019_1",
    r"""(?s:k.y)""": "k\ty",
    r"""[a-z]+(?=[0-9])""": "key9",
    r"""\Bey\b""": "key ",
    r"""(?i)s(?:e|3)cret[^\n]{0,10}["]""": 'SECRET = "',
    r"""(?x) key [ \t]* = [ \t]* (?P<v> ["'] \w* ["'])""": 'key\t= "x"',
    r"""\([ \t]{0,4}["][A-Z]{0,40}SECRET""": '( "KSECRET',
    r"""(?i)\b(?:tok|key)_?[a-z0-9]{2}\b(?:\s*[:=]\s*["'][^"'\n]{2,}["'])?""": "TOK_a1 = 'x'",
    r"""(?:[a-z]{2}|\d{2})(?::\d)?(?:_[A-Z]+)*""": "ab:1_KEY",
    r"""[\t ]{2,}[(]""": "\t (",
    # Alternatives that all end in a lookahead: screened through the lookaheads' text.
    r"""(?:key\s*=\s*(?=[0-9a-f]{4})|\b(?=tok_\w))\w{2,3}""": "key = 09ab",
    r"""(?i)(?:secret(?=\s*[:=])|token(?=[=:]))\s*[:=]\s*(\w+)""": "SECRET : abc",
}
PROPERTY_PATTERNS = list(PROPERTY_SAMPLES)
ALL_SAMPLES = "\n".join(PROPERTY_SAMPLES.values())
ALPHABET = "abcekinorsty" + "ACEKRSTY" + "0129" + "\"' \t\n\r=:_()"
FRAGMENTS = ["key", "KEY", "token", "TOKEN", "secret", "SECRET", "api_key", "tok_", "ey", "(\t"]


@cache
def property_database() -> Any:
    return compile_database([screening_expression(pattern) for pattern in PROPERTY_PATTERNS])


@cache
def property_regexes() -> list[re.Pattern[bytes]]:
    return [re.compile(pattern.encode("utf-8")) for pattern in PROPERTY_PATTERNS]


def assert_every_python_match_is_screened(text: bytes) -> list[int]:
    """Checks every property pattern on the text; returns each one's number of Python matches."""
    reported = hyperscan_ends(property_database(), text)
    counts = []
    for index, (pattern, regex) in enumerate(
        zip(PROPERTY_PATTERNS, property_regexes(), strict=True)
    ):
        missed = unscreened(pattern, text, reported.get(index, set()))
        assert not missed, (
            f"{pattern!r} -> {screening_expression(pattern)!r} on {text!r}: no Hyperscan hit "
            f"for Python matches (end, line start, line end) {missed}"
        )
        counts.append(len(python_matches(regex, text)))
    return counts


def test_every_property_pattern_matches_its_sample() -> None:
    """The property test's patterns are live: each matches (in Python, line by line) in its
    sample, and the sample's matches are screened."""
    dead = []
    for index, sample in enumerate(PROPERTY_SAMPLES.values()):
        if not assert_every_python_match_is_screened(sample.encode())[index]:
            dead.append(PROPERTY_PATTERNS[index])
    assert not dead


texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(list(ALPHABET))), max_size=60
).map("".join)


@needs_sound_build
@settings(max_examples=300, deadline=None)
@example(ALL_SAMPLES)
@example('import os\n\ndefine("SECRET_KEY", "x");')
@given(texts)
def test_every_python_match_has_a_hyperscan_hit_at_its_end(text: str) -> None:
    assert_every_python_match_is_screened(text.encode("utf-8"))


# --- 3. every built-in rule's examples, all rules in one database ------------------------------

TRANSLATED: dict[str, str] = {}
for _rule in PACK.rules:
    _expression = _screening_expression(_rule)
    if _expression is not None:
        TRANSLATED[_rule.id] = _expression
TRANSLATED_IDS = list(TRANSLATED)

# The known Vectorscan bug depended on what came before the match: vary it.
CONTEXTS: list[tuple[str, str]] = [
    ("", ""),
    ("import os\n\n", "\n"),
    ('import os\n\ndefine("X", 1);\n( \t"', '");\n'),
    ("config = {\n    'name': 'app',\n    'key': (\t", "),\n}\n"),
    ("print(\"a\", 'b')\n\n    \t  ", "\t# trailing ( \" '\n"),
]


@pytest.fixture(scope="module")
def rules_database() -> Any:
    """Every translated rule expression in one database, as the scanner builds it."""
    return compile_database([TRANSLATED[rule_id] for rule_id in TRANSLATED_IDS])


def test_nearly_every_single_line_rule_is_translated() -> None:
    single_line = [rule for rule in PACK.rules if rule_is_single_line(rule)]
    assert single_line
    untranslated = [rule.id for rule in single_line if rule.id not in TRANSLATED]
    assert len(single_line) - len(untranslated) >= 0.9 * len(single_line), (
        f"{len(untranslated)} of {len(single_line)} single-line rules are not translated: "
        f"{untranslated}"
    )


def rule_by_id(rule_id: str) -> Rule:
    return PACK.by_id[rule_id]


@needs_sound_build
@pytest.mark.parametrize("rule_id", TRANSLATED_IDS)
def test_rule_examples_in_context_are_screened(rules_database: Any, rule_id: str) -> None:
    rule = rule_by_id(rule_id)
    expression_id = TRANSLATED_IDS.index(rule_id)
    single_line = rule_is_single_line(rule)
    for example_text in rule.examples_match:
        matches = 0
        for before, after in CONTEXTS:
            content = (before + example_text + after).encode("utf-8")
            reported = hyperscan_ends(rules_database, content).get(expression_id, set())
            if single_line:
                missed: list[Any] = unscreened(rule.pattern, content, reported)
                matches += len(python_matches(rule.regex, content))
            else:
                missed = unscreened_across_lines(rule.pattern, content, reported)
                matches += len(rule.regex.findall(content))
            assert not missed, (
                f"{rule_id}: {TRANSLATED[rule_id]!r} on {content!r} has no hit for Python "
                f"matches {missed} (reported {sorted(reported)})"
            )
        assert matches, f"{rule_id}: example {example_text!r} never matched its regex"


# --- 4. the pinned build is sound and the matcher screens by pattern ---------------------------


def test_regression_probe_expects_what_python_finds() -> None:
    for pattern, text, end in _KNOWN_REGRESSIONS:
        assert end in {m.end() for m in re.finditer(pattern.encode("utf-8"), text)}


def test_pinned_hyperscan_build_passes_the_regression_probe() -> None:
    version = importlib.metadata.version("hyperscan")
    release = tuple(int(part) for part in re.findall(r"\d+", version)[:3])
    if release >= (0, 7, 23):  # pyproject pins <0.7.23 except on Python 3.14+
        pytest.skip(f"hyperscan {version} is past the pinned range (Vectorscan 5.4.12)")
    assert screening_is_sound()


@pytest.fixture(scope="module")
def hyperscan_matcher() -> Matcher:
    return matcher_for(PACK, "hyperscan")


@pytest.fixture(scope="module")
def python_matcher() -> Matcher:
    return Matcher(PACK, engine="python")


@needs_sound_build
def test_hyperscan_matcher_screens_translated_rules_by_pattern(
    hyperscan_matcher: Matcher,
) -> None:
    prefilter: Any = hyperscan_matcher._prefilter
    # Rules bound to credential files are read by name, never screened: the screen's rule
    # numbers count the others.
    screened = [rule for rule in PACK.rules if not rule.files]
    translated = {index for index, rule in enumerate(screened) if rule.id in TRANSLATED}
    single_line = {index for index in translated if rule_is_single_line(screened[index])}
    assert single_line and translated - single_line
    # Every translated rule, single-line or not, is screened by its pattern alone (none was
    # dropped back to keyword screening by a failed compile).
    assert set(prefilter._pattern_rules) == translated


def test_screening_by_pattern_can_be_turned_off() -> None:
    prefilter: Any = Matcher(PACK, engine="hyperscan", screen_patterns=False)._prefilter
    assert prefilter.name == "hyperscan"
    assert not prefilter._pattern_rules


# --- 5. both engines agree on real text with examples injected --------------------------------

QUOTING: list[tuple[str, str]] = [
    ("", ""),
    ('x = "', '"'),
    ("value = '", "'"),
    ("# ", ""),
    ('call(\t"', '")'),
    ('"key": "', '",'),
    ("(", ")"),
    ("export ", ""),
]


def stdlib_files(count: int, rng: random.Random) -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    candidates = sorted(
        path
        for path in stdlib.rglob("*.py")
        if not {"site-packages", "dist-packages"} & set(path.parts)
        and path.stat().st_size <= 100_000
    )
    return rng.sample(candidates, min(count, len(candidates)))


def inject(
    content: bytes, rng: random.Random, examples: list[tuple[str, str]]
) -> tuple[bytes, set[str]]:
    """The content with a few examples on new lines, indented and quoted; and their rule ids."""
    lines = content.split(b"\n")
    rule_ids = set()
    for _ in range(rng.randint(1, 4)):
        rule_id, example_text = rng.choice(examples)
        before, after = rng.choice(QUOTING)
        indent = rng.choice(["", "    ", "\t", "  \t", "        "])
        lines.insert(rng.randint(0, len(lines)), f"{indent}{before}{example_text}{after}".encode())
        rule_ids.add(rule_id)
    return b"\n".join(lines), rule_ids


def test_both_engines_find_the_same_in_real_files_with_injected_examples(
    python_matcher: Matcher, hyperscan_matcher: Matcher
) -> None:
    rng = random.Random(7)
    examples = [(rule.id, text) for rule in PACK.rules for text in rule.examples_match]
    files = stdlib_files(150, rng)
    assert len(files) >= 100
    differences = []
    injected: set[str] = set()
    found: set[str] = set()
    for path in files:
        content, rule_ids = inject(path.read_bytes(), rng, examples)
        injected |= rule_ids
        by_python = python_matcher.scan(content, path=path.name)
        by_hyperscan = hyperscan_matcher.scan(content, path=path.name)
        if [(m, m.offset) for m in by_python] != [(m, m.offset) for m in by_hyperscan]:
            only_python = [m for m in by_python if m not in by_hyperscan]
            only_hyperscan = [m for m in by_hyperscan if m not in by_python]
            differences.append((str(path), only_python[:3], only_hyperscan[:3]))
        found.update(m.rule_id for m in by_python)
    assert not differences, differences[:5]
    # Most injected examples survive their quoting and are found: real matches were compared.
    assert 4 * len(found & injected) >= 3 * len(injected), sorted(injected - found)

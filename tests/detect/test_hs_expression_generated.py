"""Generated patterns: whatever regex a rule author writes, the screen misses none of its matches.

The property test in test_hs_expression.py runs random texts against a fixed set of patterns, so
a construct that no pattern there uses is never checked. Here Hypothesis builds the patterns
too, from the constructs Python's `re` offers (literals, classes, dot, groups, alternatives,
counted, lazy and possessive repeats, atomic groups, scoped and global flags, anchors at the
ends, word boundaries, lookarounds), together with a text made to contain a match. The
pattern's screening expression, compiled as the scanner compiles it, must report a hit at the
end of every match Python finds, line by line (a single-line rule) and over the whole text (a
multi-line one). A run of 3,000 examples with patterns nested one level deeper found nothing.
"""

from __future__ import annotations

import re
import sys

import pytest
from hs_support import (
    compile_database,
    hyperscan_ends,
    python_matches,
    unscreened,
    unscreened_across_lines,
)
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from scanner.detect.hs_expression import Untranslatable, screening_expression
from scanner.detect.hs_screening import screening_is_sound

hyperscan = pytest.importorskip("hyperscan")

ENHANCED_REPEATS = sys.version_info >= (3, 11)  # possessive repeats and atomic groups

# (pattern, the bytes it may stand for). Bytes above 0x7f are in the texts so that negated
# classes and \W, \S are checked on them too.
LITERALS = list("akeyKEY09_-=:/.\"' \t")
CLASSES: list[tuple[str, bytes]] = [
    (r"\d", b"0579"),
    (r"\D", b"a_ \xc3"),
    (r"\w", b"aZ0_"),
    (r"\W", b" -=\t\n\xff"),
    (r"\s", b" \t\n\r\x0b\x0c"),
    (r"\S", b"a0=\xc3"),
    (r"[a-z]", b"aky"),
    (r"[A-Z0-9_]", b"K0_"),
    (r"[0-9a-fA-F]", b"09afAF"),
    (r"[^\s\"']", b"a=\xff"),
    (r"[^=\n]", b"ab \t"),
    (r"[-_.]", b"-_."),
    (r"[\w/+=-]", b"a/+=-"),
    (".", b"a =\xc3"),
]
BOUNDARIES = [r"\b", r"\B"]
# Line and text anchors only where rules put them, at the ends (Hyperscan refuses them inside a
# pattern, and the scanner then screens that rule by keyword).
STARTS = ["", "", "", "^", r"\A"]
ENDS = ["", "", "", "$", r"\Z"]
QUANTIFIERS: list[tuple[str, int, int]] = [
    ("?", 0, 1),
    ("*", 0, 3),
    ("+", 1, 3),
    ("{2}", 2, 2),
    ("{1,3}", 1, 3),
    ("{,2}", 0, 2),
    ("{2,}", 2, 4),
]
# Counts around the bound above which the translation widens a repeat: on one class at the top
# level only (nested in other repeats, they make databases that take seconds to compile).
WIDE_QUANTIFIERS: list[tuple[str, int, int]] = [
    ("{0,120}", 0, 3),
    ("{101}", 101, 101),
    ("{99,102}", 99, 100),
]
GLOBAL_FLAGS = ["", "", "(?i)", "(?s)", "(?m)", "(?is)"]
TEXT_BYTES = b"akeyKEY09_-=:/.\"' \t\n\xc3\xa9\xff"

Case = tuple[str, bytes]


@st.composite
def pieces(draw: st.DrawFn, depth: int) -> Case:
    """One construct: its pattern and a sample of what it matches."""
    kinds = ["literal", "class", "class", "anchor"] + (["wide"] if depth == 0 else [])
    if depth < 2:
        kinds += ["group", "alternatives", "repeat", "repeat", "case", "lookahead", "lookbehind"]
        if ENHANCED_REPEATS:
            kinds.append("atomic")
    kind = draw(st.sampled_from(kinds))
    if kind == "literal":
        char = draw(st.sampled_from(LITERALS))
        return re.escape(char), char.encode()
    if kind == "class":
        pattern, chars = draw(st.sampled_from(CLASSES))
        return pattern, bytes([draw(st.sampled_from(list(chars)))])
    if kind == "anchor":
        return draw(st.sampled_from(BOUNDARIES)), b""
    if kind == "wide":
        pattern, chars = draw(st.sampled_from(CLASSES))
        quantifier, low, high = draw(st.sampled_from(WIDE_QUANTIFIERS))
        return pattern + quantifier, bytes([chars[0]]) * draw(st.integers(low, high))
    inner, sample = draw(sequences(depth + 1))
    if kind == "group":
        return draw(st.sampled_from(["(?:{})", "({})"])).format(inner), sample
    if kind == "alternatives":
        others = draw(st.lists(sequences(depth + 1), min_size=1, max_size=2))
        branches = [(inner, sample), *others]
        chosen = draw(st.sampled_from(branches))
        return "(?:" + "|".join(branch for branch, _ in branches) + ")", chosen[1]
    if kind == "repeat":
        quantifier, low, high = draw(st.sampled_from(QUANTIFIERS))
        modes = ["", "?", "+"] if ENHANCED_REPEATS else ["", "?"]
        mode = draw(st.sampled_from(modes))
        count = draw(st.integers(low, high))
        return f"(?:{inner}){quantifier}{mode}", sample * count
    if kind == "case":
        flip = draw(st.booleans())
        return f"(?i:{inner})", sample.swapcase() if flip else sample
    if kind == "atomic":
        return f"(?>{inner})", sample
    if kind == "lookahead":
        positive = draw(st.booleans())
        # A positive lookahead's text usually follows in the sample: what it looks at.
        return (f"(?={inner})", sample) if positive else (f"(?!{inner})", b"")
    # Lookbehinds must have a fixed width: one literal or class.
    pattern, chars = draw(st.sampled_from([*CLASSES[:9], (re.escape("="), b"=")]))
    negative = draw(st.booleans())
    return (f"(?<!{pattern})" if negative else f"(?<={pattern})"), b""


@st.composite
def sequences(draw: st.DrawFn, depth: int) -> Case:
    parts = draw(st.lists(pieces(depth), min_size=1, max_size=3))
    return "".join(pattern for pattern, _ in parts), b"".join(sample for _, sample in parts)


def _screened(case: tuple[str, bytes]) -> bool:
    """The scanner screens this pattern by its expression, and Python finds a match in the text
    (otherwise the example checks nothing)."""
    pattern, text = case
    try:
        regex = re.compile(pattern.encode())
        expression = screening_expression(pattern)
        compile_database([expression])
    except (Untranslatable, re.error, hyperscan.error):
        return False  # the scanner screens such a rule by its keywords instead
    return bool(python_matches(regex, text)) or bool(regex.search(text))


@st.composite
def generated(draw: st.DrawFn) -> Case:
    flags = draw(st.sampled_from(GLOBAL_FLAGS))
    body, sample = draw(sequences(0))
    around = st.binary(max_size=12).map(lambda noise: bytes(TEXT_BYTES[b % 20] for b in noise))
    text = draw(around) + sample + draw(around)
    return flags + draw(st.sampled_from(STARTS)) + body + draw(st.sampled_from(ENDS)), text


@pytest.mark.skipif(not screening_is_sound(), reason="this Hyperscan build fails the probe")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@example(("(?i)key(?-i:[A-Z]{2})", b"KEYAB kEyab"))
@example(("(?:a|b(?=\\d))+?=", b"ab0="))
@example(("(?:\\w){0,120}x", b"a" * 130 + b"x"))
@given(generated().filter(_screened))
def test_every_python_match_of_a_generated_pattern_is_screened(case: tuple[str, bytes]) -> None:
    pattern, text = case
    reported: set[int] = hyperscan_ends(
        compile_database([screening_expression(pattern)]), text
    ).get(0, set())
    lines = unscreened(pattern, text, reported)
    assert not lines, (
        f"{pattern!r} -> {screening_expression(pattern)!r} on {text!r}: no hit for the Python "
        f"matches (end, line start, line end) {lines}; hits at {sorted(reported)}"
    )
    whole = unscreened_across_lines(pattern, text, reported)
    assert not whole, (
        f"{pattern!r} -> {screening_expression(pattern)!r} on {text!r}: no hit for the Python "
        f"matches over the whole text ending at {whole}; hits at {sorted(reported)}"
    )
    event(f"python matches: {min(len(python_matches(re.compile(pattern.encode()), text)), 3)}")

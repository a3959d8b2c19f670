"""Encoded spans are decoded (bounded) and scanned; look-alikes are left alone."""

from __future__ import annotations

import base64
import functools
import random
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from matcher_support import matcher_for

from scanner.demo import make_token
from scanner.detect.budget import BlobTimedOut, Deadline
from scanner.detect.decoding import (
    MAX_DECODED_PER_BLOB,
    MAX_SPAN,
    DecodedSpan,
    KeywordForms,
    base64_runs,
    encoded_spans,
    percent_runs,
)
from scanner.detect.matcher import Matcher
from scanner.rules.pack import load_rules

PACK = load_rules()
FORMS = KeywordForms.of_keywords(kw.encode() for rule in PACK.rules for kw in rule.keywords)
TOKEN = make_token("xai", random.Random(11))


@functools.cache
def _matcher() -> Matcher:
    """Made on first use, not while pytest collects (every xdist worker collects)."""
    return matcher_for(PACK)


def test_base64_value_is_decoded_and_found() -> None:
    encoded = base64.b64encode(f"XAI_API_KEY={TOKEN}".encode()).decode()
    (match,) = _matcher().scan(f"data:\n  key: {encoded}\n".encode())
    assert match.secret == TOKEN.encode()
    assert match.decoded == "base64"
    assert (match.line, match.column) == (2, 8)


def test_base64url_value_is_decoded() -> None:
    encoded = base64.urlsafe_b64encode(f"{TOKEN}??>>".encode()).decode()
    assert any(m.decoded == "base64" for m in _matcher().scan(encoded.encode()))


def test_percent_encoded_value_is_decoded() -> None:
    text = "https://example.test/cb?key=" + quote(TOKEN, safe="").replace("-", "%2D") + "%26x%3D1"
    (match,) = _matcher().scan(text.encode())
    assert match.decoded == "percent"
    assert match.secret == TOKEN.encode()


def test_nested_encodings_are_found_within_depth() -> None:
    once = base64.b64encode(f"k={TOKEN}".encode()).decode()
    nested = "https://example.test/cb?cfg=" + quote(f"a={once}&b=1", safe="")
    (match,) = _matcher().scan(nested.encode())
    assert match.secret == TOKEN.encode()


def test_base64_span_without_a_keyword_form_is_not_decoded() -> None:
    unrelated = base64.b64encode(
        b"the quick brown fox jumps over the lazy dog, twice over"
    ).decode()
    assert list(encoded_spans(unrelated.encode(), FORMS)) == []


def test_secret_in_clear_and_encoded_is_reported_once_in_clear() -> None:
    encoded = base64.b64encode(f"k={TOKEN}".encode()).decode()
    matches = _matcher().scan(f"a = '{TOKEN}'\nb = '{encoded}'\n".encode())
    assert [(m.line, m.decoded) for m in matches] == [(1, None)]


def test_binary_looking_and_oversized_spans_are_skipped() -> None:
    noise = base64.b64encode(bytes(range(256)) * 4).decode()
    assert list(encoded_spans(noise.encode(), FORMS)) == []
    huge = base64.b64encode(f"k={TOKEN}".encode() + b" " * (MAX_SPAN * 2)).decode()
    assert _matcher().scan(huge.encode()) == []


def test_decoding_can_be_switched_off() -> None:
    encoded = base64.b64encode(f"k={TOKEN}".encode()).decode()
    assert _matcher().scan(encoded.encode(), decode=False) == []


RUN_CASES = [
    base64.b64encode(b"XAI_API_KEY=abcdefghijklmnop") + b"\nxyz",  # at the start; text after
    b"k: " + base64.b64encode(b"XAI_API_KEY=abcdefghijklmnopq") + b" x",  # inside a line
    b"xyz\n" + b"Ab" * 10,  # at the very end
    b"a AbAbAbAbAbAbAbAbAbA b",  # 19 characters: too short
    b"a " + b"Ab" * 10 + b"= b",  # one padding character
    b"a " + b"Ab" * 10 + b"== b",  # two
    b"a " + b"Ab" * 10 + b"=== b",  # three: not base64
    b"a " + b"Ab" * 10 + b"==A b",  # a character after the padding
    b"a " + b"-_" * 15 + b" b",  # base64url alphabet
    b"x" * (MAX_SPAN + 1),  # too long
]


def _offsets(start: int, end: int) -> list[int]:
    """Every offset of a short stretch; of a long one (the too-long case is over 16 KiB, and each
    lookup reads the whole run) both ends and every 61st, which still crosses every kind of
    position in it."""
    if end - start <= 2048:
        return list(range(start, end))
    return sorted({*range(start, start + 512), *range(start, end, 61), *range(end - 512, end)})


@pytest.mark.parametrize("content", RUN_CASES, ids=range(len(RUN_CASES)))
def test_a_run_found_around_any_offset_in_it_is_the_run_the_full_search_finds(
    content: bytes,
) -> None:
    """Hyperscan reports where a keyword's base64 form ends; the run is rebuilt from there and
    must be exactly the one a full regex search over the content finds."""
    full = base64_runs(content)
    for start, end in full:
        body_end = end - (content[start:end].count(b"=") if content[end - 1] == 0x3D else 0)
        for offset in _offsets(start, body_end):  # Hyperscan reports offsets in the body
            assert base64_runs(content, [offset]) == [(start, end)], offset
    inside = {offset for start, end in full for offset in range(start, end)}
    for offset in set(_offsets(0, len(content))) - inside:
        found = base64_runs(content, [offset])
        assert found == [] or found[0] in full, offset


def test_percent_runs_are_found_in_the_content_itself_when_no_screen_gave_hints() -> None:
    """Nested spans and the Python engine have no screen positions: every `%2F`, `%2f`, `%40`
    … is found by the scan itself, the first one at offset 0 and each repeat of a hint."""
    content = (
        b"%2Fetc%2Fpasswd x https://a.test/?next=%2fhome%2Fdana y"
        b" mail=dana%40example.test z a%2Fb%2Fc%2Fd"
    )
    assert [content[start:end] for start, end in percent_runs(content)] == [
        b"%2Fetc%2Fpasswd",
        b"https://a.test/?next=%2fhome%2Fdana",
        b"mail=dana%40example.test",
        b"a%2Fb%2Fc%2Fd",
    ]


def test_the_python_engine_decodes_every_percent_encoded_key() -> None:
    other = make_token("xai", random.Random(12))
    content = (
        quote(f"k={TOKEN}&x=1", safe="") + " then " + quote(f"k={other}&x=2", safe="")
    ).encode()
    found = matcher_for(PACK, engine="python").scan(content)
    assert sorted((m.secret, m.decoded) for m in found) == sorted(
        [(TOKEN.encode(), "percent"), (other.encode(), "percent")]
    )


@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
@pytest.mark.parametrize("filler", ["", "???", "??>"])  # "/" or "_"; "+" or "-"
def test_base64_values_of_every_length_decode_in_full(
    encode: Callable[[bytes], bytes], filler: str
) -> None:
    for pad in range(12):  # every length modulo 4 and 5, padded or not
        text = f"k={TOKEN} {filler * 3}".encode() + b"W" * pad  # "WWW" encodes as "V1dX"
        content = b"value: " + encode(text) + b"\n"
        assert [span.text for span in encoded_spans(content, FORMS)] == [text], pad


@pytest.mark.parametrize(
    ("standard", "url", "alphabets"),
    [(">>>", ">>>", "+-"), ("???", "???", "/_"), (">>>", "???", "+_")],
)
def test_a_span_mixing_base64_and_base64url_is_not_decoded(
    standard: str, url: str, alphabets: str
) -> None:
    """`+` or `/` with `-` or `_`: no encoder writes that; decoding it would mean guessing."""
    first = f"k={TOKEN}".encode()
    first += b"." * (-len(first) % 3)  # no padding: the two encodings run on as one span
    mixed = base64.b64encode(first + standard.encode())
    mixed += base64.urlsafe_b64encode(f"and {url}".encode())
    assert "".join(c for c in "+/-_" if c.encode() in mixed) == alphabets
    assert list(encoded_spans(b"value: " + mixed + b"\n", FORMS)) == []


def test_a_percent_span_must_decode_to_eight_bytes_of_text() -> None:
    assert list(encoded_spans(b"see a%2Fb%3Dcdef here", FORMS)) == [
        DecodedSpan(4, "percent", b"a/b=cdef")
    ]
    assert list(encoded_spans(b"see %2F%2F%2F%2F here", FORMS)) == []  # four bytes


def test_a_decoding_is_scanned_when_at_least_95_percent_of_it_is_printable() -> None:
    """Binary data that happens to decode is not scanned again; text with a few odd bytes is."""
    head = f"k={TOKEN} ".encode()
    for odd_bytes, scanned in ((0, True), (10, True), (11, False), (60, False)):
        filler = 200 - len(head) - odd_bytes
        text = head + b"w" * filler + b"\x01" * odd_bytes  # 200 bytes, `odd_bytes` unprintable
        assert len(text) == 200
        content = b"value: " + base64.b64encode(text) + b"\n"
        spans = [span.text for span in encoded_spans(content, FORMS)]
        assert spans == ([text] if scanned else []), odd_bytes


PATH_RULE = """
[[rule]]
id = "zorp-key"
title = "Zorp key"
severity = "high"
keywords = ["zorp_"]
pattern = '''\\b(zorp_[A-Za-z0-9]{24})\\b'''
path_ignore = ['(^|/)docs/']
[rule.examples]
match = ['k = "zorp_Qm7rT2vK9pLx4NcW8hZ3bY6d"']
"""


@pytest.mark.parametrize("engine", ["hyperscan", "python"])
def test_a_decoded_secret_obeys_the_rules_path_ignore(tmp_path: Path, engine: str) -> None:
    rules = tmp_path / "zorp.toml"
    rules.write_text(PATH_RULE)
    matcher = matcher_for(load_rules([rules]), engine=engine)
    secret = "zorp_Qm7rT2vK9pLx4NcW8hZ3bY6d"
    encoded = base64.b64encode(f"ZORP={secret}\n".encode()).decode()
    content = f"payload: {encoded}\n".encode()
    assert [m.secret for m in matcher.scan(content, "src/app.yaml")] == [secret.encode()]
    assert matcher.scan(content, "docs/app.yaml") == []


def test_a_decoded_secret_two_encodings_deep_obeys_the_rules_path_ignore(tmp_path: Path) -> None:
    rules = tmp_path / "zorp.toml"
    rules.write_text(PATH_RULE)
    matcher = matcher_for(load_rules([rules]))
    secret = "zorp_Qm7rT2vK9pLx4NcW8hZ3bY6d"
    once = base64.b64encode(f"ZORP={secret}\n".encode()).decode()
    content = ("https://example.test/cb?cfg=" + quote(f"a={once}&b=1", safe="")).encode()
    assert [(m.secret, m.decoded) for m in matcher.scan(content, "src/app.yaml")] == [
        (secret.encode(), "percent")
    ]
    assert matcher.scan(content, "docs/app.yaml") == []


def _base64_with_keyword(text: str) -> str:
    """`text` base64-encoded after a keyword (`ghp_`, whose form the screen looks for)."""
    return base64.b64encode(f"ghp_ {text}".encode()).decode()


def test_encodings_are_followed_two_levels_deep_and_no_further() -> None:
    two_deep = _base64_with_keyword(base64.b64encode(f"XAI_API_KEY={TOKEN}".encode()).decode())
    three_deep = _base64_with_keyword(two_deep)
    assert [m.secret for m in _matcher().scan(f"v: {two_deep}\n".encode())] == [TOKEN.encode()]
    assert _matcher().scan(f"v: {three_deep}\n".encode()) == []


OTHER_TOKEN = make_token("xai", random.Random(12))


def test_a_span_without_a_secret_does_not_stop_the_spans_after_it() -> None:
    empty = base64.b64encode(b"XAI_API_KEY=(set in the vault, not here)").decode()
    holding = base64.b64encode(f"XAI_API_KEY={TOKEN}".encode()).decode()
    found = _matcher().scan(f"a: {empty}\nb: {holding}\n".encode())
    assert [(m.secret, m.line) for m in found] == [(TOKEN.encode(), 2)]


def test_a_decoded_secret_also_in_clear_does_not_hide_the_next_one_in_its_span() -> None:
    encoded = base64.b64encode(f"k={TOKEN}\nk={OTHER_TOKEN}\n".encode()).decode()
    found = _matcher().scan(f"a = '{TOKEN}'\nb = '{encoded}'\n".encode())
    assert [(m.secret, m.line, m.decoded) for m in found] == [
        (TOKEN.encode(), 1, None),
        (OTHER_TOKEN.encode(), 2, "base64"),
    ]


class _PassesAtCheck(Deadline):
    """A deadline that passes at its `at`-th check (never for 0) and counts its checks."""

    def __init__(self, at: int) -> None:
        super().__init__(3600.0)
        self.at = at
        self.checks = 0

    def check(self) -> None:
        self.checks += 1
        if self.checks == self.at:
            raise BlobTimedOut()


def _checks(content: bytes) -> int:
    """How many times a scan of `content` checks its deadline."""
    counting = _PassesAtCheck(0)
    _matcher().scan(content, deadline=counting)
    return counting.checks


def _rules_tried(text: bytes) -> int:
    """The rules whose regex runs on `text`: one deadline check each."""
    return len(_matcher()._prefilter.prefilter(text).hits)


FIRST = f"XAI_API_KEY={TOKEN}".encode()
SECOND = f"XAI_API_KEY={OTHER_TOKEN}".encode()
TWO_SPANS = b"a: " + base64.b64encode(FIRST) + b"\nb: " + base64.b64encode(SECOND) + b"\n"


def test_the_deadline_is_checked_before_each_decoded_span_and_each_rule_run_on_it() -> None:
    assert _rules_tried(FIRST) >= 1
    assert _checks(TWO_SPANS) == _rules_tried(TWO_SPANS) + 2 + _rules_tried(FIRST) + _rules_tried(
        SECOND
    )


def test_the_deadline_is_checked_two_encodings_deep() -> None:
    inner = b"a=" + base64.b64encode(FIRST) + b"&b=1"
    nested = b"cfg " + quote(inner, safe="").encode()  # (the percent run is all of `inner`)
    assert _checks(nested) == _rules_tried(nested) + 1 + _rules_tried(inner) + 1 + _rules_tried(
        FIRST
    )


def test_a_deadline_passing_before_a_decoded_span_keeps_the_spans_before_it() -> None:
    before_second = _rules_tried(TWO_SPANS) + 1 + _rules_tried(FIRST) + 1
    with pytest.raises(BlobTimedOut) as stopped:
        _matcher().scan(TWO_SPANS, deadline=_PassesAtCheck(before_second))
    assert [m.secret for m in stopped.value.matches] == [TOKEN.encode()]


@pytest.mark.parametrize("engine", ["hyperscan", "python"])
def test_a_base64_span_of_the_longest_length_is_decoded_and_a_longer_one_is_not(
    engine: str,
) -> None:
    head = f"XAI_API_KEY={TOKEN}\n".encode()
    longest = head + b"#" * (MAX_SPAN // 4 * 3 - len(head))  # encodes to MAX_SPAN characters
    for text, found in ((longest, [TOKEN.encode()]), (longest + b"###", [])):
        encoded = base64.b64encode(text)
        assert len(encoded) == MAX_SPAN + (0 if found else 4)
        matches = matcher_for(PACK, engine=engine).scan(b"blob: " + encoded + b"\n")
        assert [m.secret for m in matches] == found


def test_spans_passed_over_do_not_stop_the_search_for_later_ones() -> None:
    # Each kind of run the decoder leaves alone, then the run that holds a key.
    digest = "3f786850e387550fdab836ed7e6dc881de23001b"  # one case only: not base64 text
    unrelated = base64.b64encode(b"the quick brown fox jumps over the lazy dog").decode()
    binary = base64.b64encode(bytes(range(40)) + b"XAI_API_KEY=").decode()  # has the keyword
    holding = f"XAI_API_KEY={TOKEN}".encode()
    content = f"a: {digest}\nb: {unrelated}\nc: {binary}\nd: {base64.b64encode(holding).decode()}\n"
    assert [span.text for span in encoded_spans(content.encode(), FORMS)] == [holding]


_PIECE = 8192  # decoded bytes per base64 span: MAX_DECODED_PER_BLOB is 128 of them
_BASE64_PIECE = base64.b64encode(b"XAI_API_KEY " + b"w" * (_PIECE - 12)).decode()


def test_decoding_stops_once_a_blob_has_decoded_its_budget() -> None:
    assert MAX_DECODED_PER_BLOB == 128 * _PIECE
    content = "\n".join([_BASE64_PIECE] * 129).encode()
    assert [len(span.text) for span in encoded_spans(content, FORMS)] == [_PIECE] * 128


def test_percent_runs_share_the_budget_up_to_its_last_byte() -> None:
    # 127 base64 spans leave 8,192 bytes: two percent runs of 4,092 and one of 8 use it up
    # exactly; the run after them is left undecoded.
    long_run, short_run = "%2d%2d" + "a" * 4090, "%2d%2daaaaaa"
    content = "\n".join([_BASE64_PIECE] * 127 + [long_run, long_run, short_run, short_run])
    decoded = [len(span.text) for span in encoded_spans(content.encode(), FORMS)]
    assert decoded == [_PIECE] * 127 + [4092, 4092, 8]


def test_percent_runs_passed_over_do_not_stop_the_search_for_later_ones() -> None:
    # One escape only, then one that decodes to control bytes, then the run with the key.
    holding = quote(f"XAI_API_KEY={TOKEN}", safe="").replace("_", "%5F")
    content = f"a: one%2dhint_only_here\nb: %2d%01%02%03%04%05%06%07%08\nc: {holding}\n"
    assert [span.text for span in encoded_spans(content.encode(), FORMS)] == [
        f"XAI_API_KEY={TOKEN}".encode()
    ]


def test_percent_runs_are_collected_up_to_4096() -> None:
    content = "".join(f"k{n:05d}%2d%2d " for n in range(4100)).encode()
    assert len(percent_runs(content)) == 4096


def test_a_percent_run_at_the_start_of_the_content_starts_there() -> None:
    assert percent_runs(b"a%2d%2dbcdefgh x") == [(0, 14)]
    assert percent_runs(b"%2d%20abcdefgh x") == [(0, 14)]  # (its only hint at offset 0)


def test_a_keyword_form_that_ends_a_span_is_seen() -> None:
    form = base64.b64encode(b"ghp_")[:5]  # the shortest a form is: five characters
    assert FORMS.in_base64(b"QUJD" + form)
    assert not FORMS.in_base64(b"QUJD" + form[:4])


def test_a_keyword_written_in_capitals_is_recognised_in_base64() -> None:
    text = b"DB_PASSWORD=Qw8rT5yU2iO9pA3sD6fG1hJ4"  # the keyword "password" in capitals only
    assert [span.text for span in encoded_spans(base64.b64encode(text), FORMS)] == [text]


def test_a_keyword_form_with_a_plus_is_recognised_in_base64url() -> None:
    # Here "sha256~" encodes to "...zaGEyNTZ-": the base64url spelling of a form with "+".
    text = b"aaoc login sha256~Qw8rT5yU2iO9pA3sD6fG1hJ4kL7zX0cVbN5mQ2w"
    encoded = base64.urlsafe_b64encode(text)
    assert b"zaGEyNTZ-" in encoded
    assert [span.text for span in encoded_spans(b"v: " + encoded + b"\n", FORMS)] == [text]

"""Encoded spans are decoded (bounded) and scanned; look-alikes are left alone."""

from __future__ import annotations

import base64
import functools
import random
from urllib.parse import quote

from matcher_support import matcher_for

from scanner.demo import make_token
from scanner.detect.decoding import MAX_SPAN, KeywordForms, encoded_spans
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

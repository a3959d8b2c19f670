"""The screens' hit lists at their edges: the hit cap, and what each listed offset points at.

A screen lists at most HIT_CAP + 1 hits per rule; one past the cap tells the regions that
there were too many to list, and then every keyword line is tried. Off by one there, a secret
beyond the listed hits goes unseen: the keyword screen had exactly that bug once. These
tests put a secret just past the cap (and just inside it) on the Hyperscan path, where a
rule's hits are where its pattern may end, and in a content so full of hits that Hyperscan
switches to its capped rescan.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from git_builders import GitRepo, fingerprint, scan
from matcher_support import matcher_for

from scanner.demo import make_token
from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.rule_shape import sre_parser
from scanner.detect.screening import HIT_CAP
from scanner.rules.pack import load_rules

PACK = load_rules()
needs_hyperscan = pytest.mark.skipif(not hyperscan_available(), reason="Hyperscan not installed")

TOKEN = make_token("github-pat", random.Random("screen-hits"))
# The same shape with a wrong checksum: every line of it is a hit of the rule's pattern (the
# screen cannot check a checksum), and the rule's filters turn each one down.
LOOKALIKE = TOKEN[:-1] + ("A" if TOKEN[-1] != "A" else "B")


def _lookalikes_then_token(lookalikes: int) -> bytes:
    return (f"{LOOKALIKE}\n" * lookalikes + f"{TOKEN}\n").encode()


@needs_hyperscan
@pytest.mark.parametrize("hits", [HIT_CAP, HIT_CAP + 1])
def test_a_history_scan_finds_a_token_that_is_the_last_of_its_rules_hits(
    tmp_path: Path, hits: int
) -> None:
    # HIT_CAP hits are all listed; HIT_CAP + 1 are "too many", and the token is the one that
    # does not fit in the list.
    repo = GitRepo(tmp_path / "repo")
    repo.write("tokens.txt", _lookalikes_then_token(hits - 1))
    repo.commit("tokens")
    out = tmp_path / "out"
    out.mkdir()
    _, report = scan(repo.path, out, "--engine", "hyperscan")
    found = [(f["fingerprint"], f["rules"]) for f in report["findings"]]
    assert found == [(fingerprint(TOKEN), ["github-pat"])]
    assert [loc["line"] for loc in report["findings"][0]["locations"]] == [hits]


@needs_hyperscan
def test_a_token_past_the_cap_is_found_after_the_capped_rescan() -> None:
    # Over 65,536 screen reports (the percent hints) switch Hyperscan to its capped rescan,
    # which must still keep one hit past the cap for the token's rule.
    filler = ("%2d " * 100 + "\n") * 700
    content = filler.encode() + _lookalikes_then_token(HIT_CAP)
    found = matcher_for(PACK, "hyperscan").scan(content)
    assert [(m.rule_id, m.secret, m.line) for m in found] == [
        ("github-pat", TOKEN.encode(), 700 + HIT_CAP + 1)
    ]


@needs_hyperscan
def test_both_screens_list_the_same_keyword_starts() -> None:
    # Keyword screening (the pre-commit hook's): each hit is where a keyword starts, every
    # occurrence, for every rule sharing the keyword, at the start of a line too.
    content = b"token = 1\nTOKEN_2 = api_token\npassword: x\nsecret_token; token\nghp_ ghp_ xai-\n"
    hyperscan = matcher_for(PACK, "hyperscan", screen_patterns=False)
    python = matcher_for(PACK, "python")
    listed = hyperscan._prefilter.prefilter(content).hits
    expected = python._prefilter.prefilter(content).hits
    assert {index: sorted(hits) for index, hits in listed.items()} == {
        index: sorted(hits) for index, hits in expected.items()
    }
    assert len(expected) >= 3  # (several rules, some sharing a keyword)


@pytest.mark.parametrize("engine", ["python", "hyperscan"] if hyperscan_available() else ["python"])
def test_a_keyword_past_the_last_place_a_multiline_rule_can_match_is_passed_over(
    engine: str,
) -> None:
    # A multi-line rule's key, then its keyword alone far below: the regions around that
    # keyword hold no match and must be passed over without harm, on either engine.
    rng = random.Random("screen-hits:wandb")
    key = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    content = f"WANDB_API_KEY={key}\n" + "x = 1\n" * 100 + "# wandb: see the vault\n"
    found = matcher_for(PACK, engine).scan(content.encode())
    assert [(m.rule_id, m.secret, m.line) for m in found] == [("wandb-api-key", key.encode(), 1)]


@pytest.mark.parametrize("engine", ["python", "hyperscan"] if hyperscan_available() else ["python"])
@pytest.mark.parametrize("forms_before", [HIT_CAP - 1, HIT_CAP, HIT_CAP + 1])
def test_a_base64_secret_after_many_keyword_forms_is_found(engine: str, forms_before: int) -> None:
    # Each filler line holds one base64 form of the keyword `ghp_`, in a run too short to
    # decode; Hyperscan lists where forms are, up to the cap, and past it the decoder must
    # look at every base64 run (as the Python engine always does).
    token = make_token("xai", random.Random("screen-hits:base64"))
    holding = base64.b64encode(f"XAI_API_KEY={token}".encode()).decode()
    content = ("x Z2hwX x\n" * forms_before + f"b: {holding}\n").encode()
    found = matcher_for(PACK, engine).scan(content)
    assert [(m.secret, m.line, m.decoded) for m in found] == [
        (token.encode(), forms_before + 1, "base64")
    ]


@pytest.mark.parametrize("engine", ["python", "hyperscan"] if hyperscan_available() else ["python"])
def test_a_percent_run_whose_only_hint_opens_it_is_decoded(engine: str) -> None:
    # `%2F` is the run's one screening hint, and its first character: the run is found
    # from the hint's own position, not from the character before it.
    token = make_token("xai", random.Random("screen-hits:percent"))
    content = f"next: %2F%20{token}\n".encode()
    found = matcher_for(PACK, engine).scan(content)
    assert [(m.secret, m.decoded) for m in found] == [(token.encode(), "percent")]


@pytest.mark.parametrize("engine", ["python", "hyperscan"] if hyperscan_available() else ["python"])
def test_a_content_may_end_in_a_keywords_base64_form(engine: str) -> None:
    assert matcher_for(PACK, engine).scan(b"v = Z2hwX") == []  # (no newline at the end)


def _jwk_member(rng: random.Random, size: int) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(size)).rstrip(b"=").decode()


@pytest.mark.parametrize("engine", ["python", "hyperscan"] if hyperscan_available() else ["python"])
def test_a_keyword_in_a_lookahead_far_past_the_match_is_within_the_rules_reach(
    engine: str,
) -> None:
    # An RSA JSON Web Key written with its private exponent first: the rule's `kty` keyword is
    # in a lookahead further past the match, more than the match itself can span.
    # The regions around a hit must reach that far, or the Python engine (regions around the
    # keyword) misses the key while Hyperscan (regions around the match) finds it.
    rng = random.Random("screen-hits:jwk")
    private = _jwk_member(rng, 256)
    members = [("d", private)] + [
        (name, _jwk_member(rng, 128)) for name in ("p", "q", "dp", "dq", "qi")
    ]
    members += [("n", _jwk_member(rng, 256)), ("e", "AQAB"), ("kty", "RSA")]
    content = "{" + ", ".join(f'"{name}": "{value}"' for name, value in members) + "}\n"
    rule = PACK.by_id["jwk-private-key-reversed"]
    _, widest = sre_parser().parse(rule.pattern.encode()).getwidth()
    assert content.index('"kty"') - content.index('"d"') > widest  # past the match's own span
    found = matcher_for(PACK, engine).scan(content.encode())
    assert [(m.rule_id, m.secret) for m in found] == [(rule.id, private.encode())]

"""Live verification, exercised over real HTTP(S) against a loopback fake provider.

Rule hosts are fictional (.test) and reach the fake only through `host_overrides`; every other
host is resolved and must be public, which loopback never is.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import logging
import re
import shutil
import ssl
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from scanner.errors import LeakwindowError
from scanner.matches import fingerprint_of
from scanner.model import Verification
from scanner.rules.pack import Rule, load_rules
from scanner.verify import (
    VerifyRequest,
    VerifySettings,
    contacted_summary,
    forbidden_address_reason,
    sigv4,
    verify_secrets,
)
from tests.fake_provider import LIVE_JSON, REVOKED, FakeProvider, Reply, SigV4Key, digest

PACK = load_rules([Path(__file__).parents[1] / "data" / "verify_rules.toml"])
BEARER_HOST = "api.fake-provider.test"
QUERY_HOST = "query.fake-provider.test"
PAIR_HOST = "pair.fake-provider.test"
STS_HOST = "sts.fake-aws.test"
TLS_HOST = "api.tls-provider.test"


def token(prefix: str, label: str, length: int = 20) -> str:
    """A synthetic, deterministic token: never a real credential."""
    return prefix + hashlib.sha256(label.encode()).hexdigest()[:length]


def request(
    rule_id: str, secret: str, pair: str | None = None, rule: Rule | None = None
) -> VerifyRequest:
    return VerifyRequest(
        fingerprint=fingerprint_of(secret.encode()),
        rule=rule or PACK.by_id[rule_id],
        secret=secret.encode(),
        pair_secret=pair.encode() if pair is not None else None,
    )


def settings_for(*providers_by_host: tuple[str, FakeProvider], **limits: object) -> VerifySettings:
    base: dict[str, object] = {
        "timeout_s": 1.0,
        "concurrency": 8,
        "per_host_per_second": 1000.0,
        "retries": 2,
        "backoff_s": 0.01,
        "budget_s": 10.0,
        "host_overrides": {host: provider.base_url for host, provider in providers_by_host},
    }
    base.update(limits)
    return VerifySettings(**base)  # type: ignore[arg-type]


def with_url(rule_id: str, url: str) -> Rule:
    rule = PACK.by_id[rule_id]
    assert rule.verify is not None
    return dataclasses.replace(rule, verify={**rule.verify, "url": url})


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


# --- the SigV4 signer ------------------------------------------------------------------------

SUITE_KEY_ID = "AKIDEXAMPLE"
SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize(
    ("method", "url", "headers", "payload", "signature"),
    [
        # AWS Signature Version 4 test suite: get-vanilla, post-vanilla,
        # get-vanilla-query-order-key-case and post-x-www-form-urlencoded.
        (
            "GET",
            "https://example.amazonaws.com/",
            {},
            b"",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "POST",
            "https://example.amazonaws.com/",
            {},
            b"",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
        (
            "GET",
            "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            {},
            b"",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        (
            "POST",
            "https://example.amazonaws.com/",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"Param1=value1",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        ),
    ],
)
def test_sigv4_reproduces_the_published_test_suite(
    method: str, url: str, headers: dict[str, str], payload: bytes, signature: str
) -> None:
    signed = sigv4.sign_request(
        method=method,
        url=url,
        headers=headers,
        payload=payload,
        access_key_id=SUITE_KEY_ID,
        secret_access_key=SUITE_SECRET,
        region="us-east-1",
        service="service",
        amz_date="20150830T123600Z",
    )
    signed_names = "content-type;host;x-amz-date" if headers else "host;x-amz-date"
    assert signed == {
        "X-Amz-Date": "20150830T123600Z",
        "Authorization": "AWS4-HMAC-SHA256 "
        "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders={signed_names}, Signature={signature}",
    }


def test_sigv4_service_is_the_first_label_of_the_endpoint() -> None:
    assert sigv4.service_of("sts.amazonaws.com") == "sts"
    assert sigv4.service_of("STS.us-east-2.amazonaws.com") == "sts"


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "refused: private address"),
        ("127.0.0.2", "refused: private address"),
        ("10.1.2.3", "refused: private address"),
        ("172.16.0.1", "refused: private address"),
        ("192.168.1.10", "refused: private address"),
        ("100.64.0.1", "refused: private address"),
        ("0.0.0.0", "refused: private address"),
        ("224.0.0.251", "refused: private address"),
        ("240.0.0.1", "refused: private address"),
        ("169.254.10.10", "refused: private address"),
        ("::1", "refused: private address"),
        ("fe80::1%eth0", "refused: private address"),
        ("fc00::1", "refused: private address"),
        ("ff02::1", "refused: private address"),
        ("::ffff:127.0.0.1", "refused: private address"),
        ("169.254.169.254", "refused: cloud metadata address"),
        ("fd00:ec2::254", "refused: cloud metadata address"),
        ("::ffff:169.254.169.254", "refused: cloud metadata address"),
        ("64:ff9b::a9fe:a9fe", "refused: cloud metadata address"),
        ("not-an-address", "refused: private address"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_only_public_addresses_may_be_contacted(address: str, reason: str | None) -> None:
    assert forbidden_address_reason(address) == reason


# --- outcomes --------------------------------------------------------------------------------


def test_a_working_token_is_live_and_the_request_goes_to_the_rule_host(
    fake: FakeProvider,
) -> None:
    secret = token("fkb_", "live")
    fake.respond(secret, LIVE_JSON)
    results = verify_secrets([request("fake-bearer", secret)], settings_for((BEARER_HOST, fake)))
    verification = results[fingerprint_of(secret.encode())]
    assert verification.status == "live"
    assert verification.detail == f"HTTP 200 from {BEARER_HOST}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", verification.checked_at or "")
    [seen] = fake.seen
    assert (seen.host, seen.method, seen.path) == (BEARER_HOST, "GET", "/v1/me")
    assert seen.authorization_hash == digest(f"Bearer {secret}")


def test_verification_called_where_an_event_loop_runs_still_checks(fake: FakeProvider) -> None:
    """A caller with its own running loop (a notebook, Playwright's sync API in a test)."""
    secret = token("fkb_", "inside-a-loop")
    fake.respond(secret, LIVE_JSON)

    async def caller() -> dict[str, Verification]:
        return verify_secrets([request("fake-bearer", secret)], settings_for((BEARER_HOST, fake)))

    results = asyncio.run(caller())
    assert results[fingerprint_of(secret.encode())].status == "live"


def test_a_revoked_token_is_invalid(fake: FakeProvider) -> None:
    secret = token("fkb_", "revoked")
    fake.respond(secret, REVOKED)
    results = verify_secrets([request("fake-bearer", secret)], settings_for((BEARER_HOST, fake)))
    assert results[fingerprint_of(secret.encode())].status == "invalid"
    assert len(fake.seen_with(secret)) == 1


def test_a_live_status_with_the_wrong_body_is_not_live(fake: FakeProvider) -> None:
    # A CDN or captive portal answering 200 with its own page proves nothing about the key.
    secret = token("fkb_", "garbage")
    fake.respond(secret, Reply(200, b"<html>Just a moment...</html>"))
    results = verify_secrets([request("fake-bearer", secret)], settings_for((BEARER_HOST, fake)))
    assert results[fingerprint_of(secret.encode())] == Verification(
        "error",
        "unexpected response body (HTTP 200)",
        results[fingerprint_of(secret.encode())].checked_at,
    )


def test_an_unexpected_status_is_an_error_without_retry(fake: FakeProvider) -> None:
    secret = token("fkb_", "teapot")
    fake.respond(secret, Reply(418, b"short and stout"))
    results = verify_secrets([request("fake-bearer", secret)], settings_for((BEARER_HOST, fake)))
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == ("error", "unexpected status 418")
    assert len(fake.seen) == 1


def test_body_patterns_decide_when_the_provider_always_answers_200(fake: FakeProvider) -> None:
    good, bad = token("fkq_", "query-good"), token("fkq_", "query-bad")
    fake.respond(good, Reply(200, b'{"valid": true}'))
    fake.respond(bad, Reply(200, b'{"valid": false}'))
    results = verify_secrets(
        [request("fake-query", good), request("fake-query", bad)], settings_for((QUERY_HOST, fake))
    )
    assert results[fingerprint_of(good.encode())].status == "live"
    assert results[fingerprint_of(bad.encode())].status == "invalid"
    assert {seen.path for seen in fake.seen} == {"/v1/check"}


def test_a_rule_without_an_endpoint_is_left_unchecked(fake: FakeProvider) -> None:
    secret = token("fku_", "nothing-to-call")
    results = verify_secrets([request("fake-unverifiable", secret)], settings_for())
    assert results[fingerprint_of(secret.encode())].status == "unchecked"
    assert fake.seen == []


# --- retries, timeouts, budget ---------------------------------------------------------------


def test_rate_limited_then_ok_is_retried_after_a_backoff(fake: FakeProvider) -> None:
    secret = token("fkb_", "rate-limited")
    fake.respond(secret, Reply(429, b"slow down"), LIVE_JSON)
    settings = settings_for((BEARER_HOST, fake), backoff_s=0.1)
    results = verify_secrets([request("fake-bearer", secret)], settings)
    assert results[fingerprint_of(secret.encode())].status == "live"
    first, second = fake.seen_with(secret)
    assert second.at - first.at >= 0.09


def test_retry_after_is_honoured_when_small(fake: FakeProvider) -> None:
    secret = token("fkb_", "retry-after")
    fake.respond(secret, Reply(429, headers=(("Retry-After", "1"),)), LIVE_JSON)
    results = verify_secrets([request("fake-bearer", secret)], settings_for((BEARER_HOST, fake)))
    assert results[fingerprint_of(secret.encode())].status == "live"
    first, second = fake.seen_with(secret)
    assert second.at - first.at >= 0.95


def test_a_long_retry_after_gives_up_at_once(fake: FakeProvider) -> None:
    secret = token("fkb_", "retry-much-later")
    fake.respond(secret, Reply(429, headers=(("Retry-After", "3600"),)))
    results = verify_secrets([request("fake-bearer", secret)], settings_for((BEARER_HOST, fake)))
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == (
        "error",
        "asked to retry too late: HTTP 429",
    )
    assert len(fake.seen) == 1


def test_persistent_server_errors_end_as_error_after_the_retries(fake: FakeProvider) -> None:
    secret = token("fkb_", "server-down")
    fake.respond(secret, Reply(503, b"maintenance"))
    results = verify_secrets(
        [request("fake-bearer", secret)], settings_for((BEARER_HOST, fake), retries=2)
    )
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == (
        "error",
        "gave up after 3 attempts: HTTP 503",
    )
    assert len(fake.seen_with(secret)) == 3


def test_a_slow_provider_times_out(fake: FakeProvider) -> None:
    secret = token("fkb_", "slow")
    # The reply would take 30 s (released when the fake stops); giving up within 10 s can
    # only be the 0.5 s timeout, with room for a loaded machine.
    fake.respond(secret, Reply(200, LIVE_JSON.body, delay_s=30.0))
    started = time.monotonic()
    results = verify_secrets(
        [request("fake-bearer", secret)], settings_for((BEARER_HOST, fake), timeout_s=0.5)
    )
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == ("error", "timeout")
    assert time.monotonic() - started < 10.0


def test_checks_left_when_the_budget_runs_out_are_reported_as_such(fake: FakeProvider) -> None:
    secrets = [token("fkb_", f"budget-{n}") for n in range(3)]
    for secret in secrets:
        fake.respond(secret, Reply(200, LIVE_JSON.body, delay_s=30.0))
    # Neither the replies (30 s) nor the timeout (20 s) can end the run within 10 s: only the
    # 0.5 s budget can, with room for a loaded machine.
    settings = settings_for((BEARER_HOST, fake), concurrency=1, timeout_s=20.0, budget_s=0.5)
    started = time.monotonic()
    results = verify_secrets([request("fake-bearer", s) for s in secrets], settings)
    assert time.monotonic() - started < 10.0
    assert {(v.status, v.detail) for v in results.values()} == {("error", "budget exhausted")}
    assert len(results) == 3
    assert len(fake.seen) <= 1  # the other two never started


# --- one check per secret; the contact summary ------------------------------------------------


def test_each_unique_secret_is_checked_exactly_once(fake: FakeProvider) -> None:
    repeated, other = token("fkb_", "everywhere"), token("fkb_", "once")
    fake.respond(repeated, LIVE_JSON)
    fake.respond(other, REVOKED)
    contacts: Counter[str] = Counter()
    batch = [request("fake-bearer", repeated)] * 5 + [request("fake-bearer", other)]
    results = verify_secrets(batch, settings_for((BEARER_HOST, fake)), contacts=contacts)
    assert set(results) == {fingerprint_of(repeated.encode()), fingerprint_of(other.encode())}
    assert len(fake.seen_with(repeated)) == 1
    assert len(fake.seen_with(other)) == 1
    assert contacts == Counter({BEARER_HOST: 2})
    assert contacted_summary(contacts) == f"verification contacted: {BEARER_HOST} (2)"


def test_contact_summary_lists_hosts_with_their_request_counts() -> None:
    summary = contacted_summary(Counter({"api.x.ai": 1, "api.github.com": 2}))
    assert summary == "verification contacted: api.github.com (2), api.x.ai (1)"
    assert contacted_summary(Counter()) == "verification contacted: no provider"


# --- where requests may go -------------------------------------------------------------------


def test_a_redirect_is_not_followed() -> None:
    with FakeProvider() as provider, FakeProvider() as elsewhere:
        secret = token("fkb_", "redirected")
        location = f"{elsewhere.base_url}/collect"
        provider.respond(secret, Reply(302, headers=(("Location", location),)))
        results = verify_secrets(
            [request("fake-bearer", secret)], settings_for((BEARER_HOST, provider))
        )
        verification = results[fingerprint_of(secret.encode())]
        assert (verification.status, verification.detail) == ("error", "redirected (HTTP 302)")
        assert len(provider.seen) == 1
        assert elsewhere.seen == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://localhost:{port}/v1/me", "refused: private address"),
        ("https://127.0.0.2:{port}/v1/me", "refused: private address"),
        ("https://127.0.0.1:{port}/v1/me", "refused: private address"),
        ("https://169.254.169.254/latest/meta-data/", "refused: cloud metadata address"),
        ("https://[fd00:ec2::254]/latest/meta-data/", "refused: cloud metadata address"),
    ],
)
def test_hosts_that_resolve_to_internal_addresses_are_refused_without_a_request(
    fake: FakeProvider, url: str, reason: str
) -> None:
    # The fake listens on 127.0.0.1: a rule naming it directly must never reach it.
    secret = token("fkb_", "internal")
    fake.respond(secret, LIVE_JSON)
    rule = with_url("fake-bearer", url.format(port=fake.port))
    contacts: Counter[str] = Counter()
    results = verify_secrets(
        [request("fake-bearer", secret, rule=rule)],
        settings_for((BEARER_HOST, fake)),
        contacts=contacts,
    )
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == ("error", reason)
    assert fake.seen == []
    assert contacts == Counter()


@pytest.mark.parametrize(
    "url",
    [
        "http://api.fake-provider.test/v1/me",  # no TLS
        "https://{secret}.fake-provider.test/v1/me",  # the secret would pick the host
        "https://user:{secret}@api.fake-provider.test/v1/me",  # credentials in the authority
    ],
)
def test_unsafe_verify_urls_are_rejected_before_any_request(fake: FakeProvider, url: str) -> None:
    secret = token("fkb_", "unsafe-url")
    fake.respond(secret, LIVE_JSON)
    rule = with_url("fake-bearer", url)
    results = verify_secrets(
        [request("fake-bearer", secret, rule=rule)], settings_for((BEARER_HOST, fake))
    )
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == ("error", "rule has an invalid verify url")
    assert fake.seen == []


# --- concurrency and rate limits -------------------------------------------------------------


def test_requests_in_flight_never_exceed_the_concurrency_cap(fake: FakeProvider) -> None:
    secrets = [token("fkb_", f"parallel-{n}") for n in range(9)]
    for secret in secrets:
        # Held long enough that three requests overlap at the fake even when a loaded
        # machine starts them late.
        fake.respond(secret, Reply(200, LIVE_JSON.body, delay_s=0.5))
    results = verify_secrets(
        [request("fake-bearer", s) for s in secrets],
        settings_for((BEARER_HOST, fake), concurrency=3, timeout_s=5.0),
    )
    assert {v.status for v in results.values()} == {"live"}
    assert fake.max_in_flight == 3


def test_requests_to_one_host_are_spaced_by_the_rate_limit(fake: FakeProvider) -> None:
    secrets = [token("fkb_", f"paced-{n}") for n in range(5)]
    for secret in secrets:
        fake.respond(secret, REVOKED)
    started = time.monotonic()
    verify_secrets(
        [request("fake-bearer", s) for s in secrets],
        settings_for((BEARER_HOST, fake), per_host_per_second=10.0),
    )
    arrivals = sorted(seen.at for seen in fake.seen)
    assert len(arrivals) == 5
    # The k-th request may not leave before k intervals after the start, and cannot arrive
    # before it leaves: a bound no load can break (gaps between arrivals can: a request
    # starved of CPU arrives just before the next one). Unpaced, all five come at once.
    for k, arrival in enumerate(arrivals):
        assert arrival - started >= k * 0.1 - _CLOCK_SLACK_S


def test_the_rate_limit_is_per_host(fake: FakeProvider) -> None:
    bearer = [token("fkb_", f"host-a-{n}") for n in range(3)]
    query = [token("fkq_", f"host-b-{n}") for n in range(3)]
    started = time.monotonic()
    verify_secrets(
        [request("fake-bearer", s) for s in bearer] + [request("fake-query", s) for s in query],
        settings_for((BEARER_HOST, fake), (QUERY_HOST, fake), per_host_per_second=2.0),
    )
    by_host = {
        host: sorted(seen.at for seen in fake.seen if seen.host == host)
        for host in (BEARER_HOST, QUERY_HOST)
    }
    assert [len(times) for times in by_host.values()] == [3, 3]
    # Each host waits 0.5 s between its own requests (a lower bound from the start, as
    # above), but not for the other host's: its own pace ends the six requests 1 s after the
    # start, one pace shared by both hosts could not before 2.5 s. The 1 s between leaves
    # room for a loaded machine.
    for times in by_host.values():
        for k, arrival in enumerate(times):
            assert arrival - started >= k * 0.5 - _CLOCK_SLACK_S
    assert max(by_host[BEARER_HOST] + by_host[QUERY_HOST]) - started < 2.0


_CLOCK_SLACK_S = 0.005  # the event loop may wake a sleeper this much before its time


# --- paired credentials and signing ----------------------------------------------------------


def test_a_paired_secret_fills_pair_and_basic_auth(fake: FakeProvider) -> None:
    account, secret = token("fka_", "account", 16), token("fkt_", "account-token", 32)
    fake.respond(secret, Reply(200, b'{"status": "active"}'))
    results = verify_secrets(
        [request("fake-account-token", secret, pair=account)], settings_for((PAIR_HOST, fake))
    )
    assert results[fingerprint_of(secret.encode())].status == "live"
    [seen] = fake.seen
    assert seen.path == f"/v1/accounts/{account}"
    assert seen.credential_hash == digest(secret)


def test_a_rule_needing_a_pair_is_unchecked_without_one(fake: FakeProvider) -> None:
    secret = token("fkt_", "lonely-token", 32)
    results = verify_secrets(
        [request("fake-account-token", secret)], settings_for((PAIR_HOST, fake))
    )
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == ("unchecked", "no paired credential found")
    assert fake.seen == []


def test_a_request_with_the_pair_is_preferred_among_duplicates(fake: FakeProvider) -> None:
    account, secret = token("fka_", "dup-account", 16), token("fkt_", "dup-token", 32)
    fake.respond(secret, Reply(200, b"{}"))
    batch = [
        request("fake-account-token", secret),
        request("fake-account-token", secret, pair=account),
    ]
    results = verify_secrets(batch, settings_for((PAIR_HOST, fake)))
    assert results[fingerprint_of(secret.encode())].status == "live"
    assert len(fake.seen) == 1


STS_OK = Reply(
    200,
    b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci"
    b"</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>",
)


def sts_pair(label: str) -> tuple[str, str]:
    key_id = "FKIA" + base64.b32encode(hashlib.sha256(label.encode()).digest()).decode()[:16]
    secret = hashlib.sha256(label.encode()).hexdigest()[:40]
    return key_id, secret


def test_sigv4_signed_sts_call_with_the_right_secret_is_live(fake: FakeProvider) -> None:
    key_id, secret = sts_pair("sts-good")
    fake.accept_sigv4(SigV4Key(key_id, secret, "us-east-1"))
    fake.respond(key_id, STS_OK)
    results = verify_secrets(
        [request("fake-aws-secret", secret, pair=key_id)], settings_for((STS_HOST, fake))
    )
    assert results[fingerprint_of(secret.encode())].status == "live"
    [seen] = fake.seen
    assert (seen.host, seen.method, seen.path) == (STS_HOST, "POST", "/")


def test_sigv4_signature_made_with_a_wrong_secret_is_invalid(fake: FakeProvider) -> None:
    key_id, secret = sts_pair("sts-rotated")
    fake.accept_sigv4(SigV4Key(key_id, secret, "us-east-1"))
    fake.respond(key_id, STS_OK)
    stale = hashlib.sha256(b"an older secret").hexdigest()[:40]
    results = verify_secrets(
        [request("fake-aws-secret", stale, pair=key_id)], settings_for((STS_HOST, fake))
    )
    assert results[fingerprint_of(stale.encode())].status == "invalid"


# --- TLS -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throwaway CA and a leaf certificate for TLS_HOST, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available")
    folder = tmp_path_factory.mktemp("tls")
    paths = {
        name: folder / name for name in ("ca.key", "ca.pem", "leaf.key", "leaf.csr", "leaf.pem")
    }
    extensions = folder / "leaf.ext"
    extensions.write_text(
        f"subjectAltName=DNS:{TLS_HOST}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    commands = [
        ["openssl", "req", "-x509", *ec, "-keyout", paths["ca.key"], "-out", paths["ca.pem"],
         "-days", "2", "-subj", "/CN=leakwindow test CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", *ec, "-keyout", paths["leaf.key"], "-out", paths["leaf.csr"],
         "-subj", f"/CN={TLS_HOST}"],
        ["openssl", "x509", "-req", "-in", paths["leaf.csr"], "-CA", paths["ca.pem"],
         "-CAkey", paths["ca.key"], "-CAcreateserial", "-out", paths["leaf.pem"], "-days", "2",
         "-extfile", extensions],
    ]  # fmt: skip
    for command in commands:
        subprocess.run([str(part) for part in command], check=True, capture_output=True)
    return paths


@pytest.fixture
def tls_fake(tls_files: dict[str, Path]) -> Iterator[FakeProvider]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files["leaf.pem"], tls_files["leaf.key"])
    with FakeProvider(tls=context) as provider:
        yield provider


def test_tls_to_the_rule_host_is_verified_and_live(
    tls_fake: FakeProvider, tls_files: dict[str, Path]
) -> None:
    secret = token("fks_", "tls-live")
    tls_fake.respond(secret, LIVE_JSON)
    settings = settings_for((TLS_HOST, tls_fake), extra_ca_file=str(tls_files["ca.pem"]))
    results = verify_secrets([request("fake-tls", secret)], settings)
    assert results[fingerprint_of(secret.encode())].status == "live"
    assert [seen.host for seen in tls_fake.seen] == [TLS_HOST]


def test_an_untrusted_certificate_is_a_tls_error(tls_fake: FakeProvider) -> None:
    secret = token("fks_", "tls-untrusted")
    tls_fake.respond(secret, LIVE_JSON)
    results = verify_secrets([request("fake-tls", secret)], settings_for((TLS_HOST, tls_fake)))
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == ("error", "tls error")
    assert tls_fake.seen == []


def test_a_certificate_for_another_host_is_a_tls_error(
    tls_fake: FakeProvider, tls_files: dict[str, Path]
) -> None:
    other_host = "other.tls-provider.test"
    secret = token("fks_", "tls-wrong-name")
    tls_fake.respond(secret, LIVE_JSON)
    rule = with_url("fake-tls", f"https://{other_host}/v1/me")
    settings = settings_for((other_host, tls_fake), extra_ca_file=str(tls_files["ca.pem"]))
    results = verify_secrets([request("fake-tls", secret, rule=rule)], settings)
    verification = results[fingerprint_of(secret.encode())]
    assert (verification.status, verification.detail) == ("error", "tls error")
    assert tls_fake.seen == []


# --- secrets never leak ----------------------------------------------------------------------


def test_no_secret_appears_in_details_logs_or_reprs(
    fake: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    live, revoked, garbage = (token("fkb_", n) for n in ("leak-live", "leak-revoked", "leak-junk"))
    in_query, slow = token("fkq_", "leak-query"), token("fkb_", "leak-slow")
    account, paired = token("fka_", "leak-account", 16), token("fkt_", "leak-paired", 32)
    header_injection = "fkb_abc\r\nX-Evil: 1"
    fake.respond(live, LIVE_JSON)
    fake.respond(revoked, REVOKED)
    fake.respond(garbage, Reply(200, b"<html>cdn</html>"))
    fake.respond(in_query, Reply(400, b'{"error": "bad key"}'))
    fake.respond(slow, Reply(200, LIVE_JSON.body, delay_s=30.0))
    fake.respond(paired, Reply(500, b"boom"))
    batch = [
        request("fake-bearer", live),
        request("fake-bearer", revoked),
        request("fake-bearer", garbage),
        request("fake-query", in_query),
        request("fake-bearer", slow),
        request("fake-account-token", paired, pair=account),
        request("fake-bearer", header_injection),
    ]
    settings = settings_for(
        # 2 s: the slow reply (30 s) times out, the others answer in time even on a loaded
        # machine (0.3 s timed out the live one under load).
        (BEARER_HOST, fake),
        (QUERY_HOST, fake),
        (PAIR_HOST, fake),
        timeout_s=2.0,
        retries=1,
    )
    with caplog.at_level(logging.DEBUG):
        results = verify_secrets(batch, settings)

    statuses = {results[fingerprint_of(s.encode())].status for s in (live, revoked, garbage)}
    assert statuses == {"live", "invalid", "error"}
    assert results[fingerprint_of(header_injection.encode())].detail == (
        "secret cannot be sent as text"
    )
    assert "HTTP Request" in caplog.text  # httpx did log its requests, URLs included
    assert "[redacted]" in caplog.text
    exposed = "\n".join(
        [caplog.text, repr(batch), repr(results), *(v.detail or "" for v in results.values())]
    )
    for secret in (live, revoked, garbage, in_query, slow, account, paired, header_injection):
        assert secret not in exposed
        assert quote(secret, safe="") not in exposed


def test_configuration_errors_are_one_line_and_carry_no_url_secrets() -> None:
    with pytest.raises(LeakwindowError, match="concurrency"):
        VerifySettings(concurrency=0)
    with pytest.raises(LeakwindowError) as caught:
        VerifySettings(host_overrides={"api.x.ai": "ftp://127.0.0.1/?key=fkb_notasecret"})
    assert "\n" not in str(caught.value)
    assert "fkb_notasecret" not in str(caught.value)


# --- the built-in rule pack ------------------------------------------------------------------


def _example_secret(rule: Rule) -> bytes | None:
    for example in rule.examples_match:
        found = rule.regex.search(example.encode("utf-8"))
        if found:
            return found.group(rule.secret_group)
    return None


def test_every_builtin_verify_block_is_sent_to_its_own_host(fake: FakeProvider) -> None:
    builtin = load_rules()
    verified = [rule for rule in builtin.rules if rule.verify]
    if not verified:
        pytest.skip("no built-in rule has a verify block yet")
    requests: list[VerifyRequest] = []
    expected_hosts: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for rule in verified:
        assert rule.verify is not None
        host = str(rule.verify["url"]).split("/")[2].split(":")[0].lower()
        secret = _example_secret(rule)
        pair_id = rule.verify.get("pair")
        pair_rule = builtin.by_id.get(pair_id) if isinstance(pair_id, str) else None
        pair = _example_secret(pair_rule) if pair_rule else None
        assert secret is not None, rule.id
        requests.append(VerifyRequest(fingerprint_of(secret), rule, secret, pair))
        expected_hosts[fingerprint_of(secret)] = host
        overrides[host] = fake.base_url
    # ~100 requests to one local server: generous limits so a loaded machine cannot flake it.
    settings = settings_for(timeout_s=10.0, budget_s=60.0, host_overrides=overrides)
    results = verify_secrets(requests, settings)
    for verification in results.values():
        assert not (verification.detail or "").startswith("rule "), verification
        assert verification.status != "unchecked", verification
    assert sorted(seen.host.split(":")[0] for seen in fake.seen) == sorted(
        expected_hosts[r.fingerprint] for r in {r.fingerprint: r for r in requests}.values()
    )

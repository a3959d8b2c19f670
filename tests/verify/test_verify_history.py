"""`--verify` over a real history scan: the incident key, checked once, against a local fake xAI."""

from __future__ import annotations

from pathlib import Path

from fake_provider import LIVE_JSON, REVOKED, FakeProvider
from scenario_support import AS_OF, build, finding_for

from scanner.cli.output import parse_as_of
from scanner.report.text import render_text
from scanner.scan.service import scan_repository
from scanner.verify import VerifySettings


def _scan(path: Path, provider: FakeProvider, *, only_live: bool = False) -> dict:  # type: ignore[type-arg]
    settings = VerifySettings(
        timeout_s=2.0, retries=0, host_overrides={"api.x.ai": provider.base_url}
    )
    report, *_ = scan_repository(
        path,
        as_of=parse_as_of(AS_OF),
        verify=True,
        verify_settings=settings,
        only_live=only_live,
    )
    return report


def test_incident_key_reported_live_with_its_59_day_window(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    key = fx.secrets["xai"]
    with FakeProvider() as provider:
        provider.respond(key, LIVE_JSON)
        report = _scan(fx.path, provider)
        requests = provider.seen_with(key)
    finding = finding_for(report, key)
    assert finding["verification"]["status"] == "live"
    assert finding["verification"]["checked_at"]
    assert finding["windows"][0]["days"] == 59.0
    assert report["summary"]["live"] == 1
    assert len(requests) == 1  # one check per unique secret, not per location
    assert report["scan"]["verification"]["contacted"] == {"api.x.ai": 1}
    text = render_text(report)
    assert "still live: rotate now" in text
    assert key not in text


def test_incident_key_reported_invalid_when_revoked(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    key = fx.secrets["xai"]
    with FakeProvider() as provider:
        provider.respond(key, REVOKED)
        report = _scan(fx.path, provider)
    finding = finding_for(report, key)
    assert finding["verification"]["status"] == "invalid"
    assert report["summary"]["live"] == 0


def test_secret_in_many_commits_is_checked_once(tmp_path: Path) -> None:
    fx = build("same-key-two-files", tmp_path)
    key = fx.secrets["openai"]
    with FakeProvider() as provider:
        provider.respond(key, REVOKED)
        settings = VerifySettings(
            timeout_s=2.0, retries=0, host_overrides={"api.openai.com": provider.base_url}
        )
        report, *_ = scan_repository(
            fx.path, as_of=parse_as_of(AS_OF), verify=True, verify_settings=settings
        )
        assert len(provider.seen_with(key)) == 1
    assert finding_for(report, key)["verification"]["status"] == "invalid"


def test_only_live_and_fail_on_live_policies(tmp_path: Path) -> None:
    from scanner.report.exit_policy import BlockingPolicy
    from scanner.report.verdict import LIVE, NOT_CHECKED, verification_state

    fx = build("multi-secret", tmp_path)
    key = fx.secrets["xai"]
    # Only the xAI host reaches the fake: the other keys' providers cannot be reached here,
    # so those keys could not be checked, and may be live.
    with FakeProvider() as provider:
        provider.respond(key, LIVE_JSON)
        report = _scan(fx.path, provider)
        shown = _scan(fx.path, provider, only_live=True)
    assert report["findings"][0]["verification"]["status"] == "live"  # live sorts first
    not_checked = [f for f in report["findings"] if verification_state(f) == NOT_CHECKED]
    assert not_checked and all(f["verification"]["status"] == "error" for f in not_checked)
    assert BlockingPolicy(fail_on_live=True).report_exit_code(report) == 1
    assert shown["findings"][0]["fingerprint"] == finding_for(report, key)["fingerprint"]
    assert [verification_state(f) for f in shown["findings"]] == [LIVE] + [NOT_CHECKED] * len(
        not_checked
    )
    assert shown["summary"]["findings"] == 1 + len(not_checked)
    assert (shown["summary"]["live"], shown["summary"]["not_checked"]) == (1, len(not_checked))

    with FakeProvider() as provider:
        provider.respond(key, REVOKED)
        revoked = _scan(fx.path, provider)
    # No key is live, but some could not be checked: the live gate cannot pass.
    assert BlockingPolicy(fail_on_live=True).report_exit_code(revoked) == 3
    assert BlockingPolicy().report_exit_code(revoked) == 1
    assert BlockingPolicy(exit_zero=True).report_exit_code(revoked) == 0

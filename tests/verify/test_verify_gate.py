"""--only-live and --fail-on-live through the command line: they need --verify, and a key that
could not be checked (provider unreachable, budget spent, paired credential missing) never
passes the gate: --fail-on-live exits 3 (1 when a key is live), --only-live shows it as not
checked.

Rule hosts are fictional (.test, tests/data/verify_rules.toml), so without an override a check
fails at DNS exactly as it would with no network. A fake provider is reached by giving the
command line's verification settings a host override (the test-only escape hatch).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from git_builders import (
    GitRepo,
    assert_valid_report,
    fake_bearer,
    finding,
    fingerprint,
    scan,
    scan_report,
)

from scanner.cli.app import main
from scanner.scan.baseline import BASELINE_SCHEMA
from tests.fake_provider import LIVE_JSON, REVOKED, FakeProvider, cli_provider

provider = cli_provider  # the fixture, under the name the tests ask for

RULES = str(Path(__file__).parents[1] / "data" / "verify_rules.toml")
AS_OF = "2025-06-01T00:00:00+00:00"
LIVE_KEY = fake_bearer("gate-live")
OLD_KEY = fake_bearer("gate-old")  # longest window, revoked
ACCEPTED_KEY = fake_bearer("gate-accepted")  # in the baseline


def _repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-01-01T00:00:00+00:00", {"app/old.py": f'TOKEN = "{OLD_KEY}"\n'})
    repo.change("2025-02-01T00:00:00+00:00", {"app/accepted.py": f'TOKEN = "{ACCEPTED_KEY}"\n'})
    repo.change("2025-05-01T00:00:00+00:00", {"app/live.py": f'TOKEN = "{LIVE_KEY}"\n'})
    return repo


@pytest.mark.parametrize("option", ["--only-live", "--fail-on-live"])
def test_live_options_need_verify_and_send_nothing_without_it(
    option: str, tmp_path: Path, provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    provider.respond(LIVE_KEY, LIVE_JSON)
    code, _ = scan_report(repo.path, tmp_path, "--rules", RULES, option, as_of=AS_OF)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("leakwindow: error:")
    assert option in err and "--verify" in err
    assert provider.seen == []  # no key left the machine


def test_fail_on_live_cannot_pass_when_no_provider_can_be_reached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    code, report = scan(
        repo.path, tmp_path, "--rules", RULES, "--verify", "--fail-on-live", as_of=AS_OF
    )
    err = capsys.readouterr().err
    assert code == 3
    assert {f["verification"]["status"] for f in report["findings"]} == {"error"}
    assert report["summary"]["not_checked"] == 3 and report["summary"]["live"] == 0
    assert "3 keys could not be checked with the provider (dns lookup failed)" in err
    assert [n["kind"] for n in report["scan"]["notes"]] == ["verification_incomplete"]
    assert_valid_report(report)


def test_only_live_shows_keys_that_could_not_be_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    options = ("--rules", RULES, "--verify", "--only-live")
    code, text = scan_report(repo.path, tmp_path, *options, fmt="text", as_of=AS_OF)
    assert code == 1  # what --only-live keeps is still a finding
    assert "No secrets found" not in text
    assert text.count("verification  not checked (dns lookup failed)") == 3
    assert "3 not checked" in text


def test_fail_on_live_fails_on_a_live_key_and_passes_when_every_key_was_checked(
    tmp_path: Path, provider: FakeProvider
) -> None:
    repo = _repo(tmp_path)
    options = ("--rules", RULES, "--verify", "--fail-on-live")
    for key in (OLD_KEY, ACCEPTED_KEY):
        provider.respond(key, REVOKED)
    provider.respond(LIVE_KEY, LIVE_JSON)
    assert scan(repo.path, tmp_path, *options, as_of=AS_OF)[0] == 1
    provider.respond(LIVE_KEY, REVOKED)
    code, report = scan(repo.path, tmp_path, *options, as_of=AS_OF)
    assert code == 0
    assert {f["verification"]["status"] for f in report["findings"]} == {"invalid"}


def test_a_key_whose_paired_credential_is_missing_does_not_pass_the_gate(
    tmp_path: Path, provider: FakeProvider
) -> None:
    repo = GitRepo(tmp_path / "repo")
    token = "fkt_" + fingerprint("gate-pair")[:32]  # needs its fka_ account id to be checked
    repo.change("2025-01-01T00:00:00+00:00", {"deploy.env": f"TOKEN={token}\n"})
    code, report = scan(
        repo.path, tmp_path, "--rules", RULES, "--verify", "--fail-on-live", as_of=AS_OF
    )
    assert code == 3
    assert finding(report, token)["verification"] == {
        "status": "unchecked",
        "detail": "no paired credential found",
        "checked_at": report["findings"][0]["verification"]["checked_at"],
    }
    assert provider.seen == []


def test_a_finding_without_a_verification_endpoint_is_outside_the_live_gate(
    tmp_path: Path, provider: FakeProvider
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-01-01T00:00:00+00:00", {"db.py": 'password = "Zq8-vLm2-Rt9x-Wk4p"\n'})
    options = ("--rules", RULES, "--verify")
    code, report = scan(repo.path, tmp_path, *options, "--fail-on-live", as_of=AS_OF)
    assert code == 0
    (only,) = report["findings"]
    assert only["verification"]["detail"] == "rule has no verification endpoint"
    assert report["summary"]["not_checked"] == 0
    # ... and it is still a finding for the ordinary gate.
    assert scan(repo.path, tmp_path, *options, as_of=AS_OF)[0] == 1


def test_only_live_summary_is_computed_from_what_it_shows(
    tmp_path: Path, provider: FakeProvider
) -> None:
    repo = _repo(tmp_path)
    baseline = tmp_path / "baseline.json"
    accepted = {"fingerprint": fingerprint(ACCEPTED_KEY)}
    baseline.write_text(json.dumps({"schema": BASELINE_SCHEMA, "secrets": [accepted]}))
    provider.respond(LIVE_KEY, LIVE_JSON)
    provider.respond(OLD_KEY, REVOKED)
    options = ("--rules", RULES, "--verify", "--baseline", str(baseline))
    code, full = scan(repo.path, tmp_path, *options, as_of=AS_OF)
    assert full["summary"]["suppressed"] == 1
    assert full["summary"]["longest_days"] == 151.0  # OLD_KEY: 2025-01-01 to the as-of date
    code, report = scan(repo.path, tmp_path, *options, "--only-live", as_of=AS_OF)
    assert code == 1
    assert [f["fingerprint"] for f in report["findings"]] == [fingerprint(LIVE_KEY)]
    assert report["summary"] == {
        "findings": 1,
        "in_head": 1,
        "live": 1,
        "not_checked": 0,
        "longest_days": 31.0,  # LIVE_KEY: 2025-05-01 to the as-of date
        "suppressed": 0,
    }
    assert report["scan"]["only_live"] == {"hidden": 2}
    assert_valid_report(report)
    assert "2 findings not shown" in report["scan"]["notes"][0]["message"]


EARLY = "2025-03-01T00:00:00+00:00"  # before LIVE_KEY was committed


def _summary_of(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary recomputed here, independently of the builder, from what a report shows."""
    active = [f for f in findings if f["suppressed"] is None]
    states = [f["verification"]["status"] for f in active]
    return {
        "findings": len(active),
        "in_head": sum(1 for f in active if f["in_head"]),
        "live": states.count("live"),
        "not_checked": sum(
            1
            for f in active
            if f["verification"]["status"] == "error"
            or (f["verification"]["status"] == "unchecked" and f["verification"]["detail"])
        ),
        "longest_days": max((w["days"] for f in active for w in f["windows"]), default=0.0),
        "suppressed": len(findings) - len(active),
    }


def test_every_filter_comes_before_the_summary_and_the_notes(
    tmp_path: Path, provider: FakeProvider
) -> None:
    """Baseline, --verify, --only-live and an --as-of before part of the history, together:
    the summary and the notes describe exactly the findings the report shows. OLD_KEY (the
    longest window, revoked) and ACCEPTED_KEY (suppressed) are hidden by --only-live, and
    LIVE_KEY's window opened after the as-of date, so nothing shown was exposed yet."""
    repo = _repo(tmp_path)
    baseline = tmp_path / "baseline.json"
    accepted = {"fingerprint": fingerprint(ACCEPTED_KEY)}
    baseline.write_text(json.dumps({"schema": BASELINE_SCHEMA, "secrets": [accepted]}))
    provider.respond(LIVE_KEY, LIVE_JSON)
    provider.respond(OLD_KEY, REVOKED)
    options = ("--rules", RULES, "--verify", "--baseline", str(baseline))
    for extra in ((), ("--only-live",)):
        _, report = scan(repo.path, tmp_path, *options, *extra, as_of=EARLY)
        assert report["summary"] == _summary_of(report["findings"]), extra
        assert_valid_report(report)
    assert report["summary"] == {
        "findings": 1,
        "in_head": 1,
        "live": 1,
        "not_checked": 0,
        "longest_days": 0.0,  # not OLD_KEY's 59 days: OLD_KEY is not shown
        "suppressed": 0,  # ACCEPTED_KEY is not shown either
    }
    assert report["scan"]["only_live"] == {"hidden": 2}
    assert [
        (note["kind"], note["message"].split(": ", 1)[-1]) for note in report["scan"]["notes"]
    ] == [
        (
            "as_of_before_history",
            "1 window opened after it (0 days counted); days are exposure as of that date",
        ),
        (
            "only_live",
            "2 findings not shown (verified invalid, without a verification endpoint, or "
            "suppressed)",
        ),
    ]


def test_markdown_html_and_sarif_mark_a_key_that_could_not_be_checked(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-01-01T00:00:00+00:00", {"app/live.py": f'TOKEN = "{LIVE_KEY}"\n'})
    options = ("--rules", RULES, "--verify", "--only-live")
    markdown = scan_report(repo.path, tmp_path, *options, fmt="markdown", as_of=AS_OF)[1]
    assert "**not checked**" in markdown and "1 not checked" in markdown
    page = scan_report(repo.path, tmp_path, *options, fmt="html", as_of=AS_OF)[1]
    assert '<dt>Not checked</dt><dd><span class="alarm">1</span>' in page
    assert 'class="status status-error">not checked</span> dns lookup failed' in page
    sarif = json.loads(scan_report(repo.path, tmp_path, *options, fmt="sarif", as_of=AS_OF)[1])
    (result,) = sarif["runs"][0]["results"]
    assert "not checked (dns lookup failed): it may be live" in result["message"]["text"]
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["verification_incomplete"]


def test_the_pre_commit_hook_still_blocks_a_key_it_could_not_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-01-01T00:00:00+00:00", {"README.md": "hello\n"})
    (repo.path / "app.py").write_text(f'TOKEN = "{LIVE_KEY}"\n')
    repo.git("add", "app.py")
    code = main(["staged", str(repo.path), "--rules", RULES, "--verify"])
    err = capsys.readouterr().err
    assert code == 1
    assert "[not checked (dns lookup failed)]" in err

"""The SARIF 2.1.0 renderer: schema-valid, one result per place, exposure data, no secrets."""

from __future__ import annotations

import hashlib
import json
import re
import string
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from jsonschema import Draft7Validator
from report_samples import finding_dict, first_commit_dict

from scanner.matches import fingerprint_of
from scanner.report.sarif import FINGERPRINT_KEY, render_sarif
from scanner.rules.pack import Rule, load_rules

SCHEMA_PATH = Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json"
AS_OF = "2025-07-01T00:00:00+00:00"
HOSTILE_PATH = "conf/a|b <script>x</script> #1.env"
# RFC 3986 characters allowed in a URI reference (unreserved, reserved, percent escapes).
URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def _synthetic(label: str, length: int) -> str:
    """Deterministic filler derived from a label: shaped like a token, never a real one."""
    alphabet = string.ascii_letters + string.digits
    digest = b""
    counter = 0
    while len(digest) < length:
        digest += hashlib.sha256(f"sarif-test/{label}/{counter}".encode()).digest()
        counter += 1
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


# The raw values exist only so the tests can prove they never reach the output.
SECRETS: dict[str, str] = {
    "xai": "xai-" + _synthetic("xai", 80),
    "slack": "xoxb-" + _synthetic("slack", 40),
    "orphan": "AKIA" + _synthetic("orphan", 16).upper(),
    "side": "ghp_" + _synthetic("side", 36),
    "hostile": "sk_live_" + _synthetic("hostile", 24),
    "ignored": "hf_" + _synthetic("ignored", 34),
}


def _sha(label: str) -> str:
    return hashlib.sha1(label.encode()).hexdigest()


def _point(label: str, at: str) -> dict[str, str]:
    return {"sha": _sha(label), "committed_at": at}


def _finding(
    key: str, rules: list[str], title: str, severity: str, **fields: Any
) -> dict[str, Any]:
    return finding_dict(
        SECRETS[key], rules, title, severity, f"Rotate the {title} at its provider.", **fields
    )


def _first_commit(label: str, at: str, path: str, line: int) -> dict[str, Any]:
    return first_commit_dict(_sha(label), at, path, line, "Test Author")


def sample_report() -> dict[str, Any]:
    main = "refs/heads/main"
    xai_open = _point("xai-add", "2025-03-02T09:00:00+00:00")
    xai_close = _point("xai-del", "2025-04-30T09:00:00+00:00")
    findings = [
        # Closed 59-day window, two places, still recoverable from three refs, verified live.
        _finding(
            "xai",
            ["xai-api-key"],
            "xAI API key",
            "critical",
            verification={"status": "live", "detail": "200", "checked_at": AS_OF},
            first_commit=_first_commit("xai-add", xai_open["committed_at"], "config/app.py", 12),
            locations=[
                {"commit": _sha("xai-add"), "path": "config/app.py", "line": 12, "column": 9},
                {"commit": _sha("xai-mv"), "path": "config/old app.py", "line": 3, "column": 1},
            ],
            windows=[
                {
                    "ref": main,
                    "opened": xai_open,
                    "closed": xai_close,
                    "days": 59.0,
                    "opened_at_boundary": False,
                }
            ],
            reachable_from=[main, "refs/tags/v1.0", "refs/remotes/origin/main"],
        ),
        # Still open and in HEAD; matched by two rules, the second unknown to the rule pack.
        _finding(
            "slack",
            ["slack-bot-token", "generic-secret"],
            "Slack bot token",
            "high",
            first_commit=_first_commit("slack-add", "2025-05-01T00:00:00+00:00", "bot/.env", 2),
            locations=[{"commit": _sha("slack-add"), "path": "bot/.env", "line": 2, "column": 11}],
            windows=[
                {
                    "ref": main,
                    "opened": _point("slack-add", "2025-05-01T00:00:00+00:00"),
                    "closed": None,
                    "days": 61.0,
                    "opened_at_boundary": True,
                }
            ],
            in_head=True,
            reachable_from=[main],
        ),
        # Dangling only: neither a location nor a first commit.
        _finding("orphan", ["aws-access-key-id"], "AWS access key ID", "medium", dangling=True),
        # No locations recorded, but a first commit on a side branch.
        _finding(
            "side",
            ["github-pat"],
            "GitHub personal access token",
            "low",
            first_commit=_first_commit("side-add", "2025-01-05T00:00:00+00:00", "ci/token", 1),
            reachable_from=["refs/heads/feature"],
        ),
        # A hostile path from history.
        _finding(
            "hostile",
            ["stripe-live-key"],
            "Stripe live secret key",
            "critical",
            locations=[{"commit": _sha("h"), "path": HOSTILE_PATH, "line": 4, "column": 7}],
            reachable_from=[main],
        ),
        # Suppressed by a baseline: still reported, marked as suppressed.
        _finding(
            "ignored",
            ["huggingface-token"],
            "Hugging Face token",
            "medium",
            locations=[{"commit": _sha("i"), "path": "notes.md", "line": 1, "column": 1}],
            reachable_from=[main],
            suppressed="baseline",
        ),
    ]
    return {
        "schema": "leakwindow.report/1",
        "tool": {"name": "leakwindow", "version": "9.8.7"},
        "scan": {
            "target": "/tmp/repo",
            "mode": "history",
            "head": {"ref": main, "sha": _sha("head")},
            "refs": [main, "refs/heads/feature"],
            "as_of": AS_OF,
            "seconds": 0.4,
            "stats": {
                "commits": 17,
                "blobs_scanned": 40,
                "bytes_scanned": 9000,
                "blobs_skipped": 1,
                "blobs_unreadable": 2,
            },
        },
        "findings": findings,
        "summary": {"findings": 6, "in_head": 1, "live": 1, "longest_days": 61.0},
    }


def _rule(rule_id: str, title: str, severity: str, remediation: str) -> Rule:
    return Rule(
        id=rule_id,
        title=title,
        severity=severity,
        family="test",
        keywords=("x",),
        pattern="x",
        secret_group=0,
        regex=re.compile(b"x"),
        remediation=remediation,
    )


# Pack titles differ from the findings' on purpose: the test can tell which one was used.
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        _rule("xai-api-key", "xAI API key (pack)", "critical", "Revoke it at console.x.ai."),
        _rule("slack-bot-token", "Slack bot token (pack)", "high", "Revoke it in Slack."),
        _rule("aws-access-key-id", "AWS key (pack)", "medium", "Deactivate it in IAM."),
        _rule("github-pat", "GitHub token (pack)", "low", "Delete it in GitHub settings."),
        _rule("stripe-live-key", "Stripe key (pack)", "critical", "Roll it in Stripe."),
        _rule("huggingface-token", "HF token (pack)", "medium", "Invalidate it on the Hub."),
    )
}


@pytest.fixture(scope="module")
def schema_validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def _render(report: dict[str, Any] | None = None) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render_sarif(report or sample_report(), RULES))
    return log


def _results_of(log: dict[str, Any], fingerprint: str) -> list[dict[str, Any]]:
    return [
        r
        for r in log["runs"][0]["results"]
        if r["partialFingerprints"][FINGERPRINT_KEY] == fingerprint
    ]


def _finding_by_key(report: dict[str, Any], key: str) -> dict[str, Any]:
    fingerprint = fingerprint_of(SECRETS[key].encode())
    return next(f for f in report["findings"] if f["fingerprint"] == fingerprint)


def test_schema_file_is_the_sarif_2_1_0_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert {"run", "result", "reportingDescriptor", "physicalLocation"} <= set(
        schema["definitions"]
    )


def test_output_validates_against_sarif_schema(schema_validator: Draft7Validator) -> None:
    errors = [e.message for e in schema_validator.iter_errors(_render())]
    assert errors == []


def test_empty_report_validates_and_has_no_results(schema_validator: Draft7Validator) -> None:
    report = sample_report()
    report["findings"] = []
    log = _render(report)
    assert list(schema_validator.iter_errors(log)) == []
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


def test_schema_rejects_a_broken_log(schema_validator: Draft7Validator) -> None:
    # Guards the guard: a wrong level must be caught, or schema validation proves nothing.
    log = _render()
    log["runs"][0]["results"][0]["level"] = "critical"
    assert list(schema_validator.iter_errors(log)) != []


def test_header_and_driver() -> None:
    log = _render()
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "leakwindow"
    assert driver["version"] == "9.8.7"
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_rules_list_every_rule_the_findings_use_once() -> None:
    report = sample_report()
    used = {rule for f in report["findings"] for rule in f["rules"]}
    ids = [r["id"] for r in _render(report)["runs"][0]["tool"]["driver"]["rules"]]
    assert sorted(ids) == sorted(used)


def test_rule_descriptor_comes_from_the_rule_pack() -> None:
    rules = {r["id"]: r for r in _render()["runs"][0]["tool"]["driver"]["rules"]}
    xai = rules["xai-api-key"]
    assert xai["shortDescription"]["text"] == "xAI API key (pack)"
    assert "Revoke it at console.x.ai." in xai["help"]["text"]
    assert "Revoke it at console.x.ai." in xai["help"]["markdown"]
    assert xai["fullDescription"]["text"]
    assert xai["name"] == "XaiApiKey"
    assert "security" in xai["properties"]["tags"]


def test_rule_missing_from_pack_falls_back_to_the_finding() -> None:
    rules = {r["id"]: r for r in _render()["runs"][0]["tool"]["driver"]["rules"]}
    generic = rules["generic-secret"]
    assert generic["shortDescription"]["text"] == "Slack bot token"
    assert "Rotate the Slack bot token at its provider." in generic["help"]["text"]
    assert generic["defaultConfiguration"]["level"] == "error"
    assert generic["properties"]["security-severity"] == "8.0"


def test_saved_report_renders_without_any_rule_pack(schema_validator: Draft7Validator) -> None:
    log = json.loads(render_sarif(sample_report(), {}))
    assert list(schema_validator.iter_errors(log)) == []
    titles = {
        r["id"]: r["shortDescription"]["text"] for r in log["runs"][0]["tool"]["driver"]["rules"]
    }
    assert titles["xai-api-key"] == "xAI API key"


@pytest.mark.parametrize(
    ("severity", "level", "score"),
    [
        ("critical", "error", "9.5"),
        ("high", "error", "8.0"),
        ("medium", "warning", "5.0"),
        ("low", "note", "2.0"),
    ],
)
def test_severity_maps_to_level_and_security_severity(
    severity: str, level: str, score: str
) -> None:
    report = sample_report()
    report["findings"] = [report["findings"][0]]
    report["findings"][0]["severity"] = severity
    rules = {"xai-api-key": _rule("xai-api-key", "xAI API key", severity, "Revoke it.")}
    log = json.loads(render_sarif(report, rules))
    descriptor = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert descriptor["defaultConfiguration"]["level"] == level
    assert descriptor["properties"]["security-severity"] == score
    assert {r["level"] for r in log["runs"][0]["results"]} == {level}


def test_one_result_per_location() -> None:
    report = sample_report()
    log = _render(report)
    for finding in report["findings"]:
        results = _results_of(log, finding["fingerprint"])
        assert len(results) == max(1, len(finding["locations"]))
    xai = _results_of(log, _finding_by_key(report, "xai")["fingerprint"])
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in xai]
    assert [unquote(u) for u in uris] == ["config/app.py", "config/old app.py"]
    commits = [r["properties"]["commit"] for r in xai]
    assert commits == [loc["commit"] for loc in _finding_by_key(report, "xai")["locations"]]


def test_region_carries_line_and_column() -> None:
    report = sample_report()
    result = _results_of(_render(report), _finding_by_key(report, "xai")["fingerprint"])[0]
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 9,
    }


def test_rule_id_and_index_point_at_the_same_descriptor() -> None:
    log = _render()
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    for result in log["runs"][0]["results"]:
        assert descriptors[result["ruleIndex"]]["id"] == result["ruleId"]
    slack = _results_of(log, fingerprint_of(SECRETS["slack"].encode()))[0]
    assert slack["ruleId"] == "slack-bot-token"
    assert slack["properties"]["rules"] == ["slack-bot-token", "generic-secret"]


def test_partial_fingerprint_is_the_secret_fingerprint() -> None:
    report = sample_report()
    log = _render(report)
    fingerprints = {f["fingerprint"] for f in report["findings"]}
    seen = {r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]}
    assert seen == fingerprints
    # Two places of one secret stay distinguishable for viewers that merge by fingerprint.
    xai = _results_of(log, _finding_by_key(report, "xai")["fingerprint"])
    assert xai[0]["partialFingerprints"] != xai[1]["partialFingerprints"]


def test_exposure_data_rides_in_result_properties() -> None:
    report = sample_report()
    log = _render(report)
    for finding in report["findings"]:
        for result in _results_of(log, finding["fingerprint"]):
            props = result["properties"]
            for key in ("first_commit", "windows", "reachable_from", "in_head", "dangling"):
                assert props[key] == finding[key], key
            assert props["verification"] == finding["verification"]
            assert props["fingerprint"] == finding["fingerprint"]
            assert props["secret_preview"] == finding["secret_preview"]
    slack = _results_of(log, _finding_by_key(report, "slack")["fingerprint"])[0]
    assert slack["properties"]["windows"][0]["closed"] is None
    assert slack["properties"]["windows"][0]["opened_at_boundary"] is True


def test_message_summarises_the_exposure() -> None:
    report = sample_report()
    log = _render(report)
    xai = _finding_by_key(report, "xai")
    text = _results_of(log, xai["fingerprint"])[0]["message"]["text"]
    assert text.startswith(
        f"xAI API key {xai['secret_preview']} exposed 59.0 days on refs/heads/main"
    )
    assert "still live: rotate now" in text
    assert "LIVE" in text
    slack_text = _results_of(log, _finding_by_key(report, "slack")["fingerprint"])[0]["message"][
        "text"
    ]
    assert "61.0 days" in slack_text
    assert "still open" in slack_text
    assert "still in main: rotate the key, then remove it" in slack_text


def test_finding_without_locations_uses_its_first_commit() -> None:
    report = sample_report()
    side = _finding_by_key(report, "side")
    (result,) = _results_of(_render(report), side["fingerprint"])
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "ci/token"
    assert physical["region"] == {"startLine": 1}
    assert result["properties"]["commit"] == side["first_commit"]["sha"]
    assert result["level"] == "note"


def test_dangling_only_finding_gets_one_result_without_a_location() -> None:
    report = sample_report()
    orphan = _finding_by_key(report, "orphan")
    (result,) = _results_of(_render(report), orphan["fingerprint"])
    assert "locations" not in result or all(
        "physicalLocation" not in loc for loc in result["locations"]
    )
    assert orphan["secret_preview"] in result["message"]["text"]
    assert "unreachable" in result["message"]["text"]
    assert result["properties"]["dangling"] is True
    assert result["properties"]["commit"] is None


def test_hostile_path_becomes_a_valid_uri_reference() -> None:
    report = sample_report()
    (result,) = _results_of(_render(report), _finding_by_key(report, "hostile")["fingerprint"])
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert URI_REFERENCE.match(uri), uri
    for raw in ("|", "<", " ", "#"):
        assert raw not in uri
    assert unquote(uri) == HOSTILE_PATH


def test_every_uri_is_a_valid_uri_reference() -> None:
    for result in _render()["runs"][0]["results"]:
        for location in result.get("locations", []):
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert URI_REFERENCE.match(uri), uri


def test_suppressed_finding_carries_a_sarif_suppression() -> None:
    report = sample_report()
    log = _render(report)
    (ignored,) = _results_of(log, _finding_by_key(report, "ignored")["fingerprint"])
    assert ignored["suppressions"] == [{"kind": "external", "justification": "baseline"}]
    (xai_first, _) = _results_of(log, _finding_by_key(report, "xai")["fingerprint"])
    assert "suppressions" not in xai_first


def test_run_properties_carry_scan_context() -> None:
    report = sample_report()
    props = _render(report)["runs"][0]["properties"]
    assert props["as_of"] == AS_OF
    assert props["head"] == report["scan"]["head"]
    assert props["stats"] == report["scan"]["stats"]


def test_no_secret_value_anywhere_in_the_output() -> None:
    text = render_sarif(sample_report(), RULES)
    for secret in SECRETS.values():
        assert secret not in text
        # Nor a long slice of it (a preview may show only a short prefix).
        assert secret[: len(secret) // 2] not in text


def test_renders_with_the_real_rule_pack(schema_validator: Draft7Validator) -> None:
    pack = load_rules()
    rule = pack.rules[0]
    report = sample_report()
    report["findings"] = [report["findings"][0]]
    report["findings"][0]["rules"] = [rule.id]
    log = json.loads(render_sarif(report, pack.by_id))
    assert list(schema_validator.iter_errors(log)) == []
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"]["text"] == rule.title


def test_shared_renderer_sample_is_valid_and_redacted(schema_validator: Draft7Validator) -> None:
    samples = pytest.importorskip("report_samples")
    text = render_sarif(samples.sample_report(), load_rules().by_id)
    assert list(schema_validator.iter_errors(json.loads(text))) == []
    for secret in samples.planted_secrets().values():
        assert secret not in text

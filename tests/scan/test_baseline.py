"""Baselines suppress exactly their secrets: leakwindow's own and detect-secrets'."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from scenario_support import build, finding_for, scan_json

from scanner.cli.app import main


def _sha1(secret: str) -> str:
    return hashlib.sha1(secret.encode()).hexdigest()


def test_baseline_create_then_scan_is_clean(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    assert main(["baseline", "create", str(fx.path)]) == 0
    written = json.loads((fx.path / ".leakwindow-baseline.json").read_text())
    assert written["schema"] == "leakwindow.baseline/1"
    assert len(written["secrets"]) == len(fx.secrets)
    code, report = scan_json(fx.path, tmp_path)
    assert code == 0
    assert report["summary"]["findings"] == 0
    assert all(f["suppressed"] for f in report["findings"])


def test_leakwindow_baseline_suppresses_exactly_its_secret(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    xai = fx.secrets["xai"]
    baseline = tmp_path / "b.json"
    baseline.write_text(
        json.dumps(
            {
                "schema": "leakwindow.baseline/1",
                "secrets": [{"fingerprint": hashlib.sha256(xai.encode()).hexdigest()}],
            }
        )
    )
    code, report = scan_json(fx.path, tmp_path, "--baseline", str(baseline))
    assert code == 1
    for name, secret in fx.secrets.items():
        suppressed = finding_for(report, secret)["suppressed"]
        assert (suppressed is not None) == (name == "xai"), name
    assert report["summary"]["findings"] == len(fx.secrets) - 1


def test_detect_secrets_baseline_suppresses_unaudited_and_false_positives_only(
    tmp_path: Path,
) -> None:
    fx = build("multi-secret", tmp_path)
    s = fx.secrets
    document = {
        "version": "1.5.0",
        "plugins_used": [],
        "filters_used": [],
        "results": {
            "config/settings.py": [
                {
                    "type": "Secret Keyword",
                    "filename": "config/settings.py",
                    "hashed_secret": _sha1(s["xai"]),
                    "is_verified": False,
                    "line_number": 3,
                },
                {
                    "type": "GitHub Token",
                    "filename": "config/settings.py",
                    "hashed_secret": _sha1(s["github"]),
                    "is_verified": False,
                    "line_number": 4,
                    "is_secret": False,
                },
                {
                    "type": "Secret Keyword",
                    "filename": "billing.py",
                    "hashed_secret": _sha1(s["stripe"]),
                    "is_verified": False,
                    "line_number": 9,
                    "is_secret": True,
                },
            ]
        },
        "generated_at": "2025-06-01T00:00:00Z",
    }
    baseline = tmp_path / ".secrets.baseline"
    baseline.write_text(json.dumps(document))
    _, report = scan_json(fx.path, tmp_path, "--baseline", str(baseline))
    assert finding_for(report, s["xai"])["suppressed"] is not None
    assert finding_for(report, s["github"])["suppressed"] is not None
    assert finding_for(report, s["stripe"])["suppressed"] is None  # audited as a real secret
    assert finding_for(report, s["anthropic"])["suppressed"] is None


def test_text_report_hides_suppressed_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("incident", tmp_path)
    assert main(["baseline", "create", str(fx.path)]) == 0
    capsys.readouterr()
    assert main(["scan", str(fx.path)]) == 0
    out = capsys.readouterr().out
    assert "No secrets found." in out
    assert "1 suppressed finding(s) not shown." in out


def test_malformed_baseline_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("incident", tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["scan", str(fx.path), "--baseline", str(bad)]) == 2
    assert "baseline must be a JSON object" in capsys.readouterr().err

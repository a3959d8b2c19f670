"""The JSON report contract holds on every scenario, and saved reports re-render identically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scenario_support import AS_OF, build, scan_json

from scanner.cli.app import main
from scanner.cli.output import parse_as_of, render
from scanner.demo import list_scenarios
from scanner.report import document
from scanner.scan.service import scan_repository

REPORT_SCHEMA = json.loads(
    (Path(__file__).parents[2] / "scanner" / "report" / "report-schema.json").read_text()
)
SCENARIOS = [scenario.name for scenario in list_scenarios()]


def _strip_timing(report: dict[str, Any]) -> dict[str, Any]:
    clone = json.loads(json.dumps(report))
    clone["scan"]["seconds"] = 0
    clone["scan"].pop("phases", None)
    clone["scan"]["target"] = ""
    clone["scan"].pop("stats")  # a second scan reads clean blobs from the cache
    clone["scan"].pop("cache")  # and says where its answer came from
    return clone


@pytest.mark.parametrize("name", SCENARIOS)
def test_report_is_valid_against_the_contract(name: str, tmp_path: Path) -> None:
    fx = build(name, tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    jsonschema.Draft7Validator(REPORT_SCHEMA).validate(report)
    assert report["schema"] == document.REPORT_SCHEMA
    assert report["scan"]["as_of"] == AS_OF
    assert report["scan"]["stats"]["commits"] > 0
    assert report["scan"]["stats"]["blobs_scanned"] > 0
    assert report["summary"]["findings"] == len(report["findings"])
    longest = max((w["days"] for f in report["findings"] for w in f["windows"]), default=0.0)
    assert report["summary"]["longest_days"] == longest


def test_contract_schema_rejects_a_report_missing_a_field(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    del report["findings"][0]["windows"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(REPORT_SCHEMA).validate(report)


def test_contract_schema_rejects_a_key_it_does_not_describe(tmp_path: Path) -> None:
    """Every key a report carries is in the contract: the schema names the keys of every
    object it describes and allows no other, so a key added without describing it fails
    the contract tests of every scenario above."""
    fx = build("incident", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    jsonschema.Draft7Validator(REPORT_SCHEMA).validate(report)
    for where in (
        report,
        report["scan"],
        report["findings"][0],
        report["findings"][0]["windows"][0],
    ):
        where["undescribed"] = True
        with pytest.raises(jsonschema.ValidationError, match="undescribed"):
            jsonschema.Draft7Validator(REPORT_SCHEMA).validate(report)
        del where["undescribed"]


def test_every_object_the_schema_describes_is_closed() -> None:
    def objects(node: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
        if isinstance(node, dict):
            own = [(where, node)] if "properties" in node else []
            return own + [
                x for key, value in node.items() for x in objects(value, f"{where}/{key}")
            ]
        if isinstance(node, list):
            return [
                x for index, value in enumerate(node) for x in objects(value, f"{where}[{index}]")
            ]
        return []

    described = objects(REPORT_SCHEMA, "")
    assert len(described) > 10
    assert [
        where for where, node in described if node.get("additionalProperties") is not False
    ] == []


def test_scanning_twice_gives_the_same_report(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    _, first = scan_json(fx.path, tmp_path)
    _, second = scan_json(fx.path, tmp_path)
    assert _strip_timing(first) == _strip_timing(second)


def test_both_engines_give_identical_reports(tmp_path: Path) -> None:
    pytest.importorskip("hyperscan")
    fx = build("multi-secret", tmp_path)
    _, python_engine = scan_json(fx.path, tmp_path, "--engine", "python")
    _, hyperscan_engine = scan_json(fx.path, tmp_path, "--engine", "hyperscan")
    assert _strip_timing(python_engine)["findings"] == _strip_timing(hyperscan_engine)["findings"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "sarif", "html", "json"])
def test_saved_json_report_renders_like_the_scan(fmt: str, tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    report, pack, _ = scan_repository(fx.path, as_of=parse_as_of(AS_OF))
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report))
    out = tmp_path / f"again.{fmt}"
    assert main(["report", str(saved), "--format", fmt, "--output", str(out)]) == 0
    assert out.read_text() == render(report, fmt, pack.by_id)


def test_report_command_rejects_a_file_that_is_not_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    assert main(["report", str(bogus)]) == 2
    assert "is not a leakwindow.report/1 report" in capsys.readouterr().err


def test_stats_count_commits_blobs_bytes_and_seconds(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    stats = report["scan"]["stats"]
    import subprocess

    commits = subprocess.run(
        ["git", "-C", str(fx.path), "rev-list", "--all", "--count"], capture_output=True, check=True
    )
    assert stats["commits"] == int(commits.stdout)
    assert stats["bytes_scanned"] > 0
    assert report["scan"]["seconds"] >= 0

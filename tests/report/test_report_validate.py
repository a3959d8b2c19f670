"""The report check that `leakwindow report FILE` runs (scanner/report/validate.py) agrees
with the jsonschema package, the reference the contract tests use, on real reports and on
random mutations of them; and it refuses a schema keyword it does not know."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.cli.app import main
from scanner.demo import build_scenario

try:  # tests/ is a rootdir-relative folder, or a package once it grows an __init__.py
    from json_mutations import mutated
except ImportError:  # pragma: no cover - depends on how pytest was pointed at the tests
    from tests.json_mutations import mutated

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "scanner" / "report" / "report-schema.json").read_text()
)
REFERENCE = jsonschema.Draft7Validator(SCHEMA)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("validate")
    built = build_scenario("multi-secret", work / "repo")
    out = work / "report.json"
    args = ["scan", str(built.path), "-q", "--no-cache", "--engine", "python", "-f", "json"]
    assert main([*args, "-o", str(out), "--as-of", "2025-12-31T00:00:00Z"]) == 1
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def test_a_real_report_passes(report: dict[str, Any]) -> None:
    from scanner.report.validate import check_report

    REFERENCE.validate(report)
    check_report(report)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_check_agrees_with_jsonschema_on_mutated_reports(
    report: dict[str, Any], data: st.DataObject
) -> None:
    from scanner.report.validate import InvalidReport, check_report

    document = data.draw(mutated(report))
    expected = REFERENCE.is_valid(document)
    try:
        check_report(document)
    except InvalidReport as problem:
        assert not expected, f"refused a valid report: {problem}"
    else:
        assert expected, f"accepted an invalid report: {next(REFERENCE.iter_errors(document))}"


EDGES = [
    (("findings", 0, "locations", 0, "line"), 3.0),  # an integral number is an integer
    (("findings", 0, "locations", 0, "line"), 3.5),
    (("findings", 0, "locations", 0, "line"), True),  # a boolean is not
    (("findings", 0, "locations", 0, "line"), 0),
    (("scan", "stats", "commits"), 0.0),
    (("scan", "stats", "commits"), -0.5),
    (("findings", 0, "in_head"), 1),
    (("findings", 0, "in_head"), 0),
    (("findings", 0, "severity"), True),
    (("schema",), "leakwindow.report/2"),
    (("tool", "name"), "leakwindow"),
    (("findings", 0, "windows", 0, "closed"), None),
    (("findings", 0, "windows", 0, "closed"), {"sha": "a" * 40}),
    (("findings", 0, "first_commit"), None),
    (("findings", 0, "fingerprint"), "F" * 64),
    (("findings", 0, "rules"), []),
    (("scan", "as_of"), "2025-12-31T00:00:00"),
    (("summary", "longest_days"), -1e300),
    (("findings", 0, "windows", 0, "days"), True),  # nor is it a number
    (("scan", "seconds"), False),
]


@pytest.mark.parametrize(("place", "value"), EDGES)
def test_the_check_agrees_with_jsonschema_on_edge_values(
    report: dict[str, Any], place: tuple[Any, ...], value: Any
) -> None:
    from scanner.report.validate import InvalidReport, check_report

    document = json.loads(json.dumps(report))
    parent = document
    for step in place[:-1]:
        parent = parent[step]
    parent[place[-1]] = value
    try:
        check_report(document)
        accepted = True
    except InvalidReport:
        accepted = False
    assert accepted == REFERENCE.is_valid(document)


def test_the_first_problem_is_named_by_its_place(report: dict[str, Any]) -> None:
    from scanner.report.validate import InvalidReport, check_report

    document = json.loads(json.dumps(report))
    document["findings"][1]["windows"][0]["days"] = "59"
    with pytest.raises(InvalidReport, match=r"^findings\[1\]\.windows\[0\]\.days: expected number"):
        check_report(document)
    document = json.loads(json.dumps(report))
    document["scan"]["phases"]["\x1b[2J"] = -1
    with pytest.raises(InvalidReport, match=r'phases\["\\u001b\[2J"\]: must be at least 0'):
        check_report(document)


def test_an_unknown_schema_keyword_fails_loudly() -> None:
    """A schema change the validator cannot honour must not silently weaken the check."""
    from scanner.report.validate import check_report

    with pytest.raises(NotImplementedError, match="uniqueItems"):
        check_report([1, 1], {"type": "array", "uniqueItems": True})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 1e999}', "a number out of range"),
        ('{"a": ' + "1" * 20 + "}", "a number out of range"),
        ("[" * 40 + "]" * 40, "nested too deeply"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"a": ', "not JSON"),
    ],
)
def test_values_no_report_holds_are_refused_when_parsed(text: str, problem: str) -> None:
    from scanner.report.validate import InvalidReport, parse_report_json

    with pytest.raises(InvalidReport, match=problem):
        parse_report_json(text)

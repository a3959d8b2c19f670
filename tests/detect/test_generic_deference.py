"""A generic assignment rule gives way to a provider rule that matched the same text.

An AWS secret access key assigned to `aws_secret_access_key` is matched by both
`aws-secret-access-key` and `generic-secret-assignment` (40 random characters carry no
provider prefix for the generic rule's placeholders to recognise). The provider rule must have
the last word: the key is reported once, as an AWS key, and a look-alike the AWS rule turned
down is not reported as a generic secret either. Both the history scan and the pre-commit path
(`leakwindow staged`) go through real repositories and the command line.

The control cases put the same kinds of value under `api_key`, where no provider rule looks:
the generic rule reports them, so the tests above cannot pass merely because the generic rule
never saw the value.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from git_builders import GitRepo, fingerprint, scan
from matcher_support import matcher_for

from scanner.cli.app import main
from scanner.demo import make_token
from scanner.detect.filters import shannon_entropy
from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.matcher import Matcher, Span, _overlaps
from scanner.resources import rules_dir
from scanner.rules.pack import load_rules

PROVIDER = "aws-secret-access-key"
GENERIC = "generic-secret-assignment"
ENGINES = ["python"] + (["hyperscan"] if hyperscan_available() else [])

AWS_SECRET = make_token("aws-secret", random.Random("deference:provider"))
OTHER_SECRET = make_token("aws-secret", random.Random("deference:control"))
# 40 characters of the AWS key alphabet, but only 3.76 bits/char: below the AWS rule's 4.0,
# above the generic rule's 3.4. The AWS pattern matches it and its entropy filter drops it.
LOOKALIKE = "vWrfWUEV7h6FyvvVgUfvwFqwqWvyFgUFyyrVUw6r"

PROVIDER_LINE = 'aws_secret_access_key = "{}"\n'
GENERIC_LINE = 'api_key = "{}"\n'


def test_the_inputs_are_ones_both_rules_match() -> None:
    """Guards the premise: with no provider rule loaded, the generic rule reports every value
    below on the provider's own line, and the look-alike sits between the two thresholds."""
    pack = load_rules()
    generic_only = Matcher(load_rules(files=[rules_dir() / "generic.toml"]), engine="python")
    for value in (AWS_SECRET, LOOKALIKE):
        line = PROVIDER_LINE.format(value).encode()
        assert [m.rule_id for m in generic_only.scan(line)] == [GENERIC]
    generic_floor = pack.by_id[GENERIC].min_entropy
    provider_floor = pack.by_id[PROVIDER].min_entropy
    assert generic_floor is not None and provider_floor is not None
    assert generic_floor < shannon_entropy(LOOKALIKE) < provider_floor


def _rules_by_fingerprint(findings: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {f["fingerprint"]: sorted(f["rules"]) for f in findings}


@pytest.mark.parametrize("engine", ENGINES)
def test_history_scan_reports_a_provider_key_by_its_provider_rule_only(
    tmp_path: Path, engine: str
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("settings.py", PROVIDER_LINE.format(AWS_SECRET))
    repo.write("lookalike.py", PROVIDER_LINE.format(LOOKALIKE))
    repo.write("other.py", GENERIC_LINE.format(OTHER_SECRET))
    repo.commit("configuration")
    out = tmp_path / "out"
    out.mkdir()
    _, report = scan(repo.path, out, "--engine", engine)
    assert _rules_by_fingerprint(report["findings"]) == {
        fingerprint(AWS_SECRET): [PROVIDER],
        fingerprint(OTHER_SECRET): [GENERIC],  # the control: the generic rule is at work
    }
    (aws,) = [f for f in report["findings"] if f["fingerprint"] == fingerprint(AWS_SECRET)]
    assert [loc["path"] for loc in aws["locations"]] == ["settings.py"]


@pytest.mark.parametrize("engine", ENGINES)
def test_history_scan_leaves_a_rejected_provider_lookalike_unreported(
    tmp_path: Path, engine: str
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("lookalike.py", PROVIDER_LINE.format(LOOKALIKE))
    repo.commit("look-alike")
    repo.write("control.py", GENERIC_LINE.format(LOOKALIKE))
    out = tmp_path / "out"
    out.mkdir()
    _, report = scan(repo.path, out, "--engine", engine)
    assert report["findings"] == []
    # The same value where no provider rule looks is a generic finding.
    repo.commit("control")
    _, report = scan(repo.path, out, "--engine", engine)
    assert _rules_by_fingerprint(report["findings"]) == {fingerprint(LOOKALIKE): [GENERIC]}


def _staged(repo: GitRepo, capsys: pytest.CaptureFixture[str], engine: str) -> dict[str, Any]:
    repo.git("add", "-A")
    code = main(["staged", str(repo.path), "--format", "json", "--engine", engine])
    captured = capsys.readouterr()
    report: dict[str, Any] = json.loads(captured.out)
    assert code == (1 if report["findings"] else 0), captured.err
    for secret in (AWS_SECRET, OTHER_SECRET, LOOKALIKE):
        assert secret not in captured.out + captured.err
    return report


@pytest.mark.parametrize("engine", ENGINES)
def test_staged_hook_reports_a_provider_key_by_its_provider_rule_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("README.md", "a project\n")
    repo.commit("start")
    repo.write("settings.py", PROVIDER_LINE.format(AWS_SECRET))
    repo.write("lookalike.py", PROVIDER_LINE.format(LOOKALIKE))
    repo.write("other.py", GENERIC_LINE.format(OTHER_SECRET))
    report = _staged(repo, capsys, engine)
    assert _rules_by_fingerprint(report["findings"]) == {
        fingerprint(AWS_SECRET): [PROVIDER],
        fingerprint(OTHER_SECRET): [GENERIC],
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_a_provider_match_silences_only_the_generic_match_it_overlaps(engine: str) -> None:
    """In one file, the provider's key and a generic secret on another line: the provider
    claims its own text, not the whole file."""
    content = PROVIDER_LINE.format(AWS_SECRET) + "x = 1\n" + GENERIC_LINE.format(OTHER_SECRET)
    found = [(m.rule_id, m.line) for m in matcher_for(load_rules(), engine).scan(content.encode())]
    assert sorted(found) == [(PROVIDER, 1), (GENERIC, 3)]


def test_spans_that_only_touch_do_not_overlap() -> None:
    # A generic match right before or right after a provider's text keeps its own.
    claimed = Span(10, 20)
    assert not _overlaps(0, 10, claimed)
    assert not _overlaps(20, 30, claimed)
    assert _overlaps(0, 11, claimed)
    assert _overlaps(19, 30, claimed)

"""Fuzzing what a stranger controls, through the command line.

A repository's `.leakwindow.toml` and `.leakwindow-baseline.json`, and the JSON file given
to `leakwindow report`, are generated or mutated at random. The only outcomes allowed: the
command works, or it prints exactly one `leakwindow: error: …` line and exits 2. Never a
traceback, never the last-resort "internal error" (that would be a crash caught late),
never exit 1 from a failure.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.cli.app import main
from scanner.demo import build_scenario, make_token

try:  # tests/ is a rootdir-relative folder, or a package once it grows an __init__.py
    from json_mutations import json_values, mutated
except ImportError:  # pragma: no cover - depends on how pytest was pointed at the tests
    from tests.json_mutations import json_values, mutated

TOKEN = make_token("xai", random.Random("test-input-fuzz"))
FORMATS = ("text", "json", "sarif", "markdown", "html")
RULE_IDS = ("xai-api-key", "generic-password-assignment", "aws-access-key-id")
# 60 examples per property in the suite's time budget; LEAKWINDOW_FUZZ_EXAMPLES=2000 for a
# long run.
_FUZZ = settings(
    max_examples=int(os.environ.get("LEAKWINDOW_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check_outcome(code: int, err: str, allowed: tuple[int, ...]) -> None:
    """Success (an exit code in `allowed`), or one clear error line and exit 2."""
    assert "Traceback" not in err, err[-3000:]
    assert "internal error" not in err, err
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, err
        assert lines[0].startswith("leakwindow: error: "), err
        return
    assert code in allowed, err


# --- `leakwindow report FILE` -----------------------------------------------------------------


@pytest.fixture(scope="module")
def saved_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real report with windows, tags, several rules and a closed and an open window."""
    work = tmp_path_factory.mktemp("report-fuzz")
    built = build_scenario("multi-secret", work / "repo")
    out = work / "report.json"
    args = ["scan", str(built.path), "-q", "--no-cache", "-f", "json", "-o", str(out)]
    args += ["--engine", "python"]  # no Hyperscan database to compile for one scan
    code = main([*args, "--as-of", "2025-12-31T00:00:00Z"])
    assert code == 1
    report: dict[str, Any] = json.loads(out.read_text())
    assert len(report["findings"]) >= 3
    return report


@_FUZZ
@given(data=st.data())
def test_report_renders_or_refuses_any_mutation_of_a_report(
    saved_report: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    data: st.DataObject,
) -> None:
    document = data.draw(mutated(saved_report))
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(document))
    for fmt in FORMATS:
        code = main(["report", str(path), "-f", fmt])
        captured = capsys.readouterr()
        check_outcome(code, captured.err, allowed=(0,))
        if code == 0:
            assert captured.out


@_FUZZ
@given(text=st.one_of(st.text(max_size=200), json_values.map(json.dumps)))
def test_report_refuses_any_document_that_is_not_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "random.json"
    path.write_text(text)
    code = main(["report", str(path), "-f", "html"])
    check_outcome(code, capsys.readouterr().err, allowed=(0,))


def test_report_hand_picked_hostile_values(
    saved_report: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Values the mutations may miss: NaN, 4,000-digit numbers, deep nesting, odd dates."""
    text = json.dumps(saved_report)
    first_days = saved_report["findings"][0]["windows"][0]["days"]
    cases = [
        text.replace(f'"days": {json.dumps(first_days)}', '"days": NaN', 1),
        text.replace(f'"days": {json.dumps(first_days)}', '"days": 1e999', 1),
        text.replace(f'"days": {json.dumps(first_days)}', f'"days": {"9" * 4000}', 1),
        text.replace('"stats": {', '"deep": ' + "[" * 5000 + "]" * 5000 + ', "stats": {', 1),
        text.replace(saved_report["scan"]["as_of"], "9999-12-31T23:59:59-23:59"),
        text.replace(saved_report["scan"]["as_of"], "0001-01-01T00:00:00+23:59"),
        # Found by a long run: the schema allows a null HEAD ref, the text report crashed.
        text.replace('"ref": "refs/heads/main", "sha"', '"ref": null, "sha"', 1),
    ]
    for index, case in enumerate(cases):
        path = tmp_path / f"case{index}.json"
        path.write_text(case)
        for fmt in FORMATS:
            code = main(["report", str(path), "-f", fmt])
            captured = capsys.readouterr()
            check_outcome(code, captured.err, allowed=(0,))


# --- a repository's config and baseline, through the pre-commit hook --------------------------


@pytest.fixture(scope="module")
def staged_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with a key staged: the hook reads the config and, for the match, the
    baseline (both from the worktree, so each example only rewrites a file)."""
    repo = tmp_path_factory.mktemp("config-fuzz") / "repo"
    repo.mkdir()
    run = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*run, "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "README.md").write_text("demo\n")
    subprocess.run([*run, "add", "."], cwd=repo, check=True)
    subprocess.run([*run, "commit", "-qm", "one"], cwd=repo, check=True)
    (repo / "rules").mkdir()
    (repo / "rules" / "extra.toml").write_text(
        '[[rule]]\nid = "acme-token"\ntitle = "Acme"\nseverity = "low"\nkeywords = ["acme_"]\n'
        "pattern = '''acme_[a-z0-9]{20}'''\n[rule.examples]\n"
        'match = ["acme_z9x8c7v6b5n4m3l2k1j0"]\n'
    )
    (repo / "settings.py").write_text(f'XAI_API_KEY = "{TOKEN}"\n')
    subprocess.run([*run, "add", "settings.py"], cwd=repo, check=True)
    return repo


toml_keys = st.one_of(
    st.sampled_from(["paths", "rules", "exclude", "noise", "extra", "disable"]),
    st.text("abcxyz_-", min_size=1, max_size=6),
)
toml_strings = st.one_of(
    st.sampled_from(
        [
            "settings.py",
            "*.py",
            "src/",
            "**",
            "[",
            "rules/extra.toml",
            "../outside.toml",
            "/dev/zero",
            *RULE_IDS,
        ]
    ),
    st.text(max_size=10),
)
toml_scalars = st.one_of(
    toml_strings, st.integers(-(10**20), 10**20), st.booleans(), st.floats(allow_nan=False)
)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "0.0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


toml_values = st.recursive(
    toml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(toml_keys, children, max_size=3)
    ),
    max_leaves=8,
)
toml_documents = st.one_of(
    st.dictionaries(toml_keys, st.dictionaries(toml_keys, toml_values, max_size=3), max_size=3).map(
        lambda doc: "".join(
            f"[{json.dumps(section)}]\n"
            + "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in body.items())
            for section, body in doc.items()
        )
    ),
    st.text(max_size=200),
    # What the parsers themselves choke on: deep nesting, integers of thousands of digits.
    st.integers(500, 60_000).map(lambda depth: "a = " + "[" * depth + "]" * depth + "\n"),
    st.integers(4_000, 6_000).map(lambda digits: f"[paths]\nexclude = {'9' * digits}\n"),
)


@_FUZZ
@given(document=toml_documents)
def test_any_repository_config_works_or_is_one_line(
    staged_repo: Path, capsys: pytest.CaptureFixture[str], document: str
) -> None:
    (staged_repo / ".leakwindow.toml").write_text(document)
    try:
        code = main(["staged", str(staged_repo), "--format", "json"])
    finally:
        (staged_repo / ".leakwindow.toml").unlink()
    check_outcome(code, capsys.readouterr().err, allowed=(0, 1))


baseline_documents = st.one_of(
    json_values,
    st.fixed_dictionaries({"schema": st.just("leakwindow.baseline/1"), "secrets": json_values}),
    st.fixed_dictionaries(
        {"schema": st.just("leakwindow.baseline/1")},
        optional={
            "secrets": st.lists(st.dictionaries(st.sampled_from(["fingerprint"]), json_values))
        },
    ),
    st.fixed_dictionaries({"results": json_values}),
    st.fixed_dictionaries(
        {"results": st.dictionaries(st.text(max_size=5), st.lists(json_values, max_size=3))}
    ),
)


@_FUZZ
@given(
    document=st.one_of(
        baseline_documents.map(json.dumps),
        st.text(max_size=100),
        st.integers(500, 60_000).map(lambda depth: "[" * depth + "]" * depth),
        st.integers(4_000, 6_000).map(lambda digits: f'{{"results": {"9" * digits}}}'),
    )
)
def test_any_repository_baseline_works_or_is_one_line(
    staged_repo: Path, capsys: pytest.CaptureFixture[str], document: str
) -> None:
    (staged_repo / ".leakwindow-baseline.json").write_text(document)
    try:
        code = main(["staged", str(staged_repo), "--format", "json"])
    finally:
        (staged_repo / ".leakwindow-baseline.json").unlink()
    check_outcome(code, capsys.readouterr().err, allowed=(0, 1))

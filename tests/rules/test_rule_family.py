"""A rule's family is what the rule declares, never its file's name.

Two families change how a rule is matched (`generic` gives way to provider rules and skips
noise paths; `private-keys` skips the run and sequence filters), so a user's rule file that
happens to be called generic.toml must not get that treatment unless its rules ask for it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from git_builders import PYTHON_ENGINE
from scenario_support import build, finding_for, scan_json

from scanner.errors import LeakwindowError
from scanner.rules import pack as rules
from scanner.rules.pack import (
    CUSTOM_FAMILY,
    FAMILIES,
    SHIPPED_FAMILIES,
    builtin_rule_files,
    parse_rule_file,
)

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

TEAM_RULE = """
[[rule]]
id = "zorp-value"
title = "Zorp value"
severity = "medium"
{family}keywords = ["zorp"]
pattern = '''zorp = "([A-Za-z0-9_-]{{20,120}})"'''
[rule.examples]
match = ['zorp = "Qw8rT5yU2iO9pA3sD6fG1hJ4"']
"""


def _rule_file(directory: Path, name: str, family: str | None) -> Path:
    path = directory / name
    path.write_text(TEAM_RULE.format(family="" if family is None else f'family = "{family}"\n'))
    return path


def test_every_shipped_rule_declares_a_shipped_family() -> None:
    declared: set[str] = set()
    for path in builtin_rule_files():
        for raw in tomllib.loads(path.read_text(encoding="utf-8"))["rule"]:
            assert "family" in raw, f"{path.name}: {raw['id']} declares no family"
            # The pack is organised one family per file (CONTRIBUTING: "pick the family file").
            assert raw["family"] == path.stem, f"{path.name}: {raw['id']} is {raw['family']}"
            declared.add(raw["family"])
    assert declared == set(SHIPPED_FAMILIES)
    assert CUSTOM_FAMILY not in SHIPPED_FAMILIES


def test_a_shipped_rule_without_a_family_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "rules_dir", lambda: tmp_path)
    path = _rule_file(tmp_path, "generic.toml", None)
    with pytest.raises(LeakwindowError, match="'family' is required in the built-in rule pack"):
        parse_rule_file(path)


@pytest.mark.parametrize("name", ["generic.toml", "private-keys.toml", "mine.toml"])
def test_a_user_rule_without_a_family_is_custom_whatever_its_file_name(
    tmp_path: Path, name: str
) -> None:
    (rule,) = parse_rule_file(_rule_file(tmp_path, name, None))
    assert rule.family == CUSTOM_FAMILY


@pytest.mark.parametrize("family", FAMILIES)
def test_a_user_rule_may_declare_any_family(tmp_path: Path, family: str) -> None:
    (rule,) = parse_rule_file(_rule_file(tmp_path, "mine.toml", family))
    assert rule.family == family


@pytest.mark.parametrize("value", ['"generics"', '"Generic"', '""', "1", '["generic"]'])
def test_an_unknown_family_is_an_error_naming_the_allowed_ones(tmp_path: Path, value: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(TEAM_RULE.format(family=f"family = {value}\n"))
    with pytest.raises(LeakwindowError) as caught:
        parse_rule_file(path)
    assert str(caught.value) == (
        f"{path}: rule 'zorp-value': 'family' must be one of {', '.join(FAMILIES)}"
    )


def _commit(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text)
    env = ["-c", "user.name=t", "-c", "user.email=t@t.test"]
    subprocess.run(["git", "-C", str(repo), "add", name], check=True)
    subprocess.run(["git", "-C", str(repo), *env, "commit", "-qm", name], check=True)


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _rule_ids(report: dict[str, Any], secret: str) -> list[str]:
    return list(finding_for(report, secret)["rules"])


def test_a_user_file_named_generic_gets_generic_treatment_only_when_its_rules_ask(
    tmp_path: Path,
) -> None:
    fx = build("incident", tmp_path)
    plain = "Zq8rT5yU2iO9pA3sD6fG1hJ4"
    provider = fx.secrets["xai"]  # the xai-api-key rule matches it too
    _commit(fx.path, "yarn.lock", f'zorp = "{plain}"\n')  # a noise path
    _commit(fx.path, "deploy.py", f'zorp = "{plain}x"\nzorp = "{provider}"\n')
    undeclared = tmp_path / "undeclared"
    undeclared.mkdir()
    declared = tmp_path / "declared"
    declared.mkdir()

    own_rules = _rule_file(undeclared, "generic.toml", None)
    _, custom = scan_json(fx.path, tmp_path, *PYTHON_ENGINE, "--rules", str(own_rules))
    paths = {loc["path"] for loc in finding_for(custom, plain)["locations"]}
    assert paths == {"yarn.lock"}  # noise paths are skipped by generic rules only
    assert _rule_ids(custom, plain + "x") == ["zorp-value"]
    assert sorted(_rule_ids(custom, provider)) == ["xai-api-key", "zorp-value"]

    generic_file = _rule_file(declared, "generic.toml", "generic")
    _, generic = scan_json(fx.path, tmp_path, *PYTHON_ENGINE, "--rules", str(generic_file))
    assert fingerprint(plain) not in {f["fingerprint"] for f in generic["findings"]}
    assert _rule_ids(generic, plain + "x") == ["zorp-value"]  # found outside noise paths
    assert _rule_ids(generic, provider) == ["xai-api-key"]  # gives way to the provider rule

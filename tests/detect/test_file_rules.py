"""Rules bound to credential files: which names call for them, what a template is, and how the
matcher and the path filter keep them to those files."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.detect.file_rules import is_template
from scanner.detect.matcher import Matcher
from scanner.errors import LeakwindowError
from scanner.rules.config import Config, path_filter
from scanner.rules.file_names import FileRules, example_path, reads_file
from scanner.rules.pack import Rule, load_rules, parse_rule_file

PACK = load_rules()

RULE = """
[[rule]]
id = "zorp-store"
title = "Zorp store password"
severity = "high"
files = {files}
keywords = ["zorp"]
pattern = '''zorp=(\\S+)'''
[rule.examples]
match = ['zorp=Qm7rT2vK9pLx4NcW8hZ3']
"""


def _own_rule(tmp_path: Path, files: str) -> Rule:
    path = tmp_path / "own.toml"
    path.write_text(RULE.format(files=files))
    return parse_rule_file(path)[0]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "<your-password>",
        "<your smtp password>",
        "${DB_PASSWORD}",
        "$PGPASSWORD",
        "%NUGET_PAT%",
        "{{ vault_db_password }}",
        "<%= ENV['DB_PASSWORD'] %>",
        "changeme",
        "CHANGE_ME",
        "xxxx",
        "********",
        "...",
        "your_password_here",
        '"<token>"',
    ],
)
def test_a_whole_template_is_a_template(value: str) -> None:
    assert is_template(value)


@pytest.mark.parametrize(
    "value",
    # weak, or holding a template's characters inside random text: all real values
    ["pass123", "password", "admin", "a<b>c9Qz", "Qz$HOME9", "x7xxxx", "changeme2", "123456"],
)
def test_a_weak_or_odd_value_is_not_a_template(value: str) -> None:
    assert not is_template(value)


def test_names_are_looked_up_by_the_last_component_in_any_case(tmp_path: Path) -> None:
    netrc = _own_rule(tmp_path, '[".netrc", "_netrc"]')
    dump = _own_rule(tmp_path, '["*.sql"]')
    sources = _own_rule(tmp_path, '["data-sources*.json"]')
    index = FileRules([netrc, dump, sources])
    assert index.rules_for(".netrc") == (0,)
    assert index.rules_for("home/deploy/_NETRC") == (0,)
    assert index.rules_for("backup/2024/Dump.SQL") == (1,)
    assert index.rules_for(".dbeaver/data-sources-2.json") == (2,)
    for ordinary in ("netrc", ".netrc.md", ".netrc/readme", "notes.txt", ".sql", "sql", ""):
        assert index.rules_for(ordinary) == (), ordinary
    assert reads_file(netrc, "a/b/_netrc") and not reads_file(netrc, "a/_netrc/b")
    assert FileRules([]).rules_for(".netrc") == ()


def test_an_example_path_is_a_name_the_rule_reads(tmp_path: Path) -> None:
    assert example_path((".netrc", "_netrc")) == ".netrc"
    assert example_path(("*.sql",)) == "example.sql"
    assert example_path(("data-sources*.json",)) == "data-sourcesexample.json"
    for rule in PACK.rules:
        if rule.files:
            path = example_path(rule.files)
            assert path is not None and reads_file(rule, path), rule.id
    assert example_path(()) is None


def test_files_must_be_names(tmp_path: Path) -> None:
    assert _own_rule(tmp_path, '["sitemanager.xml"]').files == ("sitemanager.xml",)
    for wrong in ('["etc/shadow"]', '[""]', '".netrc"', "[1]"):
        with pytest.raises(LeakwindowError, match="'files' must"):
            _own_rule(tmp_path, wrong)


def test_a_bound_rule_reads_only_its_files_and_is_never_screened(tmp_path: Path) -> None:
    rule = _own_rule(tmp_path, '[".zorprc"]')
    pack = type(PACK)(rules=(rule,), digest="own", by_id={rule.id: rule})
    matcher = Matcher(pack, engine="python")
    content = b"zorp=pass123\n"
    assert [m.secret for m in matcher.scan(content, ".zorprc")] == [b"pass123"]
    assert matcher.scan(content, "notes.txt") == []
    assert matcher.scan(content) == []  # a blob on its own: named files are read by name
    assert matcher.reads_file("x/.zorprc") and not matcher.reads_file("x/zorprc")
    assert [m.secret for m in matcher.scan_file(content, "a.txt", "b/.zorprc")] == [b"pass123"]
    assert matcher.scan_file(content, "a.txt") == []
    # an allow marker still waives it
    assert matcher.scan(b"zorp=pass123  # leakwindow:allow\n", ".zorprc") == []


def test_the_path_filter_keeps_a_bound_rule_to_its_files(tmp_path: Path) -> None:
    allowed = path_filter(Config(), PACK)
    assert allowed is not None
    assert allowed("netrc-file-password", "home/.netrc")
    assert not allowed("netrc-file-password", "notes.txt")
    assert allowed("netrc-password", "notes.txt")  # a content rule reads every file
    rule = _own_rule(tmp_path, '[".zorprc"]')
    own = path_filter(Config(), type(PACK)(rules=(rule,), digest="own", by_id={rule.id: rule}))
    assert own is not None and not own(rule.id, "notes.txt")


def test_a_bound_rules_keywords_occur_in_its_matches() -> None:
    """The keyword contract holds for rules bound to files too, though they are not
    screened: the keywords stay true to what the rule finds."""
    bound = [rule for rule in PACK.rules if rule.files]
    assert len(bound) >= 22
    for rule in bound:
        for example in rule.examples_match:
            hits = list(rule.regex.finditer(example.encode()))
            assert hits, rule.id
            for hit in hits:
                text = hit.group(0).lower()
                assert any(keyword.encode() in text for keyword in rule.keywords), rule.id


def test_the_template_regex_passes_the_regex_guard() -> None:
    """Compiled on first use, so the guard's walk over module patterns does not see it."""
    from scanner.detect.file_rules import _TEMPLATE
    from scanner.rules.regex_guard import RULE_SUBJECT, check_pattern

    assert check_pattern(_TEMPLATE, RULE_SUBJECT) is None

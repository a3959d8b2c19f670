"""The shared assignment grammar (`{assign}`) reads a name's value in every syntax it lists.

A provider key without a prefix is found by its name, a separator and its value. The rules
that do so write `{assign}` between name and value (scanner/rules/assignment.py); the tests
here load a rule of their own that uses it, so they hold whatever the pack's rules look like,
and run it under both engines: each syntax finds the value, each near miss finds nothing.
Then a repository holding a Deepgram key in the syntaxes real projects commit (a Kubernetes
manifest, an XML config, a Makefile, a Dockerfile, Go, TypeScript, Terraform) is scanned
through the command line, and the shipped rules are held to using the macro.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from git_builders import GitRepo, scan
from matcher_support import matcher_for

from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.rule_shape import sre_parser
from scanner.rules import pack as pack_module
from scanner.rules.assignment import (
    ASSIGN_MACRO,
    ASSIGNMENT,
    NEAR,
    NEAR_MACRO,
    screening_stand_in,
)
from scanner.rules.pack import builtin_rule_files, load_rules

ENGINES = ["python"] + (["hyperscan"] if hyperscan_available() else [])
KEY = f"{random.Random('assign:key').getrandbits(160):040x}"

RULE_FILE = """
[[rule]]
id = "acme-api-key"
title = "Acme API key (an invented provider)"
severity = "high"
keywords = ["acme"]
pattern = '''(?i:acme[\\w.-]{0,20}?key)[\\w.-]{0,20}?{assign}([0-9a-f]{40})(?![0-9A-Za-z])'''
[rule.examples]
match = ['ACME_API_KEY=4339aa1da463c1babfb0f5026274c31083bc1165']

[[rule]]
id = "acme-live-token"
title = "Acme live token (an invented format with a prefix of its own)"
severity = "high"
keywords = ["acme"]
pattern = '''(?i:acme){near}\\b(alt_[0-9a-f]{32})(?![0-9A-Za-z])'''
[rule.examples]
match = ['ACME_TOKEN=alt_4339aa1da463c1babfb0f5026274c310']
"""
LIVE = f"alt_{random.Random('assign:live').getrandbits(128):032x}"

# `{near}`: the provider's name before a value of its own shape, on the line or the next one.
NEAR_SYNTAXES: dict[str, str] = {
    "same line": "client = Acme(token='{v}')",
    "xml element, next line": "<acmeToken>\n    {v}\n</acmeToken>",
    "kubernetes env": '- name: ACME_TOKEN\n  value: "{v}"',
    "terraform heredoc": "acme_token = <<-EOT\n    {v}\n  EOT",
}
NEAR_MISSES_NEAR: dict[str, str] = {
    "two lines below the name": "# acme\nregion = 'eu'\ntoken = '{v}'",
    "the name after the value": "token = '{v}'  # acme",
}

# One text per syntax of the grammar, each holding KEY (at `{v}`) as an Acme key's value.
SYNTAXES: dict[str, str] = {
    "dotenv": "ACME_API_KEY={v}",
    "yaml": "acme_api_key: '{v}'",
    "json": '{"acmeApiKey": "{v}"}',
    "escaped json": '"{\\"acmeApiKey\\": \\"{v}\\"}"',
    "python subscript": 'os.environ["ACME_API_KEY"] = "{v}"',
    "ruby hash": ":acme_api_key => '{v}'",
    "go short assign": 'acmeApiKey := "{v}"',
    "go var": 'var acmeApiKey string = "{v}"',
    "typescript": "export const ACME_API_KEY: string = '{v}';",
    "rust": 'const ACME_API_KEY: &str = "{v}";',
    "kotlin": 'val acmeApiKey: String = "{v}"',
    "c# verbatim": 'const string AcmeApiKey = @"{v}";',
    "php concat": "$acmeApiKey .= '{v}';",
    "php define": "define('ACME_API_KEY', '{v}');",
    "r": 'acme_api_key <- "{v}"',
    "makefile ?=": "ACME_API_KEY ?= {v}",
    "makefile :::=": "ACME_API_KEY :::= {v}",
    "makefile +=": "ACME_API_KEY += {v}",
    "dockerfile ENV pair": "ENV ACME_API_KEY {v}",
    "properties blank": "acme.api.key {v}",
    "command-line flag": "--acme-api-key {v}",
    "aligned": "ACME_API_KEY          = {v}",
    "call argument": 'AcmeClient(acme_api_key, "{v}")',
    "keyword argument": 'Secret("ACME_API_KEY", value="{v}")',
    "ecs name/value": '{"name": "ACME_API_KEY", "value": "{v}"}',
    "xml element": "<acmeApiKey>{v}</acmeApiKey>",
    "xml element, next line": "<acmeApiKey>\n    {v}\n</acmeApiKey>",
    "xml add": '<add key="AcmeApiKey" value="{v}" />',
    "kubernetes env": '- name: ACME_API_KEY\n  value: "{v}"',
    "terraform heredoc": "acme_api_key = <<-EOT\n    {v}\n  EOT",
    "ruby squiggly heredoc": "acme_api_key = <<~KEYS\n  {v}\nKEYS",
    "yaml literal block": "acme_api_key: |\n  {v}",
}

NEAR_MISSES: dict[str, str] = {
    "value glued to the name": "ACME_API_KEY_{v}",
    "a comparison, not an assignment": 'if acme_api_key == "{v}":',
    "a bare = with the value on the next line": "ACME_API_KEY=\n{v}",
    "a type that is not a string": "const ACME_API_KEY: number = {v}",
    "kubernetes valueFrom": "- name: ACME_API_KEY\n  valueFrom: {v}",
}


def _in_a_file(line: str) -> bytes:
    return ("# settings\n" + line.replace("{v}", KEY) + "\n# end\n").encode()


@pytest.fixture(scope="module")
def acme_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("assign") / "acme.toml"
    path.write_text(RULE_FILE)
    return path


def test_a_rule_file_of_ones_own_gets_the_grammar(acme_rules: Path) -> None:
    rule = load_rules(files=[acme_rules]).by_id["acme-api-key"]
    assert ASSIGN_MACRO not in rule.pattern
    assert ASSIGNMENT in rule.pattern


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("syntax", sorted(SYNTAXES))
def test_each_syntax_gives_the_value(acme_rules: Path, syntax: str, engine: str) -> None:
    matcher = matcher_for(load_rules(files=[acme_rules]), engine)
    text = _in_a_file(SYNTAXES[syntax])
    assert [m.secret for m in matcher.scan(text)] == [KEY.encode()]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(NEAR_MISSES))
def test_near_misses_give_nothing(acme_rules: Path, case: str, engine: str) -> None:
    matcher = matcher_for(load_rules(files=[acme_rules]), engine)
    text = _in_a_file(NEAR_MISSES[case])
    assert matcher.scan(text) == []


def _bytes_read(items: Any) -> set[int]:
    """Every byte a parsed pattern can match (it may use literals and ranges only)."""
    found: set[int] = set()
    for op, value in items:
        name = str(op)
        if name == "LITERAL":
            found.add(value)
        elif name == "IN":
            for kind, item in value:
                assert str(kind) in ("LITERAL", "RANGE"), f"the grammar uses {kind}"
                low, high = (item, item) if str(kind) == "LITERAL" else item
                found.update(range(low, high + 1))
        elif name == "SUBPATTERN":
            found |= _bytes_read(value[3])
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            found |= _bytes_read(value[2])
        elif name == "BRANCH":
            for branch in value[1]:
                found |= _bytes_read(branch)
        elif name in ("ASSERT", "ASSERT_NOT"):
            continue  # reads nothing the match holds
        else:
            raise AssertionError(f"the grammar uses {name}: teach this walk")
    return found


def test_the_screen_stands_in_for_every_text_the_grammar_reads() -> None:
    """Hyperscan screens `screening_stand_in()` where a rule has the grammar: a run of the
    bytes the grammar can hold, as long as its longest match, so it matches whatever the
    grammar matches (a screen that missed a text would lose its finding)."""
    tree = sre_parser().parse(ASSIGNMENT)
    allowed = {9, 10, 13, *range(0x20, 0x7F)}
    assert _bytes_read(tree) <= allowed
    assert screening_stand_in() == f"[\\t\\n\\r -~]{{0,{tree.getwidth()[1]}}}"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("syntax", sorted(NEAR_SYNTAXES))
def test_near_reads_the_value_on_the_line_or_the_next(
    acme_rules: Path, syntax: str, engine: str
) -> None:
    matcher = matcher_for(load_rules(files=[acme_rules]), engine)
    text = _in_a_file(NEAR_SYNTAXES[syntax].replace("{v}", LIVE))
    assert [(m.rule_id, m.secret) for m in matcher.scan(text)] == [
        ("acme-live-token", LIVE.encode())
    ]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(NEAR_MISSES_NEAR))
def test_near_does_not_reach_further(acme_rules: Path, case: str, engine: str) -> None:
    matcher = matcher_for(load_rules(files=[acme_rules]), engine)
    text = _in_a_file(NEAR_MISSES_NEAR[case].replace("{v}", LIVE))
    assert matcher.scan(text) == []


def test_what_the_grammar_means_is_part_of_the_packs_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cached Hyperscan database is keyed by the digest: a changed grammar must not reuse it."""
    before = load_rules().digest
    monkeypatch.setattr(pack_module, "ASSIGNMENT", ASSIGNMENT + "(?:)")
    assert load_rules().digest != before
    monkeypatch.setattr(pack_module, "ASSIGNMENT", ASSIGNMENT)
    monkeypatch.setattr(pack_module, "NEAR", NEAR + "(?:)")
    assert load_rules().digest != before


# The separator grammars the provider rules carried before `{assign}` and `{near}`: a rule that
# copies one reads fewer syntaxes than its neighbours.
_OLD_SEPARATORS = re.compile(
    r"""\(\?:\(\?:=>\|:=\|=\|:\)|\(\?:=>\|:=\|=\|:\)|\(\?:=\|:=\|:\|=>|\[\^\\n\]\{0,(?:60|80)\}\?"""
)


def test_the_shipped_rules_read_names_through_the_shared_grammar() -> None:
    copies = []
    for path in builtin_rule_files():
        for line in path.read_text().splitlines():
            if line.startswith("pattern =") and _OLD_SEPARATORS.search(line):
                copies.append(f"{path.name}: {line[:80]}")
    assert not copies, "write {assign} (or {near}) between name and value:\n" + "\n".join(copies)
    texts = [path.read_text() for path in builtin_rule_files()]
    assert sum(text.count(ASSIGN_MACRO) for text in texts) >= 250
    assert sum(text.count(NEAR_MACRO) for text in texts) >= 30


def test_a_repository_leaks_the_key_in_every_syntax_it_commits(tmp_path: Path) -> None:
    files = {
        "k8s/deployment.yaml": (
            "env:\n  - name: LOG_LEVEL\n    value: info\n"
            '  - name: DEEPGRAM_API_KEY\n    value: "{}"\n'
        ),
        "conf/app-config.xml": (
            "<config>\n  <deepgramApiKey>\n    {}\n  </deepgramApiKey>\n</config>\n"
        ),
        "Makefile": "REGION ?= eu-west-1\nDEEPGRAM_API_KEY ?= {}\n",
        "Dockerfile": "FROM python:3.12\nENV DEEPGRAM_API_KEY {}\n",
        "config.go": 'package config\n\nvar deepgramApiKey string = "{}"\n',
        "env.ts": "export const DEEPGRAM_API_KEY: string = '{}';\n",
        "main.tf": 'resource "acme" "api" {{\n  deepgram_api_key = <<-EOT\n    {}\n  EOT\n}}\n',
    }
    rng = random.Random("assign:repository")
    keys = {name: f"{rng.getrandbits(160):040x}" for name in files}
    repo = GitRepo(tmp_path / "repo")
    for name, text in files.items():
        repo.write(name, text.format(keys[name]))
    repo.commit("configuration")
    _, report = scan(repo.path, tmp_path)
    found = {
        location["path"]: finding["rules"]
        for finding in report["findings"]
        for location in finding["locations"]
    }
    assert {name: found.get(name) for name in files} == {
        name: ["deepgram-api-key"] for name in files
    }

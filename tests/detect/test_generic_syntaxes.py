"""The generic rules read each syntax family a secret is committed in, and only secrets.

Per family (generic_syntax_cases.py): every positive line gives a generic finding of its
generated value under both engines, and no decoy (a placeholder, a template, an environment
lookup, a digest under a name that is not a secret's) gives one. A hex value under a secret's
name keeps the generic grade; a UUID keeps it under a name that says secret or key, and is
graded low under a token's name. One end-to-end test scans the same lines committed as
the files they come from (Dockerfile, docker-compose.yml, Makefile, ...) in a real repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from generic_syntax_cases import DECOYS, POSITIVES, render, values
from git_builders import GitRepo, fingerprint, scan
from matcher_support import matcher_for

from scanner.detect.grading import grade, match_grade
from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.matcher import Matcher
from scanner.matches import Match
from scanner.rules.pack import GENERIC_FAMILY, load_rules

PACK = load_rules()
ENGINES = ["python"] + (["hyperscan"] if hyperscan_available() else [])
_MATCHERS: dict[str, Matcher] = {}


def _matches(engine: str, text: str) -> list[Match]:
    matcher = _MATCHERS.get(engine)
    if matcher is None:
        matcher = _MATCHERS[engine] = matcher_for(PACK, engine)
    return matcher.scan(text.encode() + b"\n", path="config")


def _generic_matches(engine: str, text: str) -> list[Match]:
    return [m for m in _matches(engine, text) if PACK.by_id[m.rule_id].family == GENERIC_FAMILY]


def _positives() -> list[tuple[str, int, str]]:
    return [(family, i, t) for family, lines in POSITIVES.items() for i, t in enumerate(lines)]


def _decoys() -> list[tuple[str, int, str]]:
    return [(family, i, t) for family, lines in DECOYS.items() for i, t in enumerate(lines)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("family", "index", "template"), _positives())
def test_a_secret_in_each_syntax_is_found(
    engine: str, family: str, index: int, template: str
) -> None:
    text, held = render(template, values(f"{family}:{index}"))
    found = _matches(engine, text)  # a provider rule may own the value (Heroku, WordPress)
    if held:
        assert held & {m.secret.decode() for m in found}, text
    else:  # a literal value: the WordPress salt
        assert found, text


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("family", "index", "template"), _decoys())
def test_a_decoy_in_each_syntax_gives_nothing(
    engine: str, family: str, index: int, template: str
) -> None:
    text, _ = render(template, values(f"decoy:{family}:{index}"))
    assert _matches(engine, text) == [], text


# The grade each hex-and-uuid positive gets: a hex string keeps the generic `medium`; a UUID
# keeps it under a name that says secret or key, and is `low` under a token's name.
_HEX_AND_UUID_GRADES = ["medium", "medium", "medium", "medium", "medium", "low", "medium"]
_HEX_AND_UUID_GRADES += ["medium", "low"]


@pytest.mark.parametrize("index", range(len(POSITIVES["hex-and-uuid-values"])))
def test_hex_and_uuid_values_under_a_secret_name_are_graded_by_shape_and_name(index: int) -> None:
    text, held = render(POSITIVES["hex-and-uuid-values"][index], values(f"hex:{index}"))
    matches = [m for m in _generic_matches("python", text) if m.secret.decode() in held]
    if not matches:
        assert _matches("python", text), text
        pytest.skip("a provider rule owns this one")  # HEROKU_API_KEY, CONSUL_HTTP_TOKEN
    grades = {match_grade(PACK.by_id[m.rule_id], m) for m in matches}
    assert grades == {_HEX_AND_UUID_GRADES[index]}, text
    # without the name, a UUID is as often an id as a key
    if "uuid" in POSITIVES["hex-and-uuid-values"][index]:
        assert {grade(PACK.by_id[m.rule_id], m.secret) for m in matches} == {"low"}


def test_a_random_value_keeps_the_generic_grade() -> None:
    text, _ = render('api_key = "{s}"', values("random"))
    (match,) = _generic_matches("python", text)
    assert grade(PACK.by_id[match.rule_id], match.secret) == "medium"


# The files the families come from, each holding the first positive line of its family.
_FILES = {
    "Dockerfile": "dockerfile",
    "docker-compose.yml": "compose-env-list",
    "Makefile": "makefile",
    "deploy/app.yaml": "kubernetes-env",
    "src/main/resources/application.properties": "properties",
    "main.go": "go",
    "infra/main.tf": "terraform-heredoc",
    "analysis.ipynb": "notebook",
}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_history_scan_finds_each_syntax_in_its_own_file(tmp_path: Path, engine: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    expected = set()
    for name, family in _FILES.items():
        text, held = render(POSITIVES[family][0], values(f"file:{family}"))
        repo.write(name, text + "\n")
        expected |= {fingerprint(value) for value in held}
    decoy, _ = render(DECOYS["compose-env-list"][0], values("file:decoy"))
    repo.write("compose.override.yml", decoy + "\n")
    repo.commit("configuration")
    out = tmp_path / "out"
    out.mkdir()
    _, report = scan(repo.path, out, "--engine", engine)
    assert {f["fingerprint"] for f in report["findings"]} == expected

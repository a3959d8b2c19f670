"""The regex guard judges every regex by what it costs on the texts it runs on.

Counted repeats count (`(\\w{0,64}){0,64}` is as exponential as `(\\w*)*`), adjacent repeats
that can read the same text are judged against the longest text the regex is given, and
placeholders, path_ignore and verify bodies are checked like patterns. Each verdict here is
backed by a measurement: what the guard refuses really runs for seconds on a short hostile
text, what it accepts stays fast on the inputs built to expose it. The scanner's own regexes
and the whole built-in pack pass.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_support import Run, error_line, leakwindow, repo_with
from timing_support import seconds_capped

import scanner
from scanner.rules.pack import load_rules
from scanner.rules.regex_guard import check_pattern, repeated_bytes

LIMIT_SECONDS = 1.0  # a refused pattern must still be running after this on its hostile text


def _search_seconds(pattern: str, text: bytes, limit: float = LIMIT_SECONDS) -> float:
    """How long a search takes (stopped at `limit`, which is then the answer)."""
    regex = re.compile(pattern.encode())
    return seconds_capped(lambda: list(regex.finditer(text)), limit)


# (pattern, a short text on which it backtracks for seconds or more)
REFUSED = [
    # the bypass: counted repeats of a part that can end in 65 places
    (r"key(\w{0,64}){0,64}!", b"key" + b"a" * 45),
    (r"(?:[A-Z]{0,3}[a-z]+){1,40}!", b"a" * 40),
    (r"(\w{1,8}){12}!", b"a" * 60),
    (r"(?:a|a){0,100}!", b"a" * 40),
    # the built-in placeholder at commit e5329f8 (4 s on a 45-byte value, doubling per letter)
    (r"^(?:[A-Z]{0,3}[a-z]+)+[0-9]{0,6}[!@#$%^&*.?]{0,2}$", b"a" * 40 + b"~"),
    # polynomial: three repeats that can read the same run
    (r"\w*\w*\w*x", b"a" * 3000),
    # quadratic over start positions: every later start reads the run again
    (r'key=(\S+)"', b"key=" * 20000),
    # (sized to run about twice the limit on a fast machine, where the limit cuts it short:
    # 30,000 bytes took 0.97 s there, and the test failed)
    (r"[\w.-]+@[\w.-]+", b"a" * 42000),
]
ACCEPTED = [
    # delimited rounds: where one round could go on, the next cannot start
    r"^[a-z]+(?:[-_.][a-z]+)*$",
    r"^(?:[a-z0-9_.-]+/)+[a-z0-9_.-]*$",
    r"^[A-Za-z_]{1,40}(?:\.[A-Za-z_]{1,40})+$",
    r"(?:,\s{0,4}\w{1,20}){0,20};",
    r"^[A-Z]{0,3}[a-z]+(?:[A-Z]{1,3}[a-z]+)*[0-9]{0,6}[!@#$%^&*.?]{0,2}$",
    # one pass per attempt, and what comes first cannot occur inside the runs
    r"(?i)(?:api|secret)[_-]?key\s*[:=]\s*(\S{16,64})",
    r'"ok"\s*:\s*true',
    # small bounded products
    r"[a-z]{0,24}[a-z0-9]{0,30}x",
    r"(\w{1,3}){1,4}!",
]


@pytest.mark.parametrize(("pattern", "hostile"), REFUSED, ids=[p for p, _ in REFUSED])
def test_what_the_guard_refuses_really_backtracks_for_seconds(pattern: str, hostile: bytes) -> None:
    assert check_pattern(pattern) is not None
    assert _search_seconds(pattern, hostile) >= LIMIT_SECONDS


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_what_the_guard_accepts_stays_fast_on_the_inputs_built_to_expose_it(
    pattern: str,
) -> None:
    from scanner.rules.regex_guard import pumped_inputs

    assert check_pattern(pattern) is None
    inputs = [text for _, text in pumped_inputs(pattern, pumped_bytes=16 << 10)]
    inputs += [byte * (16 << 10) + b"\x00" for byte in repeated_bytes(pattern)]
    assert inputs
    for text in inputs:
        assert _search_seconds(pattern, text) < 0.5, text[:80]


def test_the_refusal_says_what_and_where_in_one_line_without_the_literal_text() -> None:
    leaked = "xai-" + "Q7pL2mZ9" * 4  # a rule written around one leaked key
    problem = check_pattern(leaked + r"(\w{0,64}){0,64}!")
    assert problem is not None and "\n" not in problem
    assert "repeat" in problem and leaked[:12] not in problem


def test_long_texts_decide_what_is_polynomial() -> None:
    """The same shape is fine on a placeholder's short secret, not on a line of a blob."""
    from scanner.rules.regex_guard import RULE_SUBJECT

    pattern = r"^[a-z]*[a-z0-9]*[a-z]*!"
    assert check_pattern(pattern, subject=256) is None
    assert check_pattern(pattern, subject=RULE_SUBJECT) is not None
    assert _search_seconds(pattern, b"a" * 256) < 0.5
    assert _search_seconds(pattern, b"a" * 4000) >= LIMIT_SECONDS


def _rule_regexes() -> Iterator[tuple[str, str, int]]:
    from scanner.rules.regex_guard import BODY_SUBJECT, PATH_SUBJECT, RULE_SUBJECT, secret_subject

    for rule in load_rules().rules:
        yield f"{rule.id} pattern", rule.pattern, RULE_SUBJECT
        for placeholder in rule.placeholders:
            yield f"{rule.id} placeholder", placeholder.pattern, secret_subject(rule.pattern)
        for ignored in rule.path_ignore:
            yield f"{rule.id} path_ignore", ignored.pattern, PATH_SUBJECT
        for key in ("live_body", "invalid_body"):
            if rule.verify and rule.verify.get(key):
                yield f"{rule.id} {key}", rule.verify[key], BODY_SUBJECT


# Run only on the project's own fixture specs, never on a repository's content.
_NOT_ON_REPOSITORY_CONTENT = {
    "scanner.demo.model",
    "scanner.demo.scenarios",
    "scanner.demo.spec",
    "scanner.demo.steps",
}


def _module_regexes() -> Iterator[tuple[str, str | bytes, int]]:
    from scanner.rules.regex_guard import RULE_SUBJECT

    for info in pkgutil.walk_packages(scanner.__path__, "scanner."):
        if info.name in _NOT_ON_REPOSITORY_CONTENT:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                yield f"{info.name}.{name}", value.pattern, RULE_SUBJECT


def test_the_modules_left_out_of_the_guard_exist() -> None:
    """A module renamed or moved must not keep its exemption under a name nothing has."""
    modules = {info.name for info in pkgutil.walk_packages(scanner.__path__, "scanner.")}
    assert _NOT_ON_REPOSITORY_CONTENT - modules == set()


def test_every_regex_the_scanner_runs_on_repository_content_passes_the_guard() -> None:
    checked = [*_rule_regexes(), *_module_regexes()]
    kinds = {where.split(" ")[-1] for where, _, _ in checked}
    assert {"pattern", "placeholder", "live_body", "invalid_body"} <= kinds
    assert len(checked) > 600
    refused = {where: check_pattern(p, subject) for where, p, subject in checked}
    assert {where: why for where, why in refused.items() if why} == {}


# --- through the command line: a hostile rule can no longer hang a scan -----------------


def _rule_file(path: Path, pattern: str, **extra: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "[[rule]]",
        'id = "hostile"',
        'title = "Hostile"',
        'severity = "high"',
        'keywords = ["tok_"]',
        f"pattern = '''{pattern}'''",
        *(f"{key} = {value}" for key, value in extra.items()),
        "[rule.examples]",
        'match = ["tok_abcdefghij"]',
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


# A `tok_` secret of 52 letters (no run, no fill-in word), then on the same line (so that the
# keyword screen lets it through) 45 word characters after `key` and no `!`.
HOSTILE_CONTENT = b"tok_" + b"abcdefghijklm" * 4 + b" key" + b"a" * 45 + b"\n"


def _assert_refused_in_one_line(run: Run, where: str) -> None:
    assert run.code == 2, (run.code, run.stderr[-300:])
    line = error_line(run.stderr)
    assert "'hostile'" in line and where in line and "Traceback" not in run.stderr


def test_a_counted_nested_repeat_in_a_rules_file_is_refused(tmp_path: Path) -> None:
    repo = repo_with(tmp_path / "repo", {"notes.txt": HOSTILE_CONTENT})
    rules = _rule_file(tmp_path / "mine.toml", r"key(\w{0,64}){0,64}!|tok_[a-z]{10}")
    run = leakwindow("scan", str(repo), "--rules", str(rules), "--no-cache", "-q")
    _assert_refused_in_one_line(run, "'pattern'")


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [
        ("placeholders", "['''^(?:[a-m]+)+!$''']", "'placeholders'"),
        ("path_ignore", "['''^(?:[a-z/]+)+[.]x$''']", "'path_ignore'"),
    ],
)
def test_a_hostile_placeholder_or_path_ignore_in_the_repository_config_is_refused(
    tmp_path: Path, key: str, value: str, where: str
) -> None:
    """Up to commit e5329f8 these were never checked: the repository's own rule file made each
    `tok_…` secret (or each path) backtrack for minutes."""
    files = {
        "abcdefghijklmabcdefghijklmabcdefghijklm/nopqrstuvwxyzabcdefghijklmnopqr.y": (
            HOSTILE_CONTENT
        ),
        ".leakwindow.toml": b'[rules]\nextra = ["ci/rules.toml"]\n',
    }
    repo = repo_with(tmp_path / "repo", files)
    _rule_file(repo / "ci" / "rules.toml", r"tok_([a-m]{10,60})", **{key: value})
    run = leakwindow("scan", str(repo), "--no-cache", "-q")
    _assert_refused_in_one_line(run, where)


def test_a_verify_body_that_backtracks_is_refused(tmp_path: Path) -> None:
    repo = repo_with(tmp_path / "repo", {"notes.txt": b"nothing here\n"})
    rules = tmp_path / "mine.toml"
    _rule_file(rules, r"tok_([a-m]{10,60})")
    with rules.open("a") as handle:
        handle.write(
            "[rule.verify]\n"
            'url = "https://api.example.test/v1/me"\n'
            "live_body = '''\"name\"\\s*:\\s*\"(?:\\w+\\s?)+\"'''\n"
        )
    run = leakwindow("scan", str(repo), "--rules", str(rules), "--no-cache", "-q")
    _assert_refused_in_one_line(run, "'verify.live_body'")


def test_a_value_that_made_the_builtin_placeholder_backtrack_is_found_at_once(
    tmp_path: Path,
) -> None:
    """A 56-letter password value took the generic rules' placeholder hours (4 s at 45
    bytes, doubling per letter); now it is matched, filtered and reported in seconds."""
    value = "bcdfghjkmnpqrtvwz" * 3 + "bcdfg"  # lowercase, no fill-in word, no long run
    repo = repo_with(tmp_path / "repo", {"db.cfg": f'password = "{value}~"\n'.encode()})
    run = leakwindow("scan", str(repo), "--no-cache", "-q", "-f", "json", seconds=60)
    assert run.code == 1, (run.code, run.stderr[-300:])
    fingerprint = hashlib.sha256(f"{value}~".encode()).hexdigest()
    assert fingerprint in {finding["fingerprint"] for finding in json.loads(run.stdout)["findings"]}

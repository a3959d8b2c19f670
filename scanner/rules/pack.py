"""Load, validate and compile the rule pack (`rules/*.toml`).

A rule file is TOML with a `[[rule]]` array; see docs/rules.md. Every problem is reported
as one line naming the file, the rule id and what is wrong.
"""

from __future__ import annotations

import functools
import hashlib
import re
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.confidence import CONFIDENCES, Confidence, is_confidence
from scanner.errors import LeakwindowError
from scanner.resources import rules_dir
from scanner.rules.assignment import ASSIGNMENT, NEAR, expand_assignments
from scanner.rules.regex_guard import (
    BODY_SUBJECT,
    MAX_PATTERN_CHARACTERS,
    PATH_SUBJECT,
    RULE_SUBJECT,
    check_pattern,
    secret_subject,
)
from scanner.safe_files import read_regular_file
from scanner.severity import SEVERITIES, Severity, is_severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

# A rule's family is declared, never taken from its file's name: two families change how a
# rule is matched, and a user's file named generic.toml must not opt in by accident.
GENERIC_FAMILY = (
    "generic"  # gives way to provider rules, skips noise paths (scanner.detect.matcher)
)
KEY_MATERIAL_FAMILY = "private-keys"  # exempt from the repeated-run and sequence filters
CUSTOM_FAMILY = "custom"  # a user's rule that names no family: no special treatment
SHIPPED_FAMILIES: tuple[str, ...] = (
    "ai",
    "cloud",
    "code-hosting",
    "connection-strings",
    "credential-files",
    GENERIC_FAMILY,
    "messaging",
    "packages",
    "payments",
    KEY_MATERIAL_FAMILY,
    "saas",
)
FAMILIES: tuple[str, ...] = (*SHIPPED_FAMILIES, CUSTOM_FAMILY)
# The largest rule file read (the built-in ones are under 80 KB): a bound on what a rule file
# named by a repository's config, or by mistake on the command line, makes us read.
RULE_FILE_LIMIT = 4 * 1024 * 1024
_ID_SHAPE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KNOWN_KEYS = frozenset(
    {
        "id",
        "title",
        "severity",
        "family",
        "keywords",
        "pattern",
        "secret_group",
        "min_entropy",
        "placeholders",
        "verify",
        "examples",
        "remediation",
        "path_ignore",
        "checksum",
        "multiline",
        "confidence",
        "files",
        "allow_repeated_runs",
    }
)
# A rule's grade when it declares none: a generic rule reads a name and a value, any other
# rule a provider's format (see scanner.confidence).
_DEFAULT_CONFIDENCE: dict[str, Confidence] = {GENERIC_FAMILY: "medium"}
_VERIFY_KEYS = frozenset(
    {
        "method",
        "url",
        "headers",
        "body",
        "live",
        "invalid",
        "live_body",
        "invalid_body",
        "basic_auth",
        "pair",
        "signer",
        "region",
    }
)


@dataclass(frozen=True)
class Rule:
    """One detection rule, validated and compiled."""

    id: str
    title: str
    severity: Severity
    family: str
    keywords: tuple[str, ...]
    pattern: str
    secret_group: int
    regex: re.Pattern[bytes]
    min_entropy: float | None = None
    placeholders: tuple[re.Pattern[str], ...] = ()
    path_ignore: tuple[re.Pattern[str], ...] = ()
    checksum: str | None = None
    multiline: bool = False  # matches may span lines (else looked for on keyword lines only)
    # The format itself holds a run of one character (Twitter's app-only bearer tokens open
    # with twenty-odd `A`s), so the shared repeated-run filter would drop every real one.
    allow_repeated_runs: bool = False
    # File names (globs on the last path component) the rule is bound to: it reads only those
    # files, whole, and is never screened over other content (scanner.rules.file_names).
    files: tuple[str, ...] = ()
    # The surest grade its matches get (scanner.detect.grading may lower a generic one).
    confidence: Confidence = "high"
    remediation: str = ""
    verify: Mapping[str, Any] | None = None
    examples_match: tuple[str, ...] = ()
    examples_ignore: tuple[str, ...] = ()
    source: str = ""
    # From a rule file installed with leakwindow (`_is_shipped`), as the loader decided: the
    # screen keeps these rules' database apart from one's own (scanner.detect.hs_split).
    shipped: bool = False


@dataclass(frozen=True)
class RulePack:
    """All rules in force, in a stable order, plus a hash that identifies the pack."""

    rules: tuple[Rule, ...]
    digest: str
    by_id: Mapping[str, Rule] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rules)


def _fail(source: str, rule_id: str | None, problem: str) -> LeakwindowError:
    where = f"{source}: rule '{rule_id}'" if rule_id else source
    return LeakwindowError(f"{where}: {problem}")


def _str_list(value: Any, source: str, rule_id: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(source, rule_id, f"'{key}' must be a list of strings")
    return tuple(value)


# `re` keeps only 512 compiled patterns, fewer than the pack's: every load of the pack (one per
# repository of a multi-repository run, hundreds in the test suite) compiled them all again.
@functools.lru_cache(maxsize=8192)
def _compiled_once(text: str | bytes) -> re.Pattern[Any]:
    return re.compile(text)


def _compile(
    pattern: str,
    source: str,
    rule_id: str,
    key: str,
    subject: int,
    binary: bool = False,
    guarded: bool = True,
) -> re.Pattern[Any]:
    """Compile one of a rule's regexes, refusing any that could backtrack for too long on
    the texts it is run on (`subject` characters at most: see scanner.rules.regex_guard).
    `guarded=False` only for the shipped pack, which the test suite holds to the guard."""
    if len(pattern) > MAX_PATTERN_CHARACTERS:
        raise _fail(source, rule_id, f"'{key}' is longer than {MAX_PATTERN_CHARACTERS} characters")
    text: str | bytes = pattern.encode("utf-8") if binary else pattern
    try:
        compiled = _compiled_once(text)
    except re.error as exc:
        raise _fail(source, rule_id, f"'{key}' is not a valid regular expression: {exc}") from None
    except RecursionError:
        raise _fail(source, rule_id, f"'{key}' is nested too deeply") from None
    unsafe = check_pattern(text, subject) if guarded else None
    if unsafe:
        raise _fail(source, rule_id, f"'{key}' {unsafe}")
    return compiled


def _family(raw: Mapping[str, Any], source: str, rule_id: str, shipped: bool) -> str:
    family = raw.get("family")
    if family is None:
        if shipped:  # a shipped rule left as "custom" would lose its family's treatment
            raise _fail(source, rule_id, "'family' is required in the built-in rule pack")
        return CUSTOM_FAMILY
    if not isinstance(family, str) or family not in FAMILIES:
        raise _fail(source, rule_id, f"'family' must be one of {', '.join(FAMILIES)}")
    return family


def _build_rule(raw: Mapping[str, Any], source: str, shipped: bool) -> Rule:
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID_SHAPE.match(rule_id):
        raise _fail(source, str(rule_id) if rule_id else None, "'id' must be kebab-case text")
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise _fail(source, rule_id, f"unknown key(s): {', '.join(unknown)}")
    for key in ("title", "severity", "pattern"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _fail(source, rule_id, f"'{key}' is required and must be text")
    severity = raw["severity"]
    if not is_severity(severity):
        raise _fail(source, rule_id, f"'severity' must be one of {', '.join(SEVERITIES)}")
    family = _family(raw, source, rule_id, shipped)
    # The shipped pack's regexes are held to the regex guard by the test suite instead.
    guarded = not shipped
    keywords = _str_list(raw.get("keywords"), source, rule_id, "keywords")
    if not keywords or any(not keyword for keyword in keywords):
        raise _fail(source, rule_id, "'keywords' must list at least one non-empty literal")
    pattern = expand_assignments(raw["pattern"])  # `{assign}`, `{near}`: rules/assignment.py
    # Rules run on lines and regions of blobs; e.g. `(a+)+` would backtrack for ever there.
    regex = _compile(pattern, source, rule_id, "pattern", RULE_SUBJECT, True, guarded)
    secret_group = raw.get("secret_group", 1 if regex.groups else 0)
    if not isinstance(secret_group, int) or not 0 <= secret_group <= regex.groups:
        raise _fail(source, rule_id, f"'secret_group' must be a group number 0..{regex.groups}")
    min_entropy = raw.get("min_entropy")
    if min_entropy is not None and not isinstance(min_entropy, (int, float)):
        raise _fail(source, rule_id, "'min_entropy' must be a number")
    verify = raw.get("verify")
    if verify is not None:
        if not isinstance(verify, dict) or not isinstance(verify.get("url"), str):
            raise _fail(source, rule_id, "'verify' must be a table with a 'url'")
        unknown_verify = sorted(set(verify) - _VERIFY_KEYS)
        if unknown_verify:
            raise _fail(source, rule_id, f"unknown verify key(s): {', '.join(unknown_verify)}")
        for key in ("live_body", "invalid_body"):  # run on a provider's answer
            body = verify.get(key)
            if body is not None and not isinstance(body, str):
                raise _fail(source, rule_id, f"'verify.{key}' must be a regular expression")
            if body:
                _compile(body, source, rule_id, f"verify.{key}", BODY_SUBJECT, False, guarded)
    examples = raw.get("examples", {})
    if not isinstance(examples, dict):
        raise _fail(source, rule_id, "'examples' must be a table with 'match' and 'ignore'")
    examples_match = _str_list(examples.get("match"), source, rule_id, "examples.match")
    examples_ignore = _str_list(examples.get("ignore"), source, rule_id, "examples.ignore")
    if not examples_match:
        raise _fail(source, rule_id, "'examples.match' must list at least one example")
    remediation = raw.get("remediation", "")
    if not isinstance(remediation, str):
        raise _fail(source, rule_id, "'remediation' must be text")
    multiline = raw.get("multiline", False)
    if not isinstance(multiline, bool):
        raise _fail(source, rule_id, "'multiline' must be true or false")
    allow_repeated_runs = raw.get("allow_repeated_runs", False)
    if not isinstance(allow_repeated_runs, bool):
        raise _fail(source, rule_id, "'allow_repeated_runs' must be true or false")
    checksum = raw.get("checksum")
    if checksum is not None and not isinstance(checksum, str):
        raise _fail(source, rule_id, "'checksum' must be the name of a checksum")
    files = _str_list(raw.get("files"), source, rule_id, "files")
    if any(not name or "/" in name or len(name) > 255 for name in files):
        raise _fail(source, rule_id, "'files' must list file names (no '/'), e.g. \".netrc\"")
    confidence = raw.get("confidence", _DEFAULT_CONFIDENCE.get(family, "high"))
    if not is_confidence(confidence):
        raise _fail(source, rule_id, f"'confidence' must be one of {', '.join(CONFIDENCES)}")
    return Rule(
        id=rule_id,
        title=raw["title"],
        severity=severity,
        family=family,
        keywords=tuple(keyword.lower() for keyword in keywords),
        pattern=pattern,
        secret_group=secret_group,
        regex=regex,
        min_entropy=float(min_entropy) if min_entropy is not None else None,
        # Placeholders run on the secret the pattern captured, path_ignore on paths.
        placeholders=tuple(
            _compile(p, source, rule_id, "placeholders", secret_subject(pattern), False, guarded)
            for p in _str_list(raw.get("placeholders"), source, rule_id, "placeholders")
        ),
        path_ignore=tuple(
            _compile(p, source, rule_id, "path_ignore", PATH_SUBJECT, False, guarded)
            for p in _str_list(raw.get("path_ignore"), source, rule_id, "path_ignore")
        ),
        checksum=checksum,
        multiline=multiline,
        allow_repeated_runs=allow_repeated_runs,
        files=files,
        confidence=confidence,
        remediation=remediation,
        verify=verify,
        examples_match=examples_match,
        examples_ignore=examples_ignore,
        source=source,
        shipped=shipped,
    )


def read_rule_file(path: Path) -> bytes:
    """A rule file's bytes: a regular file (a link to one is fine: the caller checked where
    it may come from) of at most RULE_FILE_LIMIT bytes."""
    return read_regular_file(path, limit=RULE_FILE_LIMIT, what="rule file")


def check_rule_files(paths: Iterable[Path]) -> None:
    """Refuse, before anything reads them, rule files that are not regular files within the
    size limit (`--rules /dev/zero` would otherwise be read without end)."""
    for path in paths:
        try:
            info = path.stat()
        except OSError as exc:
            raise _fail(str(path), None, f"cannot read rule file: {exc.strerror}") from None
        except ValueError:  # a NUL byte in the name
            raise _fail(repr(str(path)), None, "not a file name") from None
        if not stat.S_ISREG(info.st_mode):
            raise _fail(str(path), None, "rule file is not a regular file")
        if info.st_size > RULE_FILE_LIMIT:
            raise _fail(str(path), None, f"rule file is over the {RULE_FILE_LIMIT:,}-byte limit")


def parse_rule_text(data: bytes, path: Path) -> list[Rule]:
    """Parse and validate the rules in `data` (the contents of `path`). Every regex of a
    rule file from anywhere but the shipped pack goes through the regex guard; the shipped
    pack's are checked by the test suite instead (the cost model takes ~200 ms for all of
    them, which a hook without its cache would pay on every commit)."""
    source = str(path)
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _fail(source, None, "rule file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, None, f"invalid TOML: {exc}") from None
    except ValueError:  # e.g. an integer of more than 4,300 digits
        raise _fail(source, None, "invalid TOML: a value out of range") from None
    except RecursionError:
        raise _fail(source, None, "invalid TOML: nested too deeply") from None
    raw_rules = document.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(source, None, "no [[rule]] entries")
    if not all(isinstance(raw, dict) for raw in raw_rules):
        raise _fail(source, None, "every [[rule]] entry must be a table")
    shipped = _is_shipped(path)
    return [_build_rule(raw, source, shipped) for raw in raw_rules]


def _is_shipped(path: Path) -> bool:
    """A file of the rule pack installed with leakwindow (not one that only has its name)."""
    try:
        return path.resolve().parent == rules_dir().resolve() and not path.is_symlink()
    except OSError:
        return False


def parse_rule_file(path: Path) -> list[Rule]:
    """Parse and validate one rule file; raise LeakwindowError with file and problem."""
    return parse_rule_text(read_rule_file(path), path)


def builtin_rule_files() -> list[Path]:
    return sorted(rules_dir().glob("*.toml"))


@functools.lru_cache(maxsize=64)
def _parsed_once(data: bytes, path: Path) -> tuple[Rule, ...]:
    """`parse_rule_text`, once per content and path in a process: rules are immutable, and
    parsing the 718 built-in ones costs ~0.6 s, which a process that loads the pack again (the
    test suite does, hundreds of times) would pay each time."""
    return tuple(parse_rule_text(data, path))


def load_rules(
    files: Iterable[Path] | None = None,
    extra_files: Iterable[Path] = (),
    disabled: Iterable[str] = (),
) -> RulePack:
    """Load the built-in pack (or `files`), add `extra_files`, drop `disabled` rule ids."""
    paths = list(files) if files is not None else builtin_rule_files()
    paths.extend(extra_files)
    rules: dict[str, Rule] = {}
    digest = hashlib.sha256()
    for path in paths:
        data = read_rule_file(path)  # read once: what is parsed is what is hashed
        for rule in _parsed_once(data, path):
            if rule.id in rules:
                raise _fail(str(path), rule.id, f"duplicate id (also in {rules[rule.id].source})")
            rules[rule.id] = rule
        digest.update(path.name.encode() + b"\0" + data + b"\0")
    disabled_set = set(disabled)
    unknown = sorted(disabled_set - set(rules))
    if unknown:
        # The ids come from a repository's config: a few of them, escaped, fit on one line.
        shown = ", ".join(
            (name if len(name) <= 60 else name[:57] + "...").encode("unicode_escape").decode()
            for name in unknown[:5]
        )
        more = f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
        raise LeakwindowError(f"cannot disable unknown rule id(s): {shown}{more}")
    digest.update(repr(sorted(disabled_set)).encode())
    # what `{assign}` and `{near}` mean is part of every pattern using them
    digest.update(ASSIGNMENT.encode() + b"\0" + NEAR.encode())
    kept = tuple(rule for rule_id, rule in rules.items() if rule_id not in disabled_set)
    return RulePack(rules=kept, digest=digest.hexdigest(), by_id={r.id: r for r in kept})

"""Build the labelled corpus of the detection-quality benchmark.

For every rule of the pack, true tokens are made from the rule's own `examples.match`: the
secret is located with the rule's regex, each of its characters is classed (fixed, or free
within the digits / upper / lower letters the regex accepts at that place), and the free
characters are redrawn from a seeded generator; checksummed formats get their checksum (or
their encoded structure) rebuilt. A draw is kept only when the full matcher still reports it
in the example's text: rejection sampling. Structure that real tokens never randomise stays
as it was (a UUID's version, a PEM body's DER header, GitLab's version and length fields, a
JWT's header and claims). An optional survey draws many more tokens per example and counts
those the rule's regex accepts but its own filters drop: real random tokens meet the same
filters, so that share estimates how often the rule would miss a real key.

Each token is then written into realistic places: source assignments (Python, JavaScript, Go),
docker-compose YAML, `.env`, JSON config, a Jupyter notebook, shell history (`export`, `curl`),
a Dockerfile and Terraform; multi-line examples (key files, `.netrc`, XML) go into files of
their own kind, a runbook, and for PEM blocks a Kubernetes manifest and a Python string.
Decoys of the kinds that fool scanners are written alongside: placeholders, redacted and
look-alike tokens (wrong length, failed checksum), and a shared set of hashes, UUIDs, images,
minified code, lock files, commit SHAs, public keys and AWS's documented example keys.

The corpus is one commit made by the fixture builder, a plain copy of the same files, and
`labels.json`: for every planted secret its file, line span, rule, family and the sha256 of its
value (never the value); for every decoy its file, line and kind.

    python bench/quality_corpus.py OUT_DIR [--seed N] [--rules id,id]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import re
import shutil
import string
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.demo import ScenarioSpec, Step, build_spec
from scanner.detect.checksums import base36_crc32, base62_crc32
from scanner.detect.matcher import Matcher
from scanner.rules.pack import Rule, RulePack, load_rules

SCHEMA = "leakwindow.quality-corpus/1"
DEFAULT_SEED = 20250302
DEFAULT_TOKENS_PER_RULE = 3
DECOY_FAMILY = "decoys"
COMMIT_DATE = "1735732800 +0000"  # 2025-01-01T12:00:00Z, so the commit SHA is reproducible

_MAX_DRAWS = 400
_PROBES = 3  # random replacements tried per character before testing its whole class
_KV_CONTEXTS_PER_TOKEN = 4
_BLOCK_CONTEXTS_PER_TOKEN = 2
_CLASSES = (string.digits, string.ascii_uppercase, string.ascii_lowercase)


# ------------------------------------------------------------------------- token synthesis


@dataclass(frozen=True)
class Site:
    """Where a rule's secret sits in one of its examples (offsets into `text`, ASCII)."""

    rule: Rule
    text: str
    start: int
    end: int
    match_start: int  # the whole regex match: a label spans its lines, since tools report
    match_end: int  # a multi-line secret at its first line, or where its value starts

    @property
    def secret(self) -> str:
        return self.text[self.start : self.end]


@dataclass(frozen=True)
class Planted:
    """One secret inside a rendered example text."""

    rule_id: str
    family: str
    start: int
    end: int
    match_start: int
    match_end: int
    value: str


@dataclass(frozen=True)
class Token:
    """A synthetic example: its text, the rule's secret in it and any companion secrets."""

    rule_id: str
    example: int
    text: str
    primary: Planted
    companions: tuple[Planted, ...]
    alphabets: tuple[str, ...]  # per character of the primary secret; '' = fixed


@dataclass
class DrawStats:
    draws: int = 0
    structural: int = 0  # the regex still captured the redrawn secret
    filtered: int = 0  # ... but the rule's filters dropped it
    accepted: int = 0


def _captures(rule: Rule, text: str, start: int, secret: str) -> bool:
    """Whether the rule's regex captures exactly `secret` at `start` in `text`."""
    wanted = secret.encode("ascii")
    for found in rule.regex.finditer(text.encode("ascii")):
        if found.start(rule.secret_group) == start and found.group(rule.secret_group) == wanted:
            return True
        if found.start() > start:
            return False
    return False


def find_sites(rule: Rule, matcher: Matcher) -> list[Site]:
    """The rule's secret in each of its (ASCII) examples where the matcher reports it."""
    sites: list[Site] = []
    for text in rule.examples_match:
        if not text.isascii():
            continue
        reported = {m.secret for m in matcher.scan(text.encode("ascii")) if m.rule_id == rule.id}
        for found in rule.regex.finditer(text.encode("ascii")):
            secret = found.group(rule.secret_group)
            if secret and secret in reported:
                start, end = found.span(rule.secret_group)
                sites.append(Site(rule, text, start, end, found.start(), found.end()))
                break
    return sites


def _jwt_segment_positions(secret: str) -> set[int]:
    """Positions inside base64 JSON segments ('eyJ…') of a JWT: kept, they must stay JSON."""
    fixed: set[int] = set()
    offset = 0
    for segment in secret.split("."):
        if segment.startswith("eyJ"):
            fixed.update(range(offset, offset + len(segment)))
        offset += len(segment) + 1
    return fixed


# AWS session tokens open with a base64 protobuf header ("origin" ...), not random text.
_STRUCTURED_PREFIXES = ("IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE")
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]+-----\s*")
_PEM_HEADER = 24
_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def position_alphabets(site: Site, rng: random.Random) -> tuple[str, ...]:
    """For each secret character, the characters of its class the regex accepts there.

    A character is replaced by a few random members of its class (digit, upper or lower
    letter); when all still match, the whole class is taken, otherwise every member is tried.
    Punctuation, and characters that admit no replacement, stay fixed ('').
    """
    secret = site.secret
    frozen = _jwt_segment_positions(secret) if "." in secret else set()
    if site.rule.checksum == "gitlab-routable-crc32" and "." in secret:
        # `.<version>.<length>` are fields GitLab sets, not random: only the CRC follows them.
        frozen.update(range(secret.index("."), len(secret) - 7))
    for prefix in _STRUCTURED_PREFIXES:  # encoded headers that real tokens always carry
        if secret.startswith(prefix):
            frozen.update(range(len(prefix)))
    for begin in _PEM_BEGIN.finditer(secret):  # a key body opens with its DER/ssh header
        frozen.update(range(begin.end(), begin.end() + _PEM_HEADER))
    alphabets: list[str] = []
    for index, char in enumerate(secret):
        klass = next((c for c in _CLASSES if char in c), "")
        if not klass or index in frozen:
            alphabets.append("")
            continue

        def accepts(replacement: str, index: int = index) -> bool:
            text = site.text
            position = site.start + index
            changed = text[:position] + replacement + text[position + 1 :]
            new_secret = secret[:index] + replacement + secret[index + 1 :]
            return _captures(site.rule, changed, site.start, new_secret)

        others = [c for c in klass if c != char]
        if all(accepts(c) for c in rng.sample(others, _PROBES)):
            alphabets.append(klass)
            continue
        allowed = char + "".join(c for c in others if accepts(c))
        alphabets.append(allowed if len(allowed) > 1 else "")
    for uuid in _UUID4.finditer(secret):  # a version-4 UUID keeps its version and variant
        version, variant = uuid.start() + 14, uuid.start() + 19
        alphabets[version] = ""
        alphabets[variant] = "".join(c for c in "89ab" if c in alphabets[variant])
    return tuple(alphabets)


def _redraw(value: str, rng: random.Random) -> str:
    """Same class per character; a lowercase hex string stays hex."""
    alnum = [c for c in value if c.isalnum()]
    is_hex = bool(alnum) and all(c in string.hexdigits.lower() for c in alnum)
    out = []
    for char in value:
        klass = next((c for c in _CLASSES if char in c), "")
        if is_hex and klass:
            klass = "0123456789abcdef"
        out.append(rng.choice(klass) if klass else char)
    return "".join(out)


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _rebuild_pypi(original: str, rng: random.Random) -> str:
    """A new PyPI macaroon: the original's fields with a new identifier and signature."""
    prefix, _, body = original.partition("-")
    raw = bytearray(_b64url_decode(body))
    location_end = 3 + raw[2]
    id_length = raw[location_end + 1]
    id_start = location_end + 2
    identifier = raw[id_start : id_start + id_length].decode("ascii")
    raw[id_start : id_start + id_length] = _redraw(identifier, rng).encode("ascii")
    raw[-32:] = bytes(rng.getrandbits(8) for _ in range(32))
    encoded = base64.urlsafe_b64encode(bytes(raw)).decode("ascii").rstrip("=")
    return f"{prefix}-{encoded}"


def _rebuild_basic_auth(original: str, rng: random.Random) -> str:
    """A new base64 `user:password` pair shaped like the original."""
    decoded = base64.b64decode(original + "=" * (-len(original) % 4)).decode("utf-8")
    user, _, password = decoded.partition(":")
    encoded = base64.b64encode(f"{user}:{_redraw(password, rng)}".encode()).decode("ascii")
    return encoded if original.endswith("=") else encoded.rstrip("=")


def _with_checksum(rule: Rule, secret: str) -> str:
    """Recompute a redrawn token's checksum where its format has one."""
    if rule.checksum in ("github-crc32", "npm-crc32"):
        prefix, _, body = secret.partition("_")
        return f"{prefix}_{body[:30]}{base62_crc32(body[:30])}"
    if rule.checksum == "gitlab-routable-crc32":
        return secret[:-7] + base36_crc32(secret[:-7])
    return secret


def draw_secret(site: Site, alphabets: Sequence[str], rng: random.Random) -> str:
    rule = site.rule
    if rule.checksum == "pypi-macaroon":
        return _rebuild_pypi(site.secret, rng)
    if rule.checksum == "basic-auth-pair":
        return _rebuild_basic_auth(site.secret, rng)
    chars = [rng.choice(a) if a else c for c, a in zip(site.secret, alphabets, strict=True)]
    return _with_checksum(rule, "".join(chars))


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def companion_sites(primary: Site, pack: RulePack, matcher: Matcher) -> list[Site]:
    """Other secrets in the same example (an AWS key id next to its secret, a second line)."""
    text = primary.text.encode("ascii")
    found: list[Site] = []
    for match in matcher.scan(text):
        rule = pack.by_id[match.rule_id]
        for hit in rule.regex.finditer(text):
            span = hit.span(rule.secret_group)
            if hit.group(rule.secret_group) != match.secret:
                continue
            if _overlaps(span, (primary.start, primary.end)):
                continue
            if all(not _overlaps(span, (s.start, s.end)) for s in found):
                found.append(Site(rule, primary.text, span[0], span[1], hit.start(), hit.end()))
    return found


class TokenFactory:
    """Draws accepted tokens for each rule, keeping statistics on what was rejected."""

    def __init__(self, pack: RulePack, matcher: Matcher, seed: int) -> None:
        self.pack = pack
        self.matcher = matcher
        self.seed = seed
        self.stats: dict[str, DrawStats] = {}
        self._seen: set[str] = set()

    def tokens(self, rule: Rule, count: int) -> list[Token]:
        sites = find_sites(rule, self.matcher)
        if not sites:
            return []
        stats = self.stats.setdefault(rule.id, DrawStats())
        rng = random.Random(f"quality-corpus:{self.seed}:{rule.id}")
        prepared = []
        for site in sites:
            companions = companion_sites(site, self.pack, self.matcher)
            alphabets = position_alphabets(site, rng)
            partner_alphabets = [position_alphabets(c, rng) for c in companions]
            prepared.append((site, alphabets, companions, partner_alphabets))
        made: list[Token] = []
        for index in range(max(count, len(sites))):
            example = index % len(sites)
            site, alphabets, companions, partner_alphabets = prepared[example]
            token = self._draw(site, alphabets, companions, partner_alphabets, rng, stats)
            if token is not None:
                made.append(Token(rule.id, example, *token))
        return made

    def survey(self, rule: Rule, draws: int) -> DrawStats:
        """Draw many structurally valid tokens per example; count those the filters drop.

        Real tokens are random in the same places, so the share dropped estimates how often
        the rule would miss a real one.
        """
        stats = DrawStats()
        rng = random.Random(f"quality-corpus:{self.seed}:{rule.id}:survey")
        for site in find_sites(rule, self.matcher):
            alphabets = position_alphabets(site, rng)
            for _ in range(draws):
                stats.draws += 1
                secret = draw_secret(site, alphabets, rng)
                text = site.text[: site.start] + secret + site.text[site.end :]
                if len(secret) != len(site.secret) or not _captures(rule, text, site.start, secret):
                    continue
                stats.structural += 1
                found = self.matcher.scan(text.encode("ascii"))
                wanted = secret.encode("ascii")
                if any(m.rule_id == rule.id and m.secret == wanted for m in found):
                    stats.accepted += 1
                else:
                    stats.filtered += 1
        return stats

    def _draw(
        self,
        site: Site,
        alphabets: tuple[str, ...],
        companions: list[Site],
        partner_alphabets: list[tuple[str, ...]],
        rng: random.Random,
        stats: DrawStats,
    ) -> tuple[str, Planted, tuple[Planted, ...], tuple[str, ...]] | None:
        rule = site.rule
        for _ in range(_MAX_DRAWS):
            stats.draws += 1
            replacements = [(site, draw_secret(site, alphabets, rng))]
            replacements += [
                (c, draw_secret(c, a, rng))
                for c, a in zip(companions, partner_alphabets, strict=True)
            ]
            if any(len(new) != len(old.secret) for old, new in replacements):
                continue  # a rebuilt macaroon or pair changed length: offsets would shift
            text = site.text
            for old, new in replacements:
                text = text[: old.start] + new + text[old.end :]
            secret = replacements[0][1]
            if secret == site.secret or secret in self._seen:
                continue
            if not _captures(rule, text, site.start, secret):
                continue
            stats.structural += 1
            reported = {(m.rule_id, m.secret) for m in self.matcher.scan(text.encode("ascii"))}
            wanted = {(old.rule.id, new.encode("ascii")) for old, new in replacements}
            if not wanted <= reported:
                stats.filtered += 1
                continue
            stats.accepted += 1
            self._seen.add(secret)
            planted = [
                Planted(
                    old.rule.id,
                    old.rule.family,
                    old.start,
                    old.end,
                    old.match_start,
                    old.match_end,
                    new,
                )
                for old, new in replacements
            ]
            return text, planted[0], tuple(planted[1:]), alphabets
        return None


# ------------------------------------------------------------------------------ placement


@dataclass(frozen=True)
class Mark:
    """What one line range of an item holds: a planted secret or a decoy."""

    first: int  # 0-based line inside the item
    last: int
    secret: Planted | None = None
    in_place: str | None = None  # the secret's bytes as written, when they differ
    decoy: str | None = None  # decoy kind
    rule_id: str | None = None  # the rule a decoy imitates


@dataclass(frozen=True)
class Item:
    lines: tuple[str, ...]
    marks: tuple[Mark, ...]
    context: str


@dataclass
class FileDraft:
    path: str
    family: str
    header: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    noise: tuple[str, ...] = ()
    decoy_kind: str | None = None  # every line of the file is this kind of decoy


@dataclass(frozen=True)
class KvContext:
    name: str
    file: str  # inside the family's folder
    header: tuple[str, ...]
    footer: tuple[str, ...]
    noise: tuple[str, ...]
    render: Callable[[str, str, int], tuple[list[str], int]]  # (key, value, n) -> lines, line


_SHELL_PLAIN = re.compile(r"[A-Za-z0-9_./:@%+=,-]+")
_YAML_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./:+=@%-]*")
_CODE_SAFE = re.compile(r"[^\s\"'\\`]+")


def _camel(key: str) -> str:
    parts = [p for p in re.split(r"[_\-.]+", key) if p]
    if len(parts) == 1:
        return parts[0][:1].lower() + parts[0][1:]
    return parts[0].lower() + "".join(p[:1].upper() + p[1:].lower() for p in parts[1:])


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()


def _shell(value: str) -> str:
    return value if _SHELL_PLAIN.fullmatch(value) else f"'{value}'"


def _yaml(value: str) -> str:
    return value if _YAML_PLAIN.fullmatch(value) else json.dumps(value)


def _one(line: str) -> tuple[list[str], int]:
    return [line], 0


def _notebook_cell(key: str, value: str, n: int) -> tuple[list[str], int]:
    # Half the cells set the environment, half assign a variable (quotes escaped by JSON).
    code = f"os.environ['{key}'] = '{value}'" if n % 2 == 0 else f'{key} = "{value}"'
    lines = [
        "  {",
        '   "cell_type": "code",',
        '   "execution_count": null,',
        '   "metadata": {},',
        '   "outputs": [],',
        '   "source": [',
        '    "import os\\n",',
        f"    {json.dumps(code + chr(10))}",
        "   ]",
        "  },",
    ]
    return lines, 7


KV_CONTEXTS: tuple[KvContext, ...] = (
    KvContext(
        "python",
        "settings.py",
        ("import logging", "import os", ""),
        (),
        ("logger = logging.getLogger(__name__)", "TIMEOUT_SECONDS = 30", "DEBUG = False"),
        lambda k, v, n: _one(f'{k} = "{v}"'),
    ),
    KvContext(
        "javascript",
        "config.js",
        ("'use strict';", ""),
        ("", "module.exports = {};"),
        ("const timeoutMs = 30000;", "const retries = 3;", "// staging overrides below"),
        lambda k, v, n: _one(f'const {_camel(k)} = "{v}";'),
    ),
    KvContext(
        "go",
        "main.go",
        ("package main", "", 'import "os"', "", "func init() {"),
        ("}",),
        ('\tos.Setenv("APP_ENV", "staging")', "\t// credentials for the staging cluster"),
        lambda k, v, n: _one(
            f'\tos.Setenv("{k}", "{v}")' if n % 2 == 0 else f'\t{_camel(k)} := "{v}"'
        ),
    ),
    KvContext(
        "yaml",
        "docker-compose.yml",
        ("services:", "  app:", "    image: acme/app:1.4.2", "    environment:"),
        (),
        ("      APP_ENV: staging", "      LOG_LEVEL: info", '      PORT: "8080"'),
        lambda k, v, n: _one(f"      {k}: {_yaml(v)}"),
    ),
    KvContext(
        "dotenv",
        ".env",
        ("# staging settings",),
        (),
        ("APP_ENV=staging", "LOG_LEVEL=info", "PORT=8080"),
        lambda k, v, n: _one(f"{k}={v}"),
    ),
    KvContext(
        "json",
        "config.json",
        ("{",),
        ('  "service": "billing"', "}"),
        ('  "region": "eu-west-1",', '  "timeout": 30,', '  "debug": false,'),
        lambda k, v, n: _one(f'  "{k}": "{v}",'),
    ),
    KvContext(
        "notebook",
        "analysis.ipynb",
        ("{", ' "cells": ['),
        (
            "  {",
            '   "cell_type": "markdown",',
            '   "metadata": {},',
            '   "source": ["Results"]',
            "  }",
            " ],",
            ' "metadata": {},',
            ' "nbformat": 4,',
            ' "nbformat_minor": 5',
            "}",
        ),
        (),
        _notebook_cell,
    ),
    KvContext(
        "shell-export",
        ".bash_history",
        (),
        (),
        ("ls -la", "git status", "docker compose up -d", "python -m pytest -q"),
        lambda k, v, n: _one(f"export {k}={_shell(v)}"),
    ),
    KvContext(
        "dockerfile",
        "Dockerfile",
        ("FROM python:3.12-slim", "WORKDIR /app"),
        ('CMD ["python", "-m", "app"]',),
        ("RUN pip install --no-cache-dir -r requirements.txt", "COPY . ."),
        lambda k, v, n: _one(f"ENV {k}={v}"),
    ),
    KvContext(
        "terraform",
        "main.tf",
        ("locals {",),
        ("}",),
        ('  region      = "eu-west-1"', '  environment = "staging"'),
        lambda k, v, n: _one(f'  {_snake(k)} = "{v}"'),
    ),
)
CURL_CONTEXT = KvContext(
    "shell-curl",
    ".bash_history",
    (),
    (),
    (),
    lambda k, v, n: _one(f'curl -sS -H "Authorization: Bearer {v}" https://api.acme.test/v1/me'),
)

_KV_LINE = re.compile(
    r"^(?:export\s+)?(?P<q>[\"']?)(?P<key>[A-Za-z][A-Za-z0-9_]*)(?P=q)\s*(?:=|:(?=\s))\s*"
    r"(?P<vq>[\"']?)(?P<value>[^\s\"'`\\]+)(?P=vq)\s*[,;]?\s*$"
)


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: str
    secret_offset: int  # where the secret starts inside the value
    quoted: bool = False  # the example quoted its key: a JSON/YAML field, not a variable


def key_value(token: Token) -> KeyValue | None:
    """`KEY = value` (any of = : with quotes) on one line, holding the whole secret."""
    if "\n" in token.text or token.companions:
        return None
    found = _KV_LINE.match(token.text)
    if not found:
        return None
    start, end = found.span("value")
    primary = token.primary
    if not (start <= primary.start and primary.end <= end):
        return None
    return KeyValue(found["key"], found["value"], primary.start - start, bool(found["q"]))


_BLOCK_FILENAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.MULTILINE), name)
    for pattern, name in (
        (r"^PuTTY-User-Key-File", "deploy.ppk"),
        (r"OpenVPN Static key", "client.ovpn"),
        (r"^\s*-----BEGIN OPENSSH", "id_ed25519"),
        (r"^\s*-----BEGIN PGP", "signing-key.asc"),
        (r"^\s*-----BEGIN", "server.key"),
        (r"^\[(?:distutils|pypi|testpypi|pypitest)\]", ".pypirc"),
        (r"^\[(?:client|mysql|mysqldump|mysqladmin)\]", ".my.cnf"),
        (r"^\[Interface\]", "wg0.conf"),
        (r"^\[default\]|^aws_access_key_id", "credentials"),
        (r"^(?:machine|default)\s", ".netrc"),
        (r"^credentials \"", ".terraformrc"),
        (r"<servers>", "settings.xml"),
        (r"<add key=", "NuGet.Config"),
        (r"<user username=", "tomcat-users.xml"),
        (r"^\s*define\(", "wp-config.php"),
        (r"^https?://[^\s/]+:[^\s/]+@\S+$", ".git-credentials"),
        (r"^[^\s:]+:[0-9*]+:[^\s:]+:[^\s:]+:\S+$", ".pgpass"),
        (r"^\s*[{\[]", "config.json"),
        (r"^\s*<", "config.xml"),
        (r"^\s*(?:curl|pip|git|mysql|mysqldump|psql|docker|npm|wget|!)", "setup.sh"),
        (r"\A(?:[A-Z][A-Z0-9_]*=\S*\n?)+\Z", ".env"),
        (r"^[A-Za-z-]+: ", "request.http"),
        (r"^\s*[A-Za-z_.-]+:\s", "values.yaml"),
    )
)


def block_filename(text: str) -> str:
    return next((name for pattern, name in _BLOCK_FILENAMES if pattern.search(text)), "notes.txt")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class CorpusDraft:
    """Collects items per file, then renders every file with its line marks resolved."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.files: dict[str, FileDraft] = {}

    def file(self, path: str, family: str, context: KvContext | None = None) -> FileDraft:
        draft = self.files.get(path)
        if draft is None:
            draft = FileDraft(path, family)
            if context is not None:
                draft.header = list(context.header)
                draft.footer = list(context.footer)
                draft.noise = context.noise
            self.files[path] = draft
        return draft

    def add(self, path: str, family: str, item: Item, context: KvContext | None = None) -> None:
        self.file(path, family, context).items.append(item)

    def render(self) -> tuple[dict[str, str], list[dict[str, Any]], list[dict[str, Any]]]:
        """File contents plus the secret and decoy labels with 1-based line numbers."""
        contents: dict[str, str] = {}
        secrets: list[dict[str, Any]] = []
        decoys: list[dict[str, Any]] = []
        for path in sorted(self.files):
            draft = self.files[path]
            items = list(draft.items)
            self.rng.shuffle(items)
            lines = list(draft.header)
            for item in items:
                if draft.noise and self.rng.random() < 0.35:
                    lines.append(self.rng.choice(draft.noise))
                base = len(lines) + 1
                lines.extend(item.lines)
                for mark in item.marks:
                    where = {"path": path, "line": base + mark.first, "end_line": base + mark.last}
                    if mark.secret is not None:
                        label = {
                            **where,
                            "rule": mark.secret.rule_id,
                            "family": mark.secret.family,
                            "context": item.context,
                            "sha256": _sha256(mark.secret.value),
                        }
                        if mark.in_place is not None and mark.in_place != mark.secret.value:
                            label["sha256_in_place"] = _sha256(mark.in_place)
                        secrets.append(label)
                    else:
                        decoys.append(
                            {
                                **where,
                                "kind": mark.decoy,
                                "family": draft.family,
                                "rule": mark.rule_id,
                                "context": item.context,
                            }
                        )
            lines.extend(draft.footer)
            contents[path] = "\n".join(lines) + "\n"
        return contents, secrets, decoys


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# -------------------------------------------------------------------- placing rule tokens


_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
_ENV_ONLY = frozenset({"dotenv", "shell-export", "dockerfile"})


_FIELD_CONTEXTS = frozenset({"json", "yaml"})


def portable_contexts(kv: KeyValue, value: str) -> list[KvContext]:
    """Where a `key = value` pair can be written: env files only take env-style names, and
    a field name the example quoted (`"SessionToken": …`) stays a JSON or YAML field."""
    if not _CODE_SAFE.fullmatch(value):
        return []
    if kv.quoted:
        return [c for c in KV_CONTEXTS if c.name in _FIELD_CONTEXTS]
    env_name = _ENV_NAME.fullmatch(kv.key) is not None
    return [c for c in KV_CONTEXTS if env_name or c.name not in _ENV_ONLY]


def _kv_contexts(token: Token, kv: KeyValue, rules: RulePack) -> list[KvContext]:
    contexts = portable_contexts(kv, kv.value)
    secret = token.primary.value
    rule = rules.by_id[token.rule_id]
    if kv.value == secret and any(k in secret.lower() for k in rule.keywords):
        contexts.append(CURL_CONTEXT)
    return contexts


def _kv_item(context: KvContext, key: str, value: str, n: int, mark: Mark) -> Item:
    """One assignment written in `context`; `mark` says what the value is (lines filled in)."""
    lines, line = context.render(key, value, n)
    return Item(tuple(lines), (replace(mark, first=line, last=line),), context.name)


def _block_contexts(text: str) -> list[str]:
    contexts = ["file", "runbook"]
    if text.startswith("-----BEGIN"):
        contexts += ["k8s-block", "python-string"]
    return contexts


def _block_item(context: str, text: str, rule: Rule, n: int) -> tuple[list[str], int, str]:
    """Lines of a block placement, the offset of the text's first line, and the indent."""
    lines = text.split("\n")
    if context == "runbook":
        return ["", f"Settings for the {rule.title} integration:", "", "```", *lines, "```"], 4, ""
    if context == "k8s-block":
        name = f"{_slug(rule.id)}-{n}.key"
        return [f"  {name}: |", *(f"    {line}" for line in lines)], 1, "    "
    if context == "python-string":
        name = re.sub(r"[^A-Z0-9]+", "_", rule.id.upper()) + f"_{n}"
        return [f'{name} = """', *lines, '"""'], 1, ""
    return lines, 0, ""


_BLOCK_PATHS = {
    "runbook": "docs/runbook.md",
    "k8s-block": "k8s/tls-secrets.yaml",
    "python-string": "keys.py",
}
_VALUE_ON_KEY_LINE = frozenset({"k8s-block", "python-string"})
_BLOCK_HEADERS = {
    "k8s-block": ["apiVersion: v1", "kind: Secret", "metadata:", "  name: tls", "stringData:"],
    "runbook": ["# Runbook", ""],
}


def _as_written(
    rule: Rule, lines: Sequence[str], first: int, column: int, value: str, indent: str
) -> str:
    """A multi-line secret's bytes once indented, as the rule's own regex delimits them.

    Indentation inside the span changes the bytes, and where a lazy group ends among them.
    """
    text = "\n".join(lines)
    start = sum(len(line) + 1 for line in lines[:first]) + column
    for found in rule.regex.finditer(text.encode("ascii")):
        if found.start(rule.secret_group) == start:
            return str(found.group(rule.secret_group).decode("ascii"))
    return value.replace("\n", "\n" + indent)


def _place_block(
    draft: CorpusDraft,
    family: str,
    rule: Rule,
    context: str,
    text: str,
    planted: Sequence[tuple[Planted, str | None]],
    decoy: bool,
    n: int,
) -> None:
    """One block placement; `planted` pairs each value with its decoy kind (None: a secret)."""
    lines, offset, indent = _block_item(context, text, rule, n)
    marks = []
    for secret, kind in planted:
        first = offset + _line_of(text, min(secret.start, secret.match_start))
        if first == offset and offset == 1 and context in _VALUE_ON_KEY_LINE:
            first = 0  # `name: |` / `NAME = """`: tools report the key's line
        last = offset + _line_of(text, max(secret.start, secret.match_end - 1))
        value_line = offset + _line_of(text, secret.start)
        column = secret.start - (text.rfind("\n", 0, secret.start) + 1)
        in_place = (
            _as_written(rule, lines, value_line, column + len(indent), secret.value, indent)
            if indent and kind is None
            else None
        )
        if kind is None:
            marks.append(Mark(first, last, secret, in_place))
        else:
            marks.append(Mark(first, last, decoy=kind, rule_id=secret.rule_id))
    item = Item(tuple(lines), tuple(marks), context)
    if context == "file":
        tag = "decoy-" if decoy else ""
        path = f"{family}/files/{rule.id}-{tag}{n}/{block_filename(text)}"
    else:
        path = f"{family}/{_BLOCK_PATHS[context]}"
    existing = path in draft.files
    draft.add(path, family, item)
    if not existing and context in _BLOCK_HEADERS:
        draft.files[path].header = list(_BLOCK_HEADERS[context])


def place_tokens(draft: CorpusDraft, rules: RulePack, rule: Rule, tokens: list[Token]) -> None:
    """Every token of one rule in several contexts, round-robin so each context gets used."""
    kv_turn = 0
    block_turn = 0
    for n, token in enumerate(tokens):
        kv = key_value(token)
        if kv is not None:
            contexts = _kv_contexts(token, kv, rules)
            for _ in range(min(_KV_CONTEXTS_PER_TOKEN, len(contexts))):
                context = contexts[kv_turn % len(contexts)]
                kv_turn += 1
                item = _kv_item(context, kv.key, kv.value, n, Mark(0, 0, token.primary))
                draft.add(f"{rule.family}/{context.file}", rule.family, item, context)
            continue
        planted = (token.primary, *token.companions)
        places = _block_contexts(token.text)
        for _ in range(_BLOCK_CONTEXTS_PER_TOKEN):
            place = places[block_turn % len(places)]
            block_turn += 1
            marked = [(secret, None) for secret in planted]
            _place_block(draft, rule.family, rule, place, token.text, marked, False, n)


# ---------------------------------------------------------------------------- rule decoys


def _fill(secret: str, alphabets: Sequence[str], filler: str) -> str:
    """The secret with its free characters replaced by a repeating filler."""
    out = []
    free = 0
    for char, alphabet in zip(secret, alphabets, strict=True):
        if alphabet:
            out.append(filler[free % len(filler)])
            free += 1
        else:
            out.append(char)
    return "".join(out)


def _fixed_prefix(secret: str, alphabets: Sequence[str]) -> str:
    end = next((i for i, a in enumerate(alphabets) if a), len(secret))
    return secret[:end]


def _format_elsewhere(rules: RulePack, text: str, span: tuple[int, int]) -> bool:
    """Whether any provider rule (not a generic one) captures a value overlapping `span`."""
    data = text.encode("ascii")
    lowered = text.lower()
    for rule in rules.rules:
        if rule.family == "generic" or not any(k in lowered for k in rule.keywords):
            continue
        for found in rule.regex.finditer(data):
            hit = found.span(rule.secret_group)
            if found.group(rule.secret_group) and _overlaps(span, hit):
                return True
    return False


def _lookalikes(
    rules: RulePack, rule: Rule, token: Token, rng: random.Random
) -> list[tuple[str, str]]:
    """(kind, value) look-alikes no known format accepts, in the example's text.

    Lengths are only judged for tokens that name their provider (a keyword in the value): a
    random value of another length next to a key name may well be another kind of secret.
    """
    secret = token.primary.value
    alphabets = token.alphabets
    last = next((a for a in reversed(alphabets) if a), string.ascii_letters)
    found: list[tuple[str, str]] = []
    if any(keyword in secret.lower() for keyword in rule.keywords):
        for value in (secret[:-3], secret + "".join(rng.choice(last) for _ in range(3))):
            text = token.text[: token.primary.start] + value + token.text[token.primary.end :]
            span = (token.primary.start, token.primary.start + len(value))
            if not _format_elsewhere(rules, text, span):
                found.append(("wrong-length", value))
    bad = _bad_checksum(rule, secret, alphabets, rng)
    if bad is not None:
        text = token.text[: token.primary.start] + bad + token.text[token.primary.end :]
        if _captures(rule, text, token.primary.start, bad):
            found.append(("bad-checksum", bad))
    return found


def _bad_checksum(
    rule: Rule, secret: str, alphabets: Sequence[str], rng: random.Random
) -> str | None:
    if rule.checksum in ("github-crc32", "npm-crc32", "gitlab-routable-crc32"):
        tail = secret[-1]
        pool = (
            string.ascii_lowercase + string.digits if "gitlab" in rule.checksum else string.digits
        )
        return secret[:-1] + rng.choice([c for c in pool if c != tail])
    if rule.checksum == "pypi-macaroon":
        prefix = _fixed_prefix(secret, alphabets)
        body = "".join(
            rng.choice(string.ascii_letters + string.digits) for _ in secret[len(prefix) :]
        )
        return prefix + body
    if rule.checksum == "basic-auth-pair":
        user = "".join(rng.choice(string.ascii_lowercase) for _ in range(len(secret) * 3 // 4))
        return base64.b64encode(user.encode()).decode("ascii")[: len(secret)]
    return None


def _placeholders(rule: Rule, kv: KeyValue | None, token: Token) -> list[tuple[str, str]]:
    """(kind, secret replacement) placeholders a developer leaves in config and docs."""
    secret = token.primary.value
    prefix = _fixed_prefix(secret, token.alphabets)
    free = [i for i, a in enumerate(token.alphabets) if a]
    shown = secret[: free[min(3, len(free) - 1)] + 1] if free else secret[:8]
    whole = kv is not None and kv.value == secret
    reference = "${" + (kv.key if kv is not None and whole else "SECRET") + "}"
    return [
        ("placeholder-x", _fill(secret, token.alphabets, "x")),
        ("placeholder-example", _fill(secret, token.alphabets, "EXAMPLE")),
        ("placeholder-angle", f"<your-{_slug(rule.title)}>"),
        ("placeholder-env-reference", reference),
        ("placeholder-changeme", "changeme"),
        ("redacted", f"{shown}..." if len(shown) > len(prefix) else f"{prefix}..."),
    ]


def place_decoys(
    draft: CorpusDraft, rules: RulePack, rule: Rule, tokens: list[Token], rng: random.Random
) -> None:
    """Placeholders and look-alikes shaped after the rule's first token, in its contexts."""
    if not tokens:
        return
    token = tokens[0]
    kv = key_value(token)
    decoys = _placeholders(rule, kv, token) + _lookalikes(rules, rule, token, rng)
    for n, (kind, replacement) in enumerate(decoys):
        if kv is not None:
            value = kv.value[: kv.secret_offset] + replacement
            value += kv.value[kv.secret_offset + len(token.primary.value) :]
            contexts = portable_contexts(kv, value)
            if not contexts:
                continue
            context = contexts[(n * 3 + len(rule.id)) % len(contexts)]
            item = _kv_item(context, kv.key, value, n, Mark(0, 0, decoy=kind, rule_id=rule.id))
            draft.add(f"{rule.family}/{context.file}", rule.family, item, context)
            continue
        primary = token.primary
        growth = len(replacement) - len(primary.value)
        text = token.text
        marked: list[tuple[Planted, str | None]] = []
        for companion in token.companions:  # a decoy must hold no real secret either
            masked = companion.value[:4] + re.sub(r"[A-Za-z0-9]", "X", companion.value[4:])
            text = text[: companion.start] + masked + text[companion.end :]
            shift = growth if companion.start > primary.start else 0
            moved = Planted(
                companion.rule_id,
                companion.family,
                companion.start + shift,
                companion.end + shift,
                companion.match_start + shift,
                companion.match_end + shift,
                masked,
            )
            marked.append((moved, "placeholder-x"))
        text = text[: primary.start] + replacement + text[primary.end :]
        shifted = Planted(
            primary.rule_id,
            primary.family,
            primary.start,
            primary.start + len(replacement),
            primary.match_start,
            primary.match_end + growth,
            replacement,
        )
        place = "file" if n % 2 == 0 else "runbook"
        _place_block(draft, rule.family, rule, place, text, [(shifted, kind), *marked], True, n)


# -------------------------------------------------------------------------- shared decoys


def _hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def _b64(rng: random.Random, raw_length: int, alphabet_url: bool = False) -> str:
    raw = bytes(rng.getrandbits(8) for _ in range(raw_length))
    encode = base64.urlsafe_b64encode if alphabet_url else base64.b64encode
    return encode(raw).decode("ascii")


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def _ident(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def _decoy_lines(
    draft: CorpusDraft, path: str, kind: str, lines: Iterable[str], header: Sequence[str] = ()
) -> None:
    """Each line one decoy of `kind`, in a shared decoy file."""
    target = draft.file(path, DECOY_FAMILY)
    if header and not target.header:
        target.header = list(header)
    for entry in lines:
        item_lines = tuple(entry.split("\n"))
        mark = Mark(0, len(item_lines) - 1, decoy=kind)
        target.items.append(Item(item_lines, (mark,), kind))


def _decoy_file(draft: CorpusDraft, path: str, kind: str, content: Sequence[str]) -> None:
    """A whole file that is one decoy (minified code, a lock file): kept in order."""
    target = draft.file(path, DECOY_FAMILY)
    target.decoy_kind = kind
    target.header = list(content)


# The example token jwt.io shows to everyone (HS256, "your-256-bit-secret").
_JWT_IO_EXAMPLE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
_PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def place_shared_decoys(draft: CorpusDraft, rng: random.Random, scale: int) -> None:
    """Non-secrets that scanners are known to flag, `scale` of each kind (or so)."""
    n = range(scale)
    _decoy_lines(
        draft,
        "decoys/app/digests.py",
        "hash",
        [
            *(f'EXPECTED_MD5 = "{_hex(rng, 32)}"' for _ in n),
            *(f'release_sha1 = "{_hex(rng, 40)}"' for _ in n),
            *(f'ARCHIVE_SHA256 = "{_hex(rng, 64)}"' for _ in n),
            *(f'etag = "{_hex(rng, 32)}"' for _ in n),
            *(f'token_hash = "{_hex(rng, 64)}"' for _ in n),
        ],
        header=["# Digests the release script checks downloads against.", ""],
    )
    _decoy_lines(
        draft, "decoys/SHA256SUMS", "hash", (f"{_hex(rng, 64)}  acme-1.{i}.tar.gz" for i in n)
    )
    _decoy_lines(
        draft,
        "decoys/deploy/images.yaml",
        "hash",
        (f"      image: ghcr.io/acme/worker@sha256:{_hex(rng, 64)}" for _ in n),
        header=["spec:", "  template:", "    containers:"],
    )
    _decoy_lines(
        draft,
        "decoys/app/ids.py",
        "uuid",
        [
            *(f'REQUEST_ID = "{_uuid(rng)}"' for _ in n),
            *(f'tenant_id = "{_uuid(rng)}"' for _ in n),
            *(f'AZURE_CLIENT_ID = "{_uuid(rng)}"' for _ in n),
            *(f'"idempotency_key": "{_uuid(rng)}",' for _ in n),
        ],
    )
    _decoy_lines(
        draft,
        "decoys/tests/fixtures/orders.json",
        "uuid",
        (f'    {{"id": "{_uuid(rng)}", "customer": "{_uuid(rng)}", "total": {i}}},' for i in n),
        header=["{", '  "orders": ['],
    )
    draft.files["decoys/tests/fixtures/orders.json"].footer = ['    {"id": null}', "  ]", "}"]
    image = [
        base64.b64encode(
            _PNG_HEAD + bytes(rng.getrandbits(8) for _ in range(rng.randint(90, 600)))
        ).decode()
        for _ in n
    ]
    _decoy_lines(
        draft,
        "decoys/web/styles.css",
        "base64-image",
        (
            f".icon-{i} {{ background-image: url(data:image/png;base64,{b}); }}"
            for i, b in enumerate(image)
        ),
    )
    _decoy_lines(
        draft,
        "decoys/web/index.html",
        "base64-image",
        (f'    <img alt="logo" src="data:image/png;base64,{b}">' for b in reversed(image)),
        header=["<!doctype html>", "<html>", "  <body>"],
    )
    draft.files["decoys/web/index.html"].footer = ["  </body>", "</html>"]
    _decoy_lines(
        draft,
        "decoys/web/cdn.html",
        "sri-hash",
        (
            f'<script src="https://cdn.acme.test/lib-{i}.js" integrity="sha384-{_b64(rng, 48)}"'
            ' crossorigin="anonymous"></script>'
            for i in n
        ),
    )
    _decoy_file(draft, "decoys/web/vendor.min.js", "minified-js", [_minified(rng, 60 + scale * 4)])
    mappings = ";".join(
        ",".join(_ident(rng, rng.randint(4, 8)) for _ in range(12)) for _ in range(40 + scale)
    )
    _decoy_file(
        draft,
        "decoys/web/vendor.min.js.map",
        "source-map",
        [
            json.dumps(
                {"version": 3, "sources": ["src/index.ts"], "names": [], "mappings": mappings}
            )
        ],
    )
    _decoy_file(draft, "decoys/package-lock.json", "lockfile-integrity", _package_lock(rng, scale))
    _decoy_file(draft, "decoys/yarn.lock", "lockfile-integrity", _yarn_lock(rng, scale))
    _decoy_file(draft, "decoys/poetry.lock", "lockfile-integrity", _poetry_lock(rng, scale))
    _decoy_file(
        draft,
        "decoys/go.sum",
        "lockfile-integrity",
        [f"github.com/acme/mod{i} v1.{i}.0 h1:{_b64(rng, 32)}" for i in n],
    )
    _decoy_file(
        draft,
        "decoys/.terraform.lock.hcl",
        "lockfile-integrity",
        [
            'provider "registry.terraform.io/hashicorp/aws" {',
            '  version = "5.31.0"',
            "  hashes = [",
            *(f'    "h1:{_b64(rng, 32)}",' for _ in n),
            *(f'    "zh:{_hex(rng, 64)}",' for _ in n),
            "  ]",
            "}",
        ],
    )
    _decoy_lines(
        draft,
        "decoys/CHANGELOG.md",
        "commit-sha",
        (f"- Fix retry handling in the uploader ({_hex(rng, 40)})" for _ in n),
        header=["# Changelog", "", "## 1.4.2"],
    )
    _decoy_lines(
        draft,
        "decoys/.github/workflows/ci.yml",
        "commit-sha",
        (f"      - uses: acme/action-{i}@{_hex(rng, 40)}  # v{i}.0.0" for i in n),
        header=["on: [push]", "jobs:", "  test:", "    runs-on: ubuntu-latest", "    steps:"],
    )
    _decoy_lines(
        draft,
        "decoys/docs/git-history.txt",
        "commit-sha",
        (f"commit {_hex(rng, 40)}\nMerge: {_hex(rng, 7)} {_hex(rng, 7)}" for _ in n),
    )
    _decoy_lines(
        draft,
        "decoys/docs/aws-setup.md",
        "aws-documented-example",
        [
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
            "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",',
        ],
        header=[
            "# Configure the CLI",
            "",
            "Use the values from your own account; these are AWS's samples:",
            "",
        ],
    )
    _decoy_lines(
        draft,
        "decoys/tests/fixtures/fake_credentials.py",
        "test-fixture",
        [
            'API_KEY = "fake-api-key-for-tests"',
            'password = "password123"',
            'GITHUB_TOKEN = "ghp_' + "0" * 36 + '"',
            'STRIPE_KEY = "sk_live_' + "0" * 24 + '"',
            'OPENAI_API_KEY = "sk-proj-' + "x" * 40 + "T3BlbkFJ" + "x" * 40 + '"',
            'SLACK_TOKEN = "xoxb-000000000000-000000000000-' + "x" * 24 + '"',
            'AWS_ACCESS_KEY_ID = "AKIA' + "X" * 16 + '"',
            'token = "test-token"',
            'client_secret = "dummy-client-secret"',
            'db_url = "postgres://user:password@localhost:5432/test"',
            f'JWT = "{_JWT_IO_EXAMPLE}"',
            'ANTHROPIC_API_KEY = "sk-ant-api03-' + "x" * 93 + 'AA"',
        ],
        header=['"""Values for unit tests only; none of them works anywhere."""', ""],
    )
    _decoy_lines(
        draft,
        "decoys/app/pagination.py",
        "token-word-identifier",
        [
            *(f'next_page_token = "{_b64(rng, 30, True)}"' for _ in n),
            'token_type = "Bearer"',
            "max_tokens = 4096",
            'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
            'secret_name = "prod/billing/database"',
            'SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-a1B2c3"',
            'api_key_header = "X-API-Key"',
            'password_reset_url = "https://acme.test/account/reset"',
            *(f'trace_id = "{_hex(rng, 32)}"' for _ in n),
            *(f'span_id = "{_hex(rng, 16)}"' for _ in n),
            *(f'"nonce": "{_hex(rng, 32)}",' for _ in n),
            *(f'cache_key = "session:{_ident(rng, 6)}:profile"' for _ in n),
        ],
    )
    _decoy_lines(
        draft,
        "decoys/keys/authorized_keys",
        "public-key",
        (f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{_b64(rng, 32)[:43]} dev{i}@laptop" for i in n),
    )
    _decoy_lines(
        draft,
        "decoys/keys/known_hosts",
        "public-key",
        (f"git{i}.acme.test ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{_b64(rng, 180)}" for i in n),
    )
    for name, label in (("server.crt", "CERTIFICATE"), ("public.pem", "PUBLIC KEY")):
        body = _b64(rng, 600)
        lines = [f"-----BEGIN {label}-----", *(body[i : i + 64] for i in range(0, len(body), 64))]
        _decoy_file(draft, f"decoys/keys/{name}", "public-key", [*lines, f"-----END {label}-----"])


def _minified(rng: random.Random, statements: int) -> str:
    parts = []
    for _ in range(statements):
        a, b = _ident(rng, 1), _ident(rng, 2)
        choice = rng.randrange(4)
        if choice == 0:
            parts.append(f"var {a}{b}=function(e,t){{return e.{_ident(rng, 3)}(t)}}")
        elif choice == 1:
            parts.append(f'{a}.exports="{_ident(rng, rng.randint(20, 40))}"')
        elif choice == 2:
            parts.append(
                f'{a}[{rng.randint(0, 999)}]={{id:"{_hex(rng, 24)}",v:{rng.randint(0, 9)}}}'
            )
        else:
            parts.append(
                f"{a}{b}.prototype.{_ident(rng, 4)}=function(){{return this.{_ident(rng, 2)}}}"
            )
    return "!function(){" + ";".join(parts) + "}();"


def _package_lock(rng: random.Random, scale: int) -> list[str]:
    lines = ["{", '  "name": "web",', '  "lockfileVersion": 3,', '  "packages": {']
    for i in range(scale):
        lines += [
            f'    "node_modules/pkg-{i}": {{',
            f'      "version": "1.{i}.0",',
            f'      "resolved": "https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.{i}.0.tgz",',
            f'      "integrity": "sha512-{_b64(rng, 64)}"',
            "    },",
        ]
    return [*lines, '    "": {}', "  }", "}"]


def _yarn_lock(rng: random.Random, scale: int) -> list[str]:
    lines = ["# yarn lockfile v1", ""]
    for i in range(scale):
        lines += [
            f'"lib-{i}@^2.{i}.0":',
            f'  version "2.{i}.1"',
            f'  resolved "https://registry.yarnpkg.com/lib-{i}/-/lib-{i}-2.{i}.1.tgz'
            f'#{_hex(rng, 40)}"',
            f"  integrity sha512-{_b64(rng, 64)}",
            "",
        ]
    return lines


def _poetry_lock(rng: random.Random, scale: int) -> list[str]:
    lines = []
    for i in range(scale):
        lines += [
            "[[package]]",
            f'name = "dep{i}"',
            f'version = "0.{i}.0"',
            "files = [",
            f'    {{file = "dep{i}-0.{i}.0.tar.gz", hash = "sha256:{_hex(rng, 64)}"}},',
            "]",
            "",
        ]
    return lines


# ------------------------------------------------------------------------------- building


@dataclass(frozen=True)
class Corpus:
    root: Path
    repo: Path
    plain: Path
    labels_path: Path
    labels: dict[str, Any]
    head: str


def select_rules(pack: RulePack, rule_ids: Sequence[str] | None) -> list[Rule]:
    if not rule_ids:
        return list(pack.rules)
    unknown = sorted(set(rule_ids) - set(pack.by_id))
    if unknown:
        raise ValueError(f"unknown rule id(s): {', '.join(unknown)}")
    return [pack.by_id[rule_id] for rule_id in rule_ids]


def draft_corpus(
    pack: RulePack,
    rules: Sequence[Rule],
    seed: int,
    tokens_per_rule: int,
    decoy_scale: int,
    survey_draws: int = 0,
) -> tuple[CorpusDraft, dict[str, DrawStats], dict[str, DrawStats], list[str]]:
    matcher = Matcher(pack, engine="python")
    factory = TokenFactory(pack, matcher, seed)
    draft = CorpusDraft(random.Random(f"quality-corpus:{seed}:layout"))
    decoy_rng = random.Random(f"quality-corpus:{seed}:decoys")
    missing: list[str] = []
    survey: dict[str, DrawStats] = {}
    for rule in rules:
        if survey_draws:
            survey[rule.id] = factory.survey(rule, survey_draws)
        tokens = factory.tokens(rule, tokens_per_rule)
        if len(tokens) < tokens_per_rule:
            missing.append(rule.id)
        place_tokens(draft, pack, rule, tokens)
        place_decoys(draft, pack, rule, tokens, decoy_rng)
    place_shared_decoys(draft, decoy_rng, decoy_scale)
    return draft, factory.stats, survey, missing


def build_corpus(
    dest: Path,
    *,
    seed: int = DEFAULT_SEED,
    rule_ids: Sequence[str] | None = None,
    tokens_per_rule: int = DEFAULT_TOKENS_PER_RULE,
    decoy_scale: int = 12,
    survey_draws: int = 0,
    pack: RulePack | None = None,
) -> Corpus:
    """Write `dest/repo` (one commit), `dest/plain` (the same files) and `dest/labels.json`."""
    pack = pack if pack is not None else load_rules()
    rules = select_rules(pack, rule_ids)
    draft, stats, survey, missing = draft_corpus(
        pack, rules, seed, tokens_per_rule, decoy_scale, survey_draws
    )
    contents, secrets, decoys = draft.render()
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    repo, plain = dest / "repo", dest / "plain"
    for stale in (repo, plain):
        if stale.exists():
            shutil.rmtree(stale)
    spec = ScenarioSpec(
        name="quality-corpus",
        source=Path("bench/quality_corpus.py"),
        description="Labelled detection-quality corpus",
        seed=seed,
        secrets={},
        steps=(
            Step(
                number=1,
                op="commit",
                date=COMMIT_DATE,
                message="Add the quality corpus",
                write=tuple(sorted(contents.items())),
            ),
        ),
    )
    built = build_spec(spec, repo)
    for path, content in contents.items():
        target = plain / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
    whole_file_decoys = {
        path: draft.files[path].decoy_kind
        for path in sorted(draft.files)
        if draft.files[path].decoy_kind
    }
    labels: dict[str, Any] = {
        "schema": SCHEMA,
        "seed": seed,
        "head": built.head,
        "rules": [rule.id for rule in rules],
        "families": sorted({rule.family for rule in rules}),
        "files": {path: draft.files[path].family for path in sorted(draft.files)},
        "decoy_files": whole_file_decoys,
        "secrets": secrets,
        "decoys": decoys,
        "rules_short_of_tokens": missing,
        "generation": {
            rule_id: {
                "draws": s.draws,
                "structural": s.structural,
                "filtered": s.filtered,
                "accepted": s.accepted,
            }
            for rule_id, s in sorted(stats.items())
        },
        "filter_survey": {
            rule_id: {"structural": s.structural, "dropped": s.filtered}
            for rule_id, s in sorted(survey.items())
        },
    }
    labels_path = dest / "labels.json"
    labels_path.write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
    return Corpus(dest, repo, plain, labels_path, labels, built.head)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the labelled quality corpus.")
    parser.add_argument("dest", type=Path, help="output folder (repo/, plain/, labels.json)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rules", default="", help="comma-separated rule ids (default: all)")
    parser.add_argument("--tokens-per-rule", type=int, default=DEFAULT_TOKENS_PER_RULE)
    args = parser.parse_args(argv)
    rule_ids = [r for r in args.rules.split(",") if r] or None
    corpus = build_corpus(
        args.dest, seed=args.seed, rule_ids=rule_ids, tokens_per_rule=args.tokens_per_rule
    )
    labels = corpus.labels
    print(
        f"{len(labels['secrets'])} planted secrets, {len(labels['decoys'])} decoy lines, "
        f"{len(labels['files'])} files; commit {corpus.head}"
    )
    if labels["rules_short_of_tokens"]:
        print("rules with fewer tokens than asked: " + ", ".join(labels["rules_short_of_tokens"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

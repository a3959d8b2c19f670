"""Build the labelled corpus of the detection-quality benchmark, independent of the rule pack.

Positives come from each provider's documented token format (`token_formats.py`: prefix,
length, alphabet, checksum, with the documentation page for each), drawn with a seeded
generator; nothing is read from `rules/`, so a rule that misses a documented shape, a provider
without a rule, or a syntax the rules do not read all show up as lost recall. Every token is
written into assignment syntaxes of several languages and config formats (`syntaxes.py`), under
the variable name the provider's docs use, re-cased the way each language spells names. Generic
secrets (random values under secret-ish names: `secrets.token_hex()`, Rails `secret_key_base`,
passwords, UUIDs issued as secrets), connection strings, key files and credential stores
(`credential_blocks.py`) complete the positives. Decoys sit next to them in the same files:
placeholders and templates under the same names, digests and UUIDs under id-ish names, and
what real code keeps under secret-ish names without being a secret (pagination and idempotency
tokens, timestamps, key names, paths, URLs); shared
decoy files (`quality_decoys.py`) add lock files, public keys, images and test values.

The corpus is one commit made by the fixture builder, a plain copy of the same files, and
`labels.json`: for every planted secret its file, line span, family, provider, token kind,
syntax family and the sha256 of its value (never the value); for every decoy its span, kind and
syntax; for every file its family and syntax.

    python bench/quality_corpus.py OUT_DIR [--seed N] [--tokens N]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import shutil
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from credential_blocks import BLOCKS, CONNECTION_STRINGS, Block
from quality_decoys import place_shared_decoys
from syntaxes import SYNTAXES, Syntax, fits
from token_formats import ALPHABETS, FORMATS, GENERIC, TokenFormat, make_value

from scanner.demo import ScenarioSpec, Step, build_spec

SCHEMA = "leakwindow.quality-corpus/2"
DEFAULT_SEED = 20261206
DEFAULT_TOKENS = 3  # tokens per format; each is written in SYNTAXES_PER_TOKEN syntaxes
SYNTAXES_PER_TOKEN = 2
DECOY_FAMILY = "decoys"
COMMIT_DATE = "1735732800 +0000"  # fixed, so the commit SHA is reproducible

# Whole values that say "fill me in" (a placeholder is the whole value, never a substring).
PLACEHOLDERS = (
    "<your-api-key>",
    "${NAME}",
    "changeme",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "your_api_key_here",
    "{{ .Values.secret }}",
    "REDACTED",
    "********",
    "%(NAME)s",
    "TODO",
)
ID_NAMES = ("REQUEST_ID", "BUILD_ID", "TENANT_ID", "GIT_COMMIT", "CHECKSUM_SHA256", "IMAGE_DIGEST")
# Values under secret-ish names that are not credentials, as real code has them (found in the
# real-code corpus): pagination and idempotency tokens, timestamps, names, paths, URLs.
NOT_SECRETS: tuple[tuple[str, str, str], ...] = (
    ("NEXT_PAGE_TOKEN", "pagination-token", "b64:33"),
    ("NEXT_CONTINUATION_TOKEN", "pagination-token", "b64:42"),
    ("CLIENT_TOKEN", "idempotency-token", "uuid"),
    ("CLIENT_REQUEST_TOKEN", "idempotency-token", "alnum:32"),
    ("PASSWORD_LAST_USED", "timestamp", "=2024-09-24T16:18:07Z"),
    ("TOKEN_EXPIRES_AT", "timestamp", "=2025-03-01T00:00:00+00:00"),
    ("BACKEND_SESSION_KEY", "identifier", "=_auth_user_backend"),
    ("SECRET_NAME", "identifier", "=prod/billing/database"),
    ("API_KEY_HEADER", "identifier", "=X-Api-Key"),
    ("PASSWORD_FIELD", "identifier", "=new_password_confirmation"),
    ("PASSWORD_FILE", "path", "=/run/secrets/db_password"),
    ("TOKEN_URL", "url", "=https://oauth2.acme.test/v1/token"),
)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Mark:
    first: int
    last: int
    label: dict[str, Any]  # `secret: True` for a planted secret, else a decoy


@dataclass(frozen=True)
class Item:
    lines: tuple[str, ...]
    marks: tuple[Mark, ...]


@dataclass
class FileDraft:
    path: str
    family: str
    syntax: str
    header: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    noise: tuple[str, ...] = ()
    items: list[Item] = field(default_factory=list)
    whole_decoy: str | None = None  # every line of the file is this kind of decoy
    keep_order: bool = False


class CorpusDraft:
    """Collects items per file, then renders every file with its line marks resolved."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.files: dict[str, FileDraft] = {}

    def file(self, path: str, family: str, syntax: str, like: Syntax | None = None) -> FileDraft:
        draft = self.files.get(path)
        if draft is None:
            draft = FileDraft(path, family, syntax)
            if like is not None:
                draft.header, draft.footer = list(like.header), list(like.footer)
                draft.noise = like.noise
            self.files[path] = draft
        return draft

    # the DecoySink protocol of quality_decoys.py
    def decoy_lines(self, path: str, kind: str, lines: list[str], header: list[str]) -> None:
        target = self.file(path, DECOY_FAMILY, "shared-decoys")
        target.header = target.header or header
        for entry in lines:
            item_lines = tuple(entry.split("\n"))
            mark = Mark(0, len(item_lines) - 1, {"kind": kind})
            target.items.append(Item(item_lines, (mark,)))

    def decoy_file(self, path: str, kind: str, content: list[str]) -> None:
        target = self.file(path, DECOY_FAMILY, "shared-decoys")
        target.whole_decoy, target.header = kind, content

    def footer(self, path: str, lines: list[str]) -> None:
        self.files[path].footer = lines

    def render(self) -> tuple[dict[str, str], list[dict[str, Any]], list[dict[str, Any]]]:
        contents: dict[str, str] = {}
        secrets: list[dict[str, Any]] = []
        decoys: list[dict[str, Any]] = []
        for path in sorted(self.files):
            draft = self.files[path]
            items = list(draft.items)
            if not draft.keep_order:
                self.rng.shuffle(items)
            lines = list(draft.header)
            for item in items:
                if draft.noise and self.rng.random() < 0.4:
                    lines.extend(self.rng.choice(draft.noise).split("\n"))
                base = len(lines) + 1
                lines.extend(item.lines)
                for mark in item.marks:
                    label = {"path": path, "line": base + mark.first, "end_line": base + mark.last}
                    label.update(mark.label)
                    (secrets if label.pop("secret", False) else decoys).append(label)
            lines.extend(draft.footer)
            contents[path] = "\n".join(lines) + "\n"
        return contents, secrets, decoys


def _secret_label(fmt: TokenFormat, value: str, syntax: str, n: int) -> dict[str, Any]:
    return {
        "secret": True,
        "family": fmt.family,
        "provider": fmt.provider,
        "kind": fmt.kind,
        "covered": fmt.covered,
        "syntax": syntax,
        "sha256": sha256(value),
        "token": n,
    }


class Placer:
    """Spreads tokens over the syntaxes so every family meets every syntax about equally."""

    def __init__(self, draft: CorpusDraft, rng: random.Random) -> None:
        self.draft = draft
        self.rng = rng
        self.used: Counter[tuple[str, str]] = Counter()
        self.turn = 0  # picks a variant of a syntax (`?=` or `::=`, ENV or ARG, ...)

    def syntaxes_for(self, family: str, value: str, count: int) -> list[Syntax]:
        """The least used syntaxes of the family that can hold the value (ties at random)."""
        fitting = [s for s in SYNTAXES if fits(s, value)]
        ranked = sorted(fitting, key=lambda s: (self.used[(family, s.name)], self.rng.random()))
        chosen = ranked[:count]
        for syntax in chosen:
            self.used[(family, syntax.name)] += 1
        return chosen

    def put(
        self, family: str, syntax: Syntax, name: str, value: str, label: dict[str, Any]
    ) -> None:
        self.turn += 1
        lines, first, last = syntax.render(name, value, self.turn)
        target = self.draft.file(f"{family}/{syntax.path}", family, syntax.name, syntax)
        target.items.append(Item(tuple(lines), (Mark(first, last, label),)))

    def token(self, fmt: TokenFormat, value: str, n: int, count: int) -> None:
        for syntax in self.syntaxes_for(fmt.family, value, count):
            self.put(fmt.family, syntax, fmt.name, value, _secret_label(fmt, value, syntax.name, n))


def place_syntax_decoys(draft: CorpusDraft, rng: random.Random) -> None:
    """In every secret-bearing file: placeholders under secret names, ids under id names."""
    names = {f.family: [g.name for g in FORMATS if g.family == f.family] for f in FORMATS}
    names["generic"] = [g.name for g in GENERIC]
    names["connection-strings"] = [name for _, name, _ in CONNECTION_STRINGS]
    for path in sorted(draft.files):
        target = draft.files[path]
        syntax = next((s for s in SYNTAXES if s.name == target.syntax), None)
        if syntax is None or target.family not in names:
            continue
        for placeholder in rng.sample(PLACEHOLDERS, 3):
            name = rng.choice(names[target.family])
            value = placeholder.replace("NAME", name)
            if fits(syntax, value):
                _decoy(target, syntax, name, value, "placeholder", rng)
        for id_name in rng.sample(ID_NAMES, 2):
            value = _id_value(id_name, rng)
            _decoy(target, syntax, id_name, value, "id-or-digest", rng)
        for name, kind, shape in rng.sample(NOT_SECRETS, 3):
            value = _not_secret_value(shape, rng)
            if fits(syntax, value):
                _decoy(target, syntax, name, value, kind, rng)


def _not_secret_value(shape: str, rng: random.Random) -> str:
    if shape.startswith("="):
        return shape[1:]
    kind, _, size = shape.partition(":")
    if kind == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if kind == "b64":
        return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(int(size)))).decode()
    return "".join(rng.choice(ALPHABETS["a"]) for _ in range(int(size)))


def _id_value(name: str, rng: random.Random) -> str:
    if name in ("REQUEST_ID", "BUILD_ID", "TENANT_ID"):
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if name == "GIT_COMMIT":
        return "".join(rng.choice(ALPHABETS["h"]) for _ in range(40))
    digest = "".join(rng.choice(ALPHABETS["h"]) for _ in range(64))
    return f"sha256:{digest}" if name == "IMAGE_DIGEST" else digest


def _decoy(
    target: FileDraft, syntax: Syntax, name: str, value: str, kind: str, rng: random.Random
) -> None:
    lines, first, last = syntax.render(name, value, rng.randrange(6))
    label = {"kind": kind, "syntax": syntax.name}
    target.items.append(Item(tuple(lines), (Mark(first, last, label),)))


def place_block(draft: CorpusDraft, block: Block) -> None:
    family = block.secrets[0].family
    target = draft.file(block.path, family, block.syntax)
    target.keep_order = True
    marks = tuple(
        Mark(
            s.first,
            s.last,
            {
                "secret": True,
                "family": s.family,
                "provider": s.provider,
                "kind": f"{s.provider}:{block.syntax}",
                "covered": True,
                "syntax": block.syntax,
                "sha256": sha256(s.value),
            },
        )
        for s in block.secrets
    )
    target.items.append(Item(tuple(block.lines), marks))


def draft_corpus(seed: int, tokens: int, decoy_scale: int) -> CorpusDraft:
    draft = CorpusDraft(random.Random(f"quality-corpus:{seed}:layout"))
    placer = Placer(draft, random.Random(f"quality-corpus:{seed}:syntax"))
    for fmt in FORMATS:
        rng = random.Random(f"quality-corpus:{seed}:{fmt.kind}")
        for n in range(tokens):
            placer.token(fmt, make_value(fmt, rng), n, SYNTAXES_PER_TOKEN)
    for fmt in GENERIC:  # generic secrets get one more token and syntax: names vary more
        rng = random.Random(f"quality-corpus:{seed}:{fmt.kind}")
        for n in range(tokens + 1):
            placer.token(fmt, make_value(fmt, rng), n, SYNTAXES_PER_TOKEN + 1)
    for provider, name, template in CONNECTION_STRINGS:
        fmt = TokenFormat(provider, "connection-strings", name, template, "URI syntax, RFC 3986")
        rng = random.Random(f"quality-corpus:{seed}:{fmt.kind}")
        for n in range(tokens):
            password = "".join(rng.choice(ALPHABETS["w"]) for _ in range(18))
            placer.token(fmt, template.replace("{pw}", password), n, SYNTAXES_PER_TOKEN)
    for index, make in enumerate(BLOCKS):
        rng = random.Random(f"quality-corpus:{seed}:block:{index}")
        for n in range(2 * tokens):  # one secret per file: twice as many files as tokens
            place_block(draft, make(rng, n))
    decoy_rng = random.Random(f"quality-corpus:{seed}:decoys")
    place_syntax_decoys(draft, decoy_rng)
    place_shared_decoys(draft, decoy_rng, decoy_scale)
    return draft


@dataclass(frozen=True)
class Corpus:
    root: Path
    repo: Path
    plain: Path
    labels_path: Path
    labels: dict[str, Any]
    head: str


def build_corpus(
    dest: Path, *, seed: int = DEFAULT_SEED, tokens: int = DEFAULT_TOKENS, decoy_scale: int = 12
) -> Corpus:
    """Write `dest/repo` (one commit), `dest/plain` (the same files) and `dest/labels.json`."""
    draft = draft_corpus(seed, tokens, decoy_scale)
    contents, secrets, decoys = draft.render()
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    repo, plain = dest / "repo", dest / "plain"
    for stale in (repo, plain):
        if stale.exists():
            shutil.rmtree(stale)
    step = Step(
        number=1,
        op="commit",
        date=COMMIT_DATE,
        message="Add the quality corpus",
        write=tuple(sorted(contents.items())),
    )
    spec = ScenarioSpec(
        name="quality-corpus",
        source=Path("bench/quality_corpus.py"),
        description="Labelled detection-quality corpus",
        seed=seed,
        secrets={},
        steps=(step,),
    )
    built = build_spec(spec, repo)
    for path, content in contents.items():
        target = plain / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
    labels: dict[str, Any] = {
        "schema": SCHEMA,
        "seed": seed,
        "head": built.head,
        "families": sorted({s["family"] for s in secrets}),
        "syntaxes": sorted({s["syntax"] for s in secrets}),
        "files": {
            path: {"family": f.family, "syntax": f.syntax}
            for path, f in sorted(draft.files.items())
        },
        "decoy_files": {p: f.whole_decoy for p, f in sorted(draft.files.items()) if f.whole_decoy},
        "secrets": secrets,
        "decoys": decoys,
        "formats": [
            {"kind": f.kind, "family": f.family, "template": f.template, "source": f.source}
            for f in (*FORMATS, *GENERIC)
        ],
    }
    labels_path = dest / "labels.json"
    labels_path.write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
    return Corpus(dest, repo, plain, labels_path, labels, built.head)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the labelled quality corpus.")
    parser.add_argument("dest", type=Path, help="output folder (repo/, plain/, labels.json)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--tokens", type=int, default=DEFAULT_TOKENS, help="tokens per format")
    args = parser.parse_args(argv)
    corpus = build_corpus(args.dest, seed=args.seed, tokens=args.tokens)
    labels = corpus.labels
    print(
        f"{len(labels['secrets'])} planted secrets, {len(labels['decoys'])} decoys, "
        f"{len(labels['files'])} files; commit {corpus.head}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

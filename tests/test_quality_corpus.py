"""Smoke test of the detection-quality benchmark on a tiny corpus.

`bench/quality_corpus.py` must build the same corpus twice from one seed, label every planted
secret where it really is (by fingerprint, never by value), redraw tokens instead of copying
the rules' examples, and leakwindow must find every planted secret of the corpus.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from bench_support import BENCH, load_bench

from scanner.cli.app import main as leakwindow_main
from scanner.detect.checksums import github_crc32
from scanner.rules.pack import RulePack, load_rules

# Formats with a checksum or an encoded structure to rebuild, a key id next to its secret,
# a multi-line key, a password inside a URL and two plain prefixed tokens.
RULES = (
    "xai-api-key",
    "github-pat",
    "aws-secret-access-key",
    "private-key-rsa",
    "postgres-url-password",
    "pypi-upload-token",
    "docker-config-auth",
    "slack-bot-token",
)
SEED = 11


if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))  # quality.py imports its neighbours by name
quality_corpus = load_bench("quality_corpus", "quality_corpus")  # the name quality.py imports
quality = load_bench("quality")


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rules()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, pack: RulePack) -> Any:
    dest = tmp_path_factory.mktemp("quality") / "first"
    return quality_corpus.build_corpus(dest, seed=SEED, rule_ids=RULES, decoy_scale=2, pack=pack)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _span_text(root: Path, label: dict[str, Any]) -> str:
    lines = (root / label["path"]).read_text().split("\n")
    return "\n".join(lines[label["line"] - 1 : label["end_line"]])


def test_same_seed_builds_the_same_corpus(corpus: Any, pack: RulePack, tmp_path: Path) -> None:
    again = quality_corpus.build_corpus(
        tmp_path / "again", seed=SEED, rule_ids=RULES, decoy_scale=2, pack=pack
    )
    assert again.head == corpus.head
    assert again.labels == corpus.labels
    assert _files(again.plain) == _files(corpus.plain)


def test_another_seed_draws_other_tokens(corpus: Any, pack: RulePack, tmp_path: Path) -> None:
    other = quality_corpus.build_corpus(
        tmp_path / "other", seed=SEED + 1, rule_ids=RULES, decoy_scale=2, pack=pack
    )
    first = {s["sha256"] for s in corpus.labels["secrets"]}
    second = {s["sha256"] for s in other.labels["secrets"]}
    assert first and not first & second


def test_every_rule_gets_tokens_in_several_contexts(corpus: Any) -> None:
    secrets = corpus.labels["secrets"]
    for rule_id in RULES:
        placed = [s for s in secrets if s["rule"] == rule_id]
        assert len({s["sha256"] for s in placed}) >= 3, rule_id
        assert len({s["context"] for s in placed}) >= 2, rule_id
    assert corpus.labels["rules_short_of_tokens"] == []


def _planted_value(pack: RulePack, root: Path, label: dict[str, Any]) -> bytes | None:
    """The value in the label's lines whose sha256 the label holds, as any rule captures it."""
    span = _span_text(root, label).encode()
    wanted = {label["sha256"], label.get("sha256_in_place")}
    for rule in pack.rules:
        for found in rule.regex.finditer(span):
            value = found.group(rule.secret_group)
            if value and hashlib.sha256(value).hexdigest() in wanted:
                return value
    return None


def test_labels_point_at_the_value_they_fingerprint(corpus: Any, pack: RulePack) -> None:
    labels_text = corpus.labels_path.read_text()
    for label in corpus.labels["secrets"]:
        value = _planted_value(pack, corpus.plain, label)
        assert value is not None, label
        assert value.decode() not in labels_text


def test_tokens_keep_the_examples_shape_but_not_their_values(corpus: Any, pack: RulePack) -> None:
    for rule_id in RULES:
        rule = pack.by_id[rule_id]
        originals = set()
        for example in rule.examples_match:
            found = rule.regex.search(example.encode())
            assert found is not None
            originals.add(found.group(rule.secret_group).decode())
        prefixes = [k for k in rule.keywords if all(o.lower().startswith(k) for o in originals)]
        for label in corpus.labels["secrets"]:
            if label["rule"] != rule_id or "sha256_in_place" in label:
                continue
            planted = _planted_value(pack, corpus.plain, label)
            assert planted is not None
            value = planted.decode()
            assert value not in originals
            assert len(value) in {len(o) for o in originals}
            for prefix in prefixes:  # a literal prefix such as xai- or ghp_ is kept
                assert value.lower().startswith(prefix)


def test_shared_decoys_cover_the_kinds_that_fool_scanners(corpus: Any) -> None:
    kinds = {d["kind"] for d in corpus.labels["decoys"]} | set(
        corpus.labels["decoy_files"].values()
    )
    expected = {
        "hash",
        "uuid",
        "base64-image",
        "minified-js",
        "lockfile-integrity",
        "commit-sha",
        "aws-documented-example",
        "test-fixture",
        "placeholder-x",
        "placeholder-env-reference",
        "wrong-length",
        "bad-checksum",
    }
    assert expected <= kinds


def test_a_github_lookalike_fails_its_checksum(corpus: Any, pack: RulePack) -> None:
    rule = pack.by_id["github-pat"]
    bad = [
        d
        for d in corpus.labels["decoys"]
        if d["rule"] == "github-pat" and d["kind"] == "bad-checksum"
    ]
    assert bad
    for decoy in bad:
        token = re.search(rb"ghp_[A-Za-z0-9]{36}", _span_text(corpus.plain, decoy).encode())
        assert token is not None and rule.regex.search(token.group())
        assert not github_crc32(token.group().decode())


def test_leakwindow_finds_every_planted_secret(corpus: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    argv = ["scan", str(corpus.repo), "--format", "json", "--output", str(out)]
    assert leakwindow_main([*argv, "--as-of", quality.AS_OF, "--quiet"]) == 1
    report = json.loads(out.read_text())
    units = [
        quality.Unit(location["path"], location["line"], finding["fingerprint"])
        for finding in report["findings"]
        for location in finding["locations"]
    ]
    score = quality.score("leakwindow", units, quality.Labels(corpus.labels))
    assert score.overall.secrets == len(corpus.labels["secrets"])
    assert [m["rule"] for m in score.missed] == []
    assert score.overall.recall == 1.0

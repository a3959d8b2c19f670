"""Smoke test of the detection-quality benchmark on a small corpus.

`bench/quality_corpus.py` must build the same corpus twice from one seed, cover every family
of the pack and every syntax family, label secrets by fingerprint (never by value), write
checksummed formats with a valid checksum, and `bench/quality_score.py` must score a report by
the lines it flags. The full run is a benchmark, not a test.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from bench_support import BENCH, load_bench

from scanner.cli.app import main as leakwindow_main
from scanner.detect.checksums import github_crc32
from scanner.rules.pack import load_rules

SEED = 11

if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))  # the bench scripts import their neighbours by name
quality_corpus = load_bench("quality_corpus", "quality_corpus")
quality_score = load_bench("quality_score", "quality_score")
token_formats = load_bench("token_formats", "token_formats")
syntaxes = load_bench("syntaxes", "syntaxes")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Any:
    dest = tmp_path_factory.mktemp("quality") / "first"
    return quality_corpus.build_corpus(dest, seed=SEED, tokens=1, decoy_scale=1)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_builds_the_same_corpus(corpus: Any, tmp_path: Path) -> None:
    again = quality_corpus.build_corpus(tmp_path / "again", seed=SEED, tokens=1, decoy_scale=1)
    assert again.head == corpus.head
    assert again.labels == corpus.labels
    assert _files(again.plain) == _files(corpus.plain)


def test_another_seed_draws_other_values(corpus: Any, tmp_path: Path) -> None:
    other = quality_corpus.build_corpus(tmp_path / "other", seed=SEED + 1, tokens=1, decoy_scale=1)
    first = {s["sha256"] for s in corpus.labels["secrets"]}
    second = {s["sha256"] for s in other.labels["secrets"]}
    assert first and len(first & second) < len(first) // 20  # only weak passwords repeat


def test_every_pack_family_and_every_syntax_family_has_positives(corpus: Any) -> None:
    planted = corpus.labels["secrets"]
    assert {rule.family for rule in load_rules().rules} <= {s["family"] for s in planted}
    assert {s.name for s in syntaxes.SYNTAXES} <= {s["syntax"] for s in planted}
    uncovered = {s["provider"] for s in planted if not s["covered"]}
    assert {"twitter", "pulumi", "jenkins", "azure-service-bus"} <= uncovered


def test_labels_name_family_provider_and_syntax_but_never_the_value(corpus: Any) -> None:
    text = corpus.labels_path.read_text()
    found = re.findall(rb"ghp_[A-Za-z0-9]{36}", b"".join(_files(corpus.plain).values()))
    tokens = [t for t in found if t != b"ghp_" + b"0" * 36]  # that one is a test-value decoy
    assert tokens
    hashes = {s["sha256"] for s in corpus.labels["secrets"]}
    for token in tokens:
        assert token.decode() not in text
        assert hashlib.sha256(token).hexdigest() in hashes
    for label in corpus.labels["secrets"]:
        assert {"family", "provider", "syntax", "kind", "line", "end_line"} <= set(label)


def test_decoys_sit_in_the_secrets_files_under_the_same_names(corpus: Any) -> None:
    decoys = [d for d in corpus.labels["decoys"] if "syntax" in d]
    kinds = {d["kind"] for d in decoys}
    assert {"placeholder", "id-or-digest", "pagination-token", "timestamp", "identifier"} <= kinds
    secret_files = {s["path"] for s in corpus.labels["secrets"]}
    assert {d["path"] for d in decoys} <= secret_files


def test_checksummed_formats_carry_a_valid_checksum() -> None:
    rng = random.Random(3)
    github = next(f for f in token_formats.FORMATS if f.template.startswith("ghp_"))
    values = [token_formats.make_value(github, rng) for _ in range(20)]
    assert all(github_crc32(v) for v in values)
    assert len({v[:-6] for v in values}) == 20


def test_every_format_names_its_source_and_renders() -> None:
    rng = random.Random(5)
    for fmt in (*token_formats.FORMATS, *token_formats.GENERIC):
        assert fmt.source, fmt.kind
        value = token_formats.make_value(fmt, rng)
        assert "{" not in value and len(value) >= 8, fmt.kind


def test_score_counts_lines_against_secrets_and_decoys() -> None:
    labels = quality_score.Labels(
        {
            "files": {"a/.env": {"family": "ai", "syntax": "dotenv"}},
            "decoy_files": {},
            "decoys": [{"path": "a/.env", "line": 3, "end_line": 3, "kind": "placeholder"}],
            "secrets": [
                {
                    "path": "a/.env",
                    "line": 1,
                    "end_line": 2,
                    "family": "ai",
                    "syntax": "dotenv",
                    "kind": "x:key",
                    "covered": True,
                    "sha256": "f",
                },
                {
                    "path": "a/.env",
                    "line": 5,
                    "end_line": 5,
                    "family": "ai",
                    "syntax": "dotenv",
                    "kind": "x:key",
                    "covered": False,
                    "sha256": "e",
                },
            ],
        }
    )
    Unit = quality_score.Unit
    result = quality_score.score("t", [Unit("a/.env", 2), Unit("a/.env", 3)], labels)
    assert (result.overall.tp, result.overall.fp, result.overall.found) == (1, 1, 1)
    assert result.by_syntax["dotenv"].recall == 0.5
    assert result.covered[False].found == 0
    assert [fp.kind for fp in result.false_positives] == ["placeholder"]


def test_leakwindow_scan_of_the_corpus_is_scored(corpus: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    argv = ["scan", str(corpus.repo), "--format", "json", "--output", str(out), "--quiet"]
    assert leakwindow_main([*argv, "--as-of", "2026-01-01T00:00:00Z"]) == 1
    units = [
        quality_score.Unit(loc["path"], loc["line"], finding["fingerprint"])
        for finding in json.loads(out.read_text())["findings"]
        for loc in finding["locations"]
    ]
    result = quality_score.score("leakwindow", units, quality_score.Labels(corpus.labels))
    assert result.overall.secrets == len(corpus.labels["secrets"])
    assert result.overall.found > 0
    assert result.exact_value > 0

"""Prove a rule pack's own examples: every `match` example is found, every `ignore` is not.

A rule bound to credential files (`files`) reads only such files, so its examples are
scanned as a file of the first name it lists (scanner.rules.file_names.example_path)."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.detect.matcher import Matcher
from scanner.rules.file_names import example_path
from scanner.rules.pack import RulePack


@dataclass(frozen=True)
class ExampleFailure:
    rule_id: str
    kind: str  # "match" (not found) or "ignore" (found)
    example_index: int


def check_examples(pack: RulePack, engine: str = "auto") -> list[ExampleFailure]:
    matcher = Matcher(pack, engine=engine)
    failures: list[ExampleFailure] = []
    for rule in pack.rules:
        path = example_path(rule.files)
        for index, example in enumerate(rule.examples_match):
            found = {m.rule_id for m in matcher.scan(example.encode("utf-8"), path)}
            if rule.id not in found:
                failures.append(ExampleFailure(rule.id, "match", index))
        for index, example in enumerate(rule.examples_ignore):
            found = {m.rule_id for m in matcher.scan(example.encode("utf-8"), path)}
            if rule.id in found:
                failures.append(ExampleFailure(rule.id, "ignore", index))
    return failures

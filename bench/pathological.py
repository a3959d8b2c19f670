"""Worst-case matching time per rule on adversarial input.

    python bench/pathological.py [--rules FILE ...] [--top N] [--engine auto|hyperscan|python]

For every rule in force (the built-in pack plus any `--rules` files), feeds the matching
engine the inputs of `scanner.regex_guard.pathological_inputs`: 64 KB runs of each character
the pattern repeats (alone and after each keyword), each example turned into a near-miss and
repeated to 1 MB, and 1 MB of keywords. Each rule is matched on its own (a one-rule pack, so
the time is that rule's), and the worst input per rule is printed, slowest rules first, with
a total. Results also go to bench/out/pathological.json.

`tests/test_pathological_rules.py` runs the same inputs against the whole pack in CI with a
time bound; this script is for finding which rule is to blame when that test fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from scanner.matching import Matcher
from scanner.regex_guard import check_pattern, pathological_inputs
from scanner.rules import Rule, RulePack, load_rules

OUT_DIR = Path(__file__).resolve().parent / "out"


def one_rule_matcher(rule: Rule, engine: str) -> Matcher:
    return Matcher(RulePack(rules=(rule,), digest=rule.id, by_id={rule.id: rule}), engine=engine)


def worst_case(rule: Rule, engine: str) -> tuple[float, str, int]:
    """(seconds, input name, input bytes) of the slowest pathological input for `rule`."""
    matcher = one_rule_matcher(rule, engine)
    worst = (0.0, "", 0)
    for name, content in pathological_inputs(
        rule.pattern, rule.secret_group, rule.keywords, rule.examples_match
    ):
        started = time.perf_counter()
        matcher.scan(content)
        elapsed = time.perf_counter() - started
        if elapsed > worst[0]:
            worst = (elapsed, name, len(content))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", action="append", type=Path, default=[])
    parser.add_argument("--top", type=int, default=25, help="rows to print (0: all)")
    parser.add_argument("--engine", choices=("auto", "hyperscan", "python"), default="auto")
    args = parser.parse_args(argv)
    pack = load_rules(extra_files=args.rules)
    rows = []
    started = time.perf_counter()
    for rule in pack.rules:
        seconds, name, size = worst_case(rule, args.engine)
        rows.append(
            {
                "rule": rule.id,
                "worst_seconds": round(seconds, 4),
                "input": name,
                "input_bytes": size,
                "guard": check_pattern(rule.pattern) or "ok",
            }
        )
    total = time.perf_counter() - started
    rows.sort(key=lambda row: -float(row["worst_seconds"]))  # type: ignore[arg-type]
    shown = rows if args.top == 0 else rows[: args.top]
    print(f"{'rule':<44} {'worst s':>8}  input")
    for row in shown:
        print(f"{row['rule']:<44} {row['worst_seconds']:>8.4f}  {row['input']}")
    print(f"{len(rows)} rules, {total:.1f} s in all (engine {args.engine})")
    unsafe = [row for row in rows if row["guard"] != "ok"]
    for row in unsafe:
        print(f"guard: {row['rule']}: {row['guard']}", file=sys.stderr)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "pathological.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 1 if unsafe else 0


if __name__ == "__main__":
    sys.exit(main())

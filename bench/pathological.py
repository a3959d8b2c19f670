"""Worst-case matching time per rule on adversarial input.

    python bench/pathological.py [--rules FILE ...] [--top N] [--engine auto|hyperscan|python]
                                 [--limit SECONDS]

For every rule in force (the built-in pack plus any `--rules` files), feeds the matching
engine the inputs of `scanner.rules.regex_guard.pathological_inputs`: 64 KB runs of each character
the pattern repeats (alone and after each keyword), each example turned into a near-miss and
repeated to 1 MB, 1 MB of keywords, and "pumped" texts (a text that reaches each repeated
part, that part's text many times over, then a byte that fits nothing). Each rule is matched
on its own (a one-rule pack, so the time is that rule's), and the worst input per rule is
printed, slowest rules first, with a total. The rule's other regexes (placeholders, on the
secrets it captures; path_ignore; verify bodies) get the pumped texts of their own.

Beside each time: the regex guard's bound for one attempt of the pattern
(`scanner.rules.regex_cost`, in steps, on a 10 MiB line), an upper bound that over-estimates.
Every input is stopped after `--limit` seconds (an interval timer; CPython's regex engine
checks for signals as it goes), so a regression shows as that limit, not as a hang.
Results also go to bench/out/pathological.json.

`tests/rules/test_pathological_rules.py` runs the same inputs against the whole pack in CI with a
time bound; this script is for finding which rule is to blame when that test fails.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scanner.detect.matcher import Matcher
from scanner.rules.pack import Rule, RulePack, load_rules
from scanner.rules.regex_cost import analyse
from scanner.rules.regex_guard import (
    RULE_SUBJECT,
    check_pattern,
    pathological_inputs,
    pumped_inputs,
)

OUT_DIR = Path(__file__).resolve().parent / "out"


class _Stopped(Exception):
    pass


@contextmanager
def _stop_after(seconds: float) -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise _Stopped()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timed(run: Callable[[], object], limit: float) -> float:
    started = time.perf_counter()
    try:
        with _stop_after(limit):
            run()
    except _Stopped:
        return limit
    return time.perf_counter() - started


def one_rule_matcher(rule: Rule, engine: str) -> Matcher:
    return Matcher(RulePack(rules=(rule,), digest=rule.id, by_id={rule.id: rule}), engine=engine)


def worst_case(rule: Rule, engine: str, limit: float) -> tuple[float, str, int]:
    """(seconds, input name, input bytes) of the slowest pathological input for `rule`."""
    matcher = one_rule_matcher(rule, engine)
    worst = (0.0, "", 0)
    for name, content in pathological_inputs(
        rule.pattern, rule.secret_group, rule.keywords, rule.examples_match
    ):
        elapsed = _timed(lambda content=content: matcher.scan(content), limit)
        if elapsed > worst[0]:
            worst = (elapsed, name, len(content))
    return worst


def other_regexes_worst(rule: Rule, limit: float) -> tuple[float, str]:
    """The slowest pumped text over the rule's placeholders, path_ignore and verify bodies."""
    others: list[tuple[str, str]] = [("placeholder", p.pattern) for p in rule.placeholders]
    others += [("path_ignore", p.pattern) for p in rule.path_ignore]
    for key in ("live_body", "invalid_body"):
        if rule.verify and rule.verify.get(key):
            others.append((key, str(rule.verify[key])))
    worst = (0.0, "")
    for kind, pattern in others:
        regex = re.compile(pattern)
        for name, content in pumped_inputs(pattern):
            text = content.decode("utf-8", "replace")
            elapsed = _timed(lambda text=text, regex=regex: regex.search(text), limit)
            if elapsed > worst[0]:
                worst = (elapsed, f"{kind}: {name}")
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", action="append", type=Path, default=[])
    parser.add_argument("--top", type=int, default=25, help="rows to print (0: all)")
    parser.add_argument("--engine", choices=("auto", "hyperscan", "python"), default="auto")
    parser.add_argument("--limit", type=float, default=10.0, help="seconds per input at most")
    args = parser.parse_args(argv)
    pack = load_rules(extra_files=args.rules)
    rows = []
    started = time.perf_counter()
    for rule in pack.rules:
        seconds, name, size = worst_case(rule, args.engine, args.limit)
        other_seconds, other_name = other_regexes_worst(rule, args.limit)
        bound = analyse(rule.pattern.encode(), RULE_SUBJECT).attempt
        rows.append(
            {
                "rule": rule.id,
                "worst_seconds": round(seconds, 4),
                "input": name,
                "input_bytes": size,
                "other_regexes_worst_seconds": round(other_seconds, 4),
                "other_regexes_input": other_name,
                "guard_attempt_steps": round(bound.fixed + bound.per_byte * RULE_SUBJECT),
                "guard": check_pattern(rule.pattern.encode()) or "ok",
            }
        )
    total = time.perf_counter() - started
    rows.sort(key=lambda row: -float(row["worst_seconds"]))  # type: ignore[arg-type]
    shown = rows if args.top == 0 else rows[: args.top]
    print(f"{'rule':<44} {'worst s':>8} {'others s':>8} {'bound':>9}  input")
    for row in shown:
        print(
            f"{row['rule']:<44} {row['worst_seconds']:>8.4f} "
            f"{row['other_regexes_worst_seconds']:>8.4f} {row['guard_attempt_steps']:>9.2g}  "
            f"{row['input']}"
        )
    print(f"{len(rows)} rules, {total:.1f} s in all (engine {args.engine})")
    unsafe = [row for row in rows if row["guard"] != "ok"]
    for row in unsafe:
        print(f"guard: {row['rule']}: {row['guard']}", file=sys.stderr)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "pathological.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 1 if unsafe else 0


if __name__ == "__main__":
    sys.exit(main())

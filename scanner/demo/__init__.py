"""The demo stage: synthetic scenario repositories for `leakwindow demo`, `fixtures` and tests.

A scenario is a spec in `fixtures/*.toml` (a seed, named synthetic secrets, git steps);
building one gives the same commit SHAs anywhere. It lives inside the package so that
`leakwindow demo` works from a wheel. Callers import from here, not from the submodules.
"""

from __future__ import annotations

from scanner.demo.builder import (
    BuiltFixture,
    ScenarioInfo,
    ScenarioSpec,
    Step,
    build_scenario,
    build_spec,
    list_scenarios,
    load_spec,
    spec_path,
)
from scanner.demo.tokens import KINDS, make_token, seeded_rng

__all__ = [
    "KINDS",
    "BuiltFixture",
    "ScenarioInfo",
    "ScenarioSpec",
    "Step",
    "build_scenario",
    "build_spec",
    "list_scenarios",
    "load_spec",
    "make_token",
    "seeded_rng",
    "spec_path",
]

"""The demo stage: synthetic scenario repositories for `leakwindow demo`, `fixtures` and tests.

A scenario is a spec in `fixtures/*.toml` (a seed, named synthetic secrets, git steps);
building one gives the same commit SHAs anywhere. It lives inside the package so that
`leakwindow demo` works from a wheel. Callers import from here, not from the submodules.

Modules, each importing only those listed before it: `tokens` (synthetic credentials),
`model` (the spec records), `spec_fields` and `spec` (reading and validating a spec),
`git_env` (the pinned git environment), `steps` (applying steps with git), `builder`
(building a spec at a destination) and `scenarios` (the shipped specs).
"""

from __future__ import annotations

from scanner.demo.builder import BuiltFixture, build_spec
from scanner.demo.model import Identity, ScenarioSpec, Step
from scanner.demo.scenarios import ScenarioInfo, build_scenario, list_scenarios, spec_path
from scanner.demo.spec import load_spec
from scanner.demo.tokens import KINDS, make_token, seeded_rng

__all__ = [
    "KINDS",
    "BuiltFixture",
    "Identity",
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

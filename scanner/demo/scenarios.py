"""The built-in scenarios: the spec files shipped in `fixtures/`, listed, found and built.

`leakwindow fixtures` and `leakwindow demo` go through here, as do the tests, which can
also point `specs_dir` at a folder of their own specs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scanner.demo.builder import BuiltFixture, build_spec
from scanner.demo.spec import load_spec, read_toml
from scanner.errors import LeakwindowError
from scanner.resources import fixtures_dir

_SCENARIO_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    description: str


def spec_path(name: str, specs_dir: Path | None = None) -> Path:
    """The spec file of scenario `name`; LeakwindowError if there is none."""
    directory = specs_dir if specs_dir is not None else fixtures_dir()
    path = directory / f"{name}.toml"
    if not _SCENARIO_NAME.match(name) or not path.is_file():
        known = ", ".join(info.name for info in list_scenarios(directory)) or "none"
        raise LeakwindowError(f"unknown scenario {name!r} (known: {known})")
    return path


def list_scenarios(specs_dir: Path | None = None) -> list[ScenarioInfo]:
    """Every scenario spec shipped (or in `specs_dir`), sorted by name."""
    directory = specs_dir if specs_dir is not None else fixtures_dir()
    infos = []
    for path in sorted(directory.glob("*.toml")):
        data = read_toml(path)
        description = data.get("description")
        if not isinstance(description, str):
            raise LeakwindowError(f"{path}: 'description' must be a string")
        infos.append(ScenarioInfo(name=path.stem, description=description))
    return infos


def build_scenario(name: str, dest: Path, *, specs_dir: Path | None = None) -> BuiltFixture:
    """Build the shipped scenario `name` (or one from `specs_dir`) as a git repository at `dest`."""
    return build_spec(load_spec(spec_path(name, specs_dir)), dest)

"""The benchmark tools in bench/ (standalone scripts, not a package) loaded as modules, for
the tests that run them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_bench(name: str, module_name: str = "") -> ModuleType:
    """bench/NAME.py as a module registered in sys.modules as `module_name` (bench_NAME
    unless given): dataclasses look their module up while being defined."""
    module_name = module_name or f"bench_{name}"
    spec = importlib.util.spec_from_file_location(module_name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module

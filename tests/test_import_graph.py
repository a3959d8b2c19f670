"""The package's import graph has no cycles, and its stages import downward only.

The graph is read statically: every `import` and `from ... import` in every module under
scanner/, wherever it stands (inside functions and `if TYPE_CHECKING:` blocks too). A lazy
import only postpones a cycle to the call that runs it, and a type-only one still ties two
layers together, so both count.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "scanner"

# Cycles accepted for now, each as the sorted tuple of its modules, with a comment saying why.
# Empty: keep it that way.
KNOWN_CYCLES: set[tuple[str, ...]] = set()

Graph = dict[str, set[str]]


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the package and its subpackages."""
    modules: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imported_names(
    module: str, is_package: bool, node: ast.Import | ast.ImportFrom
) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    base = node.module or ""
    if node.level:  # relative: count packages up from the importing module's own package
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    yield base
    for alias in node.names:  # `from scanner import parking` imports the module scanner.parking
        yield f"{base}.{alias.name}"


def import_graph(package: Path) -> Graph:
    """Module -> the package's modules it imports (names that are not modules are dropped)."""
    modules = module_files(package)
    graph: Graph = {}
    for module, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets.update(_imported_names(module, path.name == "__init__.py", node))
        graph[module] = {target for target in targets if target in modules and target != module}
    return graph


def strongly_connected(graph: Graph) -> list[set[str]]:
    """Tarjan's components with more than one module: each holds at least one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(component)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def shortest_cycle(graph: Graph, component: set[str]) -> list[str]:
    """One concrete cycle through the component's first module, for the failure message."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for target in sorted(graph[module] & component):
            if target == start:
                path = [module]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if target not in came_from:
                came_from[target] = module
                queue.append(target)
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")


def cycles(package: Path) -> dict[tuple[str, ...], str]:
    """Each cycle's sorted modules -> `a -> b -> a`."""
    graph = import_graph(package)
    return {
        tuple(sorted(component)): " -> ".join(shortest_cycle(graph, component))
        for component in strongly_connected(graph)
    }


def test_the_package_has_no_import_cycle() -> None:
    found = cycles(PACKAGE)
    new = [text for members, text in sorted(found.items()) if members not in KNOWN_CYCLES]
    assert not new, "import cycles in scanner/:\n  " + "\n  ".join(new)
    gone = KNOWN_CYCLES - found.keys()
    assert not gone, f"known cycles that no longer exist; drop them from KNOWN_CYCLES: {gone}"


# The stages, top first. A module may import its own subpackage and any later rank; packages
# of one rank are peers and import neither each other nor anything above. Modules directly in
# scanner/ (errors, model, severity, safe_files, ...) are the foundation every stage may use;
# scanner.entry is the console script, above everything.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"entry"}),
    frozenset({"cli"}),
    frozenset({"many"}),
    frozenset({"hooks"}),
    frozenset({"scan"}),
    frozenset({"report", "verify"}),
    frozenset({"cache", "demo"}),
    frozenset({"exposure"}),
    frozenset({"detect"}),
    frozenset({"rules"}),
    frozenset({"git"}),
    frozenset({"foundation"}),
)


def stage_of(module: str) -> str:
    """The stage a module belongs to: its subpackage, `entry`, or `foundation`."""
    parts = module.split(".")
    if module == "scanner.entry":
        return "entry"
    if len(parts) == 2 and not (PACKAGE / parts[1]).is_dir():
        return "foundation"
    return parts[1] if len(parts) > 1 else "foundation"


def rank_of(stage: str) -> int:
    for rank, stages in enumerate(LAYERS):
        if stage in stages:
            return rank
    raise AssertionError(f"stage {stage!r} is in no layer: add it to LAYERS")


def upward_imports(graph: Graph) -> list[str]:
    """`a -> b` for every import that does not go down the layers."""
    wrong = []
    for module, targets in sorted(graph.items()):
        stage = stage_of(module)
        for target in sorted(targets):
            target_stage = stage_of(target)
            if target_stage == stage:
                continue
            if rank_of(target_stage) <= rank_of(stage):
                wrong.append(f"{module} ({stage}) -> {target} ({target_stage})")
    return wrong


def depth(graph: Graph) -> int:
    """Modules on the longest import chain (the graph has no cycle)."""
    longest: dict[str, int] = {}

    def chain(module: str) -> int:
        if module not in longest:
            longest[module] = 1 + max((chain(target) for target in graph[module]), default=0)
        return longest[module]

    return max(chain(module) for module in graph)


def test_every_stage_imports_downward_only() -> None:
    graph = import_graph(PACKAGE)
    stages = {stage_of(module) for module in graph}
    assert stages <= set().union(*LAYERS), stages - set().union(*LAYERS)
    wrong = upward_imports(graph)
    assert not wrong, "imports against the layers:\n  " + "\n  ".join(wrong)


def test_an_upward_or_sideways_import_is_named(tmp_path: Path) -> None:
    graph: Graph = {
        "scanner.git.process": {"scanner.detect.matcher"},  # up
        "scanner.report.text": {"scanner.verify.model", "scanner.report.verdict"},  # a peer
        "scanner.detect.matcher": {"scanner.rules.pack", "scanner.model"},  # down: fine
        "scanner.entry": {"scanner.cli.app"},
    }
    assert upward_imports(graph) == [
        "scanner.git.process (git) -> scanner.detect.matcher (detect)",
        "scanner.report.text (report) -> scanner.verify.model (verify)",
    ]


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 40  # the walk found the package, subpackages included
    assert "scanner.report.text" in graph
    # Imports inside functions: entry.py routes to the two command lines lazily.
    assert {"scanner.cli.staged_command", "scanner.cli.app"} <= graph["scanner.entry"]
    # `from scanner import parking` is an edge to the module, not only to the package.
    assert "scanner.parking" in graph["scanner.entry"]


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_cycle_through_a_lazy_import_is_found_and_named(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/light.py": "def show() -> None:\n    from pkg import heavy\n",
            "pkg/heavy.py": "from pkg.light import show\n",
            "pkg/leaf.py": "import pkg.light\n",
        },
    )
    assert cycles(package) == {("pkg.heavy", "pkg.light"): "pkg.heavy -> pkg.light -> pkg.heavy"}


def test_relative_and_type_only_imports_close_cycles_too(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/a.py": "from ..b import thing\n",
            "pkg/b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from .sub.c import Thing\n"
                "thing = 1\n"
            ),
            "pkg/sub/c.py": "from . import a\n",
        },
    )
    assert cycles(package) == {
        ("pkg.b", "pkg.sub.a", "pkg.sub.c"): "pkg.b -> pkg.sub.c -> pkg.sub.a -> pkg.b"
    }

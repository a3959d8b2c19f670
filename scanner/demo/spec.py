"""Read and validate a scenario spec (`fixtures/*.toml`) into a `ScenarioSpec`.

A spec is data: a seed, named synthetic secrets and a list of git steps (commit, branch,
merge, tag, revert, reset, ...). Everything a build could trip over is refused here, each
problem as one line naming the file and step. See fixtures/README.md for the format.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.demo.model import SECRET_REFERENCE, ScenarioSpec, Step
from scanner.demo.spec_fields import StepFields
from scanner.demo.tokens import KINDS
from scanner.errors import LeakwindowError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

_SECRET_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_LABEL = re.compile(r"^[A-Za-z0-9_.-]+$")
_REF_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")  # a label, branch or tag name

# Which keys each step kind needs and accepts. Every step may carry `do`.
_REQUIRED: dict[str, frozenset[str]] = {
    "commit": frozenset({"date", "message"}),
    "branch": frozenset({"name"}),
    "delete_branch": frozenset({"name"}),
    "checkout": frozenset({"name"}),
    "merge": frozenset({"branch", "date"}),
    "tag": frozenset({"name"}),
    "revert": frozenset({"target", "date"}),
    "reset": frozenset({"to"}),
    "detach": frozenset({"target"}),
    "clone_shallow": frozenset(),
}
_OPTIONAL: dict[str, frozenset[str]] = {
    "commit": frozenset({"label", "author", "author_date", "write", "delete", "rename"}),
    "branch": frozenset({"from"}),
    "delete_branch": frozenset(),
    "checkout": frozenset(),
    "merge": frozenset({"label", "author", "author_date", "message"}),
    "tag": frozenset({"target", "annotated", "date", "message"}),
    "revert": frozenset({"label", "author", "author_date", "message"}),
    "reset": frozenset(),
    "detach": frozenset(),
    "clone_shallow": frozenset({"depth", "since"}),
}
_TOP_LEVEL_KEYS = frozenset({"description", "seed", "secrets", "step"})
# The key that names the commit or ref a step acts on, for the kinds that have one.
_REF_KEY: dict[str, str] = {
    "branch": "from",
    "merge": "branch",
    "tag": "target",
    "revert": "target",
    "reset": "to",
    "detach": "target",
}


def load_spec(path: Path) -> ScenarioSpec:
    """Parse and validate one spec file; every problem is one line naming the file."""
    data = read_toml(path)
    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        raise LeakwindowError(f"{path}: unknown top-level key {unknown[0]!r}")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip() or "\n" in description:
        raise LeakwindowError(f"{path}: 'description' must be a one-line string")
    seed = data.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise LeakwindowError(f"{path}: 'seed' must be an integer")
    secrets = _parse_secrets(path, data.get("secrets", {}))
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LeakwindowError(f"{path}: needs at least one [[step]]")
    steps = tuple(_parse_step(path, number, raw) for number, raw in enumerate(raw_steps, 1))
    _check_step_order(path, steps, secrets)
    return ScenarioSpec(path.stem, path, description, seed, secrets, steps)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            document: dict[str, Any] = tomllib.load(handle)
            return document
    except OSError as error:
        raise LeakwindowError(f"{path}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise LeakwindowError(f"{path}: invalid TOML: {error}") from None


def _parse_secrets(path: Path, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise LeakwindowError(f"{path}: [secrets] must be a table of name = kind")
    secrets: dict[str, str] = {}
    for name, kind in raw.items():
        if not _SECRET_NAME.match(name):
            raise LeakwindowError(f"{path}: secret name {name!r} must match [A-Za-z0-9_-]+")
        if kind not in KINDS:
            raise LeakwindowError(
                f"{path}: secret {name!r} has unknown kind {kind!r} (known: {', '.join(KINDS)})"
            )
        secrets[name] = kind
    return secrets


def _parse_step(path: Path, number: int, raw: object) -> Step:
    if not isinstance(raw, dict):
        raise LeakwindowError(f"{path}: step {number} must be a table")
    op = raw.get("do")
    if not isinstance(op, str) or op not in _REQUIRED:
        raise LeakwindowError(
            f"{path}: step {number}: 'do' must be one of {', '.join(_REQUIRED)}, got {op!r}"
        )
    where = f"{path}: step {number} ({op})"
    keys = set(raw) - {"do"}
    missing = sorted(_REQUIRED[op] - keys)
    if missing:
        raise LeakwindowError(f"{where}: missing {missing[0]!r}")
    extra = sorted(keys - _REQUIRED[op] - _OPTIONAL[op])
    if extra:
        raise LeakwindowError(f"{where}: unknown key {extra[0]!r}")

    fields = StepFields(where, raw)
    ref_key = _REF_KEY.get(op)
    step = Step(
        number=number,
        op=op,
        label=fields.text("label", _LABEL),
        name=fields.text("name", _REF_NAME),
        ref=fields.text(ref_key, _REF_NAME) if ref_key else None,
        message=fields.text("message"),
        date=fields.date("date"),
        author_date=fields.date("author_date"),
        author=fields.identity("author"),
        annotated=fields.flag("annotated"),
        write=fields.path_map("write", values_are_paths=False),
        delete=fields.path_list("delete"),
        rename=fields.path_map("rename", values_are_paths=True),
        depth=fields.positive_int("depth"),
        since=fields.text("since") if fields.date("since") else None,
    )
    if op == "tag" and step.annotated and step.date is None:
        raise LeakwindowError(f"{where}: an annotated tag needs 'date'")
    if op == "clone_shallow" and (step.depth is None) == (step.since is None):
        raise LeakwindowError(f"{where}: give exactly one of 'depth' or 'since'")
    return step


def _check_step_order(path: Path, steps: tuple[Step, ...], secrets: Mapping[str, str]) -> None:
    """Checks that need the whole step list: labels, secret references, step placement."""
    if steps[0].op != "commit":
        raise LeakwindowError(f"{path}: step 1 must be a commit (a repository starts empty)")
    labels: set[str] = set()
    for step in steps:
        where = f"{path}: step {step.number} ({step.op})"
        if step.op == "clone_shallow" and step is not steps[-1]:
            raise LeakwindowError(f"{where}: clone_shallow must be the last step")
        if step.op in ("reset", "revert") and step.ref not in labels:
            raise LeakwindowError(f"{where}: {step.ref!r} is not the label of an earlier commit")
        for _, content in step.write:
            for reference, _encoding in SECRET_REFERENCE.findall(content):
                if reference not in secrets:
                    raise LeakwindowError(
                        f"{where}: {{{{secret:{reference}}}}} is not in [secrets]"
                    )
        if step.label is not None:
            if step.label in labels:
                raise LeakwindowError(f"{where}: label {step.label!r} is used twice")
            labels.add(step.label)

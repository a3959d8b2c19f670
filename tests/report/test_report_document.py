"""The typed documents (scanner/report/document.py) and their JSON Schemas
(scanner/report/report-schema.json, staged-schema.json) describe the same keys.

Walked together from the top: every key of a TypedDict is a property of the schema object at
the same place and every property is a key, the same ones are required, a key that may hold
null may hold null in both, a Literal names the schema's const or enum, and the kind of value
(object, array, map, string, number) agrees. So a key, or a whole object, added to one side
only fails here; the contract tests then hold every real report to the schema.
"""

# No `from __future__ import annotations`: the TypedDicts built here are read at run time.

import json
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, TypedDict, Union, get_args, get_origin, get_type_hints

import pytest

from scanner.report import document

SCHEMAS = Path(__file__).resolve().parents[2] / "scanner" / "report"
REPORT_SCHEMA = json.loads((SCHEMAS / "report-schema.json").read_text())
STAGED_SCHEMA = json.loads((SCHEMAS / "staged-schema.json").read_text())

_SCALARS: dict[type, set[str]] = {
    str: {"string"},
    int: {"integer"},
    float: {"number"},
    bool: {"boolean"},
}


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _branches(node: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a schema node allows, references resolved."""
    node = _resolve(node, root)
    choices = node.get("oneOf") or node.get("anyOf")
    if choices:
        return [branch for choice in choices for branch in _branches(choice, root)]
    return [node]


def _types(node: dict[str, Any]) -> set[str]:
    if "const" in node:
        return {_json_kind(node["const"])}
    if "enum" in node:
        return {_json_kind(value) for value in node["enum"]}
    kind = node.get("type")
    return {kind} if isinstance(kind, str) else set(kind or ())


def _json_kind(value: object) -> str:
    return "null" if value is None else "string" if isinstance(value, str) else "other"


def _split_none(hint: Any) -> tuple[Any, bool]:
    """`X | None` -> (X, True); anything else -> (hint, False)."""
    if get_origin(hint) in (Union, types.UnionType):
        members = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(members) < len(get_args(hint)):
            assert len(members) == 1, hint
            return members[0], True
    return hint, False


def _is_typeddict(hint: Any) -> bool:
    return isinstance(hint, type) and hasattr(hint, "__required_keys__")


class _Walk:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.problems: list[str] = []
        self.objects_seen: set[int] = set()

    def value(self, hint: Any, node: dict[str, Any], where: str) -> None:
        hint, nullable = _split_none(hint)
        branches = _branches(node, self.root)
        allows_null = any("null" in _types(branch) for branch in branches)
        if nullable != allows_null:
            self.problems.append(
                f"{where}: the type {'allows' if nullable else 'does not allow'} null, "
                f"the schema {'does' if allows_null else 'does not'}"
            )
        shaped = [branch for branch in branches if _types(branch) != {"null"}]
        if len(shaped) != 1:
            self.problems.append(f"{where}: the schema allows {len(shaped)} non-null forms")
            return
        self.shape(hint, shaped[0], where)

    def shape(self, hint: Any, node: dict[str, Any], where: str) -> None:
        origin = get_origin(hint)
        if _is_typeddict(hint):
            self.typed_object(hint, node, where)
        elif "properties" in node:
            self.problems.append(f"{where}: the schema describes an object, the type is {hint}")
        elif origin is list:
            if node.get("type") != "array" or "items" not in node:
                self.problems.append(f"{where}: a list in the type, not an array in the schema")
                return
            self.value(get_args(hint)[0], node["items"], f"{where}[]")
        elif origin is dict:
            extra = node.get("additionalProperties")
            if node.get("type") != "object" or not isinstance(extra, dict):
                self.problems.append(f"{where}: a map in the type, not in the schema")
                return
            self.value(get_args(hint)[1], extra, f"{where}{{}}")
        elif origin is Literal:
            allowed = node["enum"] if "enum" in node else [node.get("const")]
            if sorted(map(str, get_args(hint))) != sorted(map(str, allowed)):
                self.problems.append(f"{where}: {get_args(hint)} against the schema's {allowed}")
        elif hint in _SCALARS:
            kinds = _types(node) - {"null"}
            expected = _SCALARS[hint] | ({"integer"} if hint is float else set())
            if not kinds or not kinds <= expected:
                self.problems.append(f"{where}: {hint.__name__} against the schema's {kinds}")
        else:
            self.problems.append(f"{where}: a type this check does not know: {hint}")

    def typed_object(self, hint: Any, node: dict[str, Any], where: str) -> None:
        properties = node.get("properties")
        if node.get("type") != "object" or properties is None:
            self.problems.append(f"{where}: {hint.__name__} is not an object in the schema")
            return
        self.objects_seen.add(id(node))
        hints = get_type_hints(hint)
        keys, described = set(hints), set(properties)
        for key in sorted(keys - described):
            self.problems.append(f"{where}.{key}: in {hint.__name__}, not in the schema")
        for key in sorted(described - keys):
            self.problems.append(f"{where}.{key}: in the schema, not in {hint.__name__}")
        required = set(node.get("required", ()))
        if set(hint.__required_keys__) != required:
            self.problems.append(
                f"{where}: {hint.__name__} requires {sorted(hint.__required_keys__)}, "
                f"the schema {sorted(required)}"
            )
        if node.get("additionalProperties") is not False:
            self.problems.append(f"{where}: the schema's object is not closed")
        for key in sorted(keys & described):
            self.value(hints[key], properties[key], f"{where}.{key}")


def _described_objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield node
        for value in node.values():
            yield from _described_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _described_objects(value)


def problems(hint: Any, schema: dict[str, Any], *path: str) -> list[str]:
    """Every disagreement between a TypedDict and the schema (or its part at `path`), and
    every object the schema describes there that the TypedDict never reached."""
    start = schema
    for part in path:
        start = start[part]
    walk = _Walk(schema)
    walk.value(hint, start, "$")
    unreached = [node for node in _described_objects(start) if id(node) not in walk.objects_seen]
    walk.problems += [
        f"a schema object no type reaches: {sorted(n['properties'])}" for n in unreached
    ]
    return walk.problems


@pytest.mark.parametrize(
    ("hint", "schema"),
    [(document.Report, REPORT_SCHEMA), (document.StagedReport, STAGED_SCHEMA)],
    ids=["report", "staged"],
)
def test_the_typed_document_and_its_schema_describe_the_same_keys(
    hint: Any, schema: dict[str, Any]
) -> None:
    assert problems(hint, schema) == []


def test_the_schema_ids_are_the_documents_schema_strings() -> None:
    assert REPORT_SCHEMA["$id"] == REPORT_SCHEMA["properties"]["schema"]["const"]
    assert REPORT_SCHEMA["$id"] == document.REPORT_SCHEMA
    assert STAGED_SCHEMA["$id"] == STAGED_SCHEMA["properties"]["schema"]["const"]
    assert STAGED_SCHEMA["$id"] == document.STAGED_SCHEMA


# --- the check itself: a key on one side only is caught ------------------------------------


def _with_extra_property(schema: dict[str, Any], *path: str) -> dict[str, Any]:
    changed = json.loads(json.dumps(schema))
    node = changed
    for part in path:
        node = node[part]
    node["properties"]["undescribed"] = {"type": "string"}
    return changed


@pytest.mark.parametrize(
    "path",
    [
        (),
        ("properties", "scan"),
        ("properties", "scan", "properties", "stats"),
        ("definitions", "finding"),
        ("definitions", "window"),
        ("definitions", "point"),
        ("properties", "summary"),
    ],
)
def test_a_key_only_the_report_schema_has_is_caught(path: tuple[str, ...]) -> None:
    found = problems(document.Report, _with_extra_property(REPORT_SCHEMA, *path))
    assert any("undescribed: in the schema, not in" in problem for problem in found), found


def test_a_key_only_the_staged_schema_has_is_caught() -> None:
    path = ("properties", "findings", "items", "properties", "locations", "items")
    found = problems(document.StagedReport, _with_extra_property(STAGED_SCHEMA, *path))
    assert any("undescribed: in the schema, not in StagedLocation" in p for p in found), found


class _WindowWithExtra(document.Window):
    undescribed: document.NotRequired[str]


# document.Finding with its windows typed with the extra key (NotRequired markers kept).
_FindingWithExtraWindow = TypedDict(  # type: ignore[misc]
    "_FindingWithExtraWindow",
    {**document.Finding.__annotations__, "windows": list[_WindowWithExtra]},
)


def test_a_key_only_the_type_has_is_caught() -> None:
    assert _FindingWithExtraWindow.__required_keys__ == document.Finding.__required_keys__
    found = problems(_FindingWithExtraWindow, REPORT_SCHEMA, "definitions", "finding")
    assert found == ["$.windows[].undescribed: in _WindowWithExtra, not in the schema"]


def test_a_required_key_that_the_schema_makes_optional_is_caught() -> None:
    schema = json.loads(json.dumps(REPORT_SCHEMA))
    schema["properties"]["summary"]["required"].remove("longest_days")
    found = problems(document.Report, schema)
    assert any(p.startswith("$.summary: Summary requires") for p in found), found


def test_null_allowed_on_one_side_only_is_caught() -> None:
    schema = json.loads(json.dumps(REPORT_SCHEMA))
    schema["definitions"]["finding"]["properties"]["suppressed"] = {"type": "string"}
    found = problems(document.Report, schema)
    assert "$.findings[].suppressed: the type allows null, the schema does not" in found

"""Check a saved JSON report against the published report schema before rendering it again.

`leakwindow report FILE` renders whatever FILE holds, and the renderers are written for
reports leakwindow built. A file from elsewhere may hold anything: a string where a list
was, a number where a date was, NaN, a number of 4,000 digits, arrays nested 100,000 deep.
It is parsed with bounds (finite numbers, 64-bit integers, bounded depth) and checked against
report-schema.json (the document the contract tests hold every report to) by this small
validator of the JSON Schema (draft 7) keywords that schema uses; the first problem is named
in one line. A keyword it does not know makes it fail loudly, so a schema change cannot
silently weaken the check (a test loads the shipped schema through it).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from scanner.report.document import Report

_SCHEMA_FILE = Path(__file__).with_name("report-schema.json")
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "definitions", "default", "examples"}
)
_INTEGER_DIGITS = 19  # every count, line and column of a real report fits in 64 bits
_MAX_DEPTH = 32  # a report nests 6 deep; renderers and `json.dumps(indent=…)` recurse


class InvalidReport(ValueError):
    """The document is not a report this version can render; the message says where."""


def parse_report_json(text: str) -> Any:
    """`json.loads` without the values no report holds: NaN and infinities, integers beyond
    64 bits; InvalidReport instead of the decoder's errors and its recursion limit."""
    try:
        document = json.loads(
            text, parse_constant=_refuse_constant, parse_float=_finite, parse_int=_bounded_int
        )
    except InvalidReport:
        raise
    except json.JSONDecodeError as exc:
        raise InvalidReport(f"not JSON: {exc}") from None
    except RecursionError:
        raise InvalidReport("not a report: nested too deeply") from None
    except ValueError:
        raise InvalidReport("not JSON: a number out of range") from None
    if _depth(document) > _MAX_DEPTH:
        raise InvalidReport("not a report: nested too deeply")
    return document


def _depth(document: Any) -> int:
    """How deeply arrays and objects nest in `document` (counted without recursion)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        if deepest > _MAX_DEPTH:
            break
        if isinstance(node, dict):
            pending.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            pending.extend((child, depth + 1) for child in node)
    return deepest


def _refuse_constant(name: str) -> Any:
    raise InvalidReport(f"not JSON: {name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidReport("not a report: a number out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _INTEGER_DIGITS:
        raise InvalidReport("not a report: a number out of range")
    return int(text)


@cache
def report_schema() -> Mapping[str, Any]:
    schema: Mapping[str, Any] = json.loads(_SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def check_report(document: Any, schema: Mapping[str, Any] | None = None) -> None:
    """Raise InvalidReport naming the first place where `document` breaks the schema."""
    root = report_schema() if schema is None else schema
    problem = _problem(document, root, "the report", root)
    if problem is not None:
        raise InvalidReport(problem)


def valid_report(document: Any) -> Report:
    """`document` itself, typed as a report, once it holds to the schema (InvalidReport
    naming the first problem if it does not)."""
    check_report(document)
    return cast("Report", document)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is(value: Any, wanted: str) -> bool:
    kind = _kind(value)
    if wanted == "number":
        return kind in ("integer", "number")
    if wanted == "integer":
        return kind == "integer" or (kind == "number" and float(value).is_integer())
    return kind == wanted


def _same(left: Any, right: Any) -> bool:
    """JSON equality: `true` is not `1`."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    return bool(left == right)


def _resolve(reference: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    if not reference.startswith("#/"):
        raise NotImplementedError(f"report schema: unsupported $ref {reference!r}")
    node: Any = root
    for part in reference[2:].split("/"):
        node = node[part]
    return node  # type: ignore[no-any-return]


def _member(where: str, name: str) -> str:
    shown = name if len(name) <= 40 else name[:37] + "..."
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", shown):
        return f"{where}.{shown}" if where != "the report" else shown
    escaped = json.dumps(shown)  # a name from the file: quoted, control characters escaped
    return f"{where}[{escaped}]"


def _problem(
    value: Any, schema: Mapping[str, Any], where: str, root: Mapping[str, Any]
) -> str | None:
    if "$ref" in schema:  # draft 7: a $ref replaces its siblings
        return _problem(value, _resolve(schema["$ref"], root), where, root)
    for keyword, argument in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        check = _KEYWORDS.get(keyword)
        if check is None:
            raise NotImplementedError(f"report schema: unsupported keyword {keyword!r}")
        problem = check(value, argument, schema, where, root)
        if problem is not None:
            return problem
    return None


def _type(value: Any, wanted: Any, _s: Any, where: str, _r: Any) -> str | None:
    kinds = [wanted] if isinstance(wanted, str) else list(wanted)
    if any(_is(value, kind) for kind in kinds):
        return None
    return f"{where}: expected {' or '.join(kinds)}, found {_kind(value)}"


def _const(value: Any, wanted: Any, _s: Any, where: str, _r: Any) -> str | None:
    return None if _same(value, wanted) else f"{where}: expected {json.dumps(wanted)}"


def _enum(value: Any, allowed: Any, _s: Any, where: str, _r: Any) -> str | None:
    if any(_same(value, choice) for choice in allowed):
        return None
    return f"{where}: expected one of {', '.join(json.dumps(choice) for choice in allowed)}"


def _required(value: Any, names: Any, _s: Any, where: str, _r: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    missing = [name for name in names if name not in value]
    return f"{where}: missing {', '.join(missing)}" if missing else None


def _properties(value: Any, properties: Any, _s: Any, where: str, root: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    for name, subschema in properties.items():
        if name in value:
            problem = _problem(value[name], subschema, _member(where, name), root)
            if problem is not None:
                return problem
    return None


def _additional(value: Any, extra: Any, schema: Any, where: str, root: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    known = schema.get("properties", {})
    for name, item in value.items():
        if name in known:
            continue
        if extra is False:
            return f"{_member(where, name)}: not expected here"
        if isinstance(extra, Mapping):
            problem = _problem(item, extra, _member(where, name), root)
            if problem is not None:
                return problem
    return None


def _items(value: Any, items: Any, _s: Any, where: str, root: Any) -> str | None:
    if not isinstance(value, list):
        return None
    for index, item in enumerate(value):
        problem = _problem(item, items, f"{where}[{index}]", root)
        if problem is not None:
            return problem
    return None


def _bound(test: Callable[[Any, Any], bool], kinds: tuple[str, ...], text: str) -> Any:
    def check(value: Any, limit: Any, _s: Any, where: str, _r: Any) -> str | None:
        if not any(_is(value, kind) for kind in kinds):
            return None
        measured = len(value) if isinstance(value, (str, list)) else value
        return None if test(measured, limit) else f"{where}: {text} {limit}"

    return check


def _pattern(value: Any, pattern: Any, _s: Any, where: str, _r: Any) -> str | None:
    if not isinstance(value, str) or _compiled(pattern).search(value):
        return None
    return f"{where}: not in the expected form"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)  # Python's reading, as the jsonschema package (the tests') has it


def _one_of(value: Any, choices: Any, _s: Any, where: str, root: Any) -> str | None:
    passed = [choice for choice in choices if _problem(value, choice, where, root) is None]
    return None if len(passed) == 1 else f"{where}: not any of the expected forms"


def _any_of(value: Any, choices: Any, _s: Any, where: str, root: Any) -> str | None:
    if any(_problem(value, choice, where, root) is None for choice in choices):
        return None
    return f"{where}: not any of the expected forms"


def _all_of(value: Any, choices: Any, _s: Any, where: str, root: Any) -> str | None:
    for choice in choices:
        problem = _problem(value, choice, where, root)
        if problem is not None:
            return problem
    return None


_KEYWORDS: dict[str, Callable[[Any, Any, Any, str, Any], str | None]] = {
    "type": _type,
    "const": _const,
    "enum": _enum,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "pattern": _pattern,
    "oneOf": _one_of,
    "anyOf": _any_of,
    "allOf": _all_of,
    "minimum": _bound(lambda v, n: v >= n, ("number",), "must be at least"),
    "maximum": _bound(lambda v, n: v <= n, ("number",), "must be at most"),
    "exclusiveMinimum": _bound(lambda v, n: v > n, ("number",), "must be more than"),
    "exclusiveMaximum": _bound(lambda v, n: v < n, ("number",), "must be less than"),
    "minLength": _bound(lambda v, n: v >= n, ("string",), "must have a length of at least"),
    "maxLength": _bound(lambda v, n: v <= n, ("string",), "must have a length of at most"),
    "minItems": _bound(lambda v, n: v >= n, ("array",), "must have at least this many items:"),
    "maxItems": _bound(lambda v, n: v <= n, ("array",), "must have at most this many items:"),
}

"""Random JSON values and random mutations of a JSON document, for the fuzz tests."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["2025-13-45T99:99:99Z", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z"]),
    st.sampled_from(["a" * 40, "f" * 64, "critical", "live", "refs/heads/main", ""]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _places(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _places(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _places(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """`base` with one to three places replaced by a random value, deleted, or emptied."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        places = [place for place in _places(document) if place]
        if not places:
            break
        place = draw(st.sampled_from(places))
        parent = document
        for step in place[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "empty"]))
        if action == "delete":
            del parent[place[-1]]
        elif action == "empty":
            parent[place[-1]] = (
                type(parent[place[-1]])()
                if isinstance(parent[place[-1]], (list, dict, str))
                else None
            )
        else:
            parent[place[-1]] = draw(json_values)
    return document

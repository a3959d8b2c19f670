"""Where a path sits: test code, documentation or an example, by the conventions of its tree.

A key under `tests/` or in a README is more often a fixture or an illustration than a leak,
but not always (test suites hold real staging keys). Such findings are labelled and ranked
after the others, never dropped.
"""

from __future__ import annotations

import re

from scanner.confidence import PathContext

_DIRECTORY = r"(?:^|/)"
_TEST = re.compile(
    _DIRECTORY + r"(?:tests?|__tests__|testing|testdata|test[_-]data|fixtures?|spec|specs"
    r"|__mocks__|mocks?|e2e|integration[_-]tests?)/"
    r"|(?:^|/)(?:test_[^/]*|[^/]*_test\.[a-z0-9]+|[^/]*\.(?:test|spec)\.[a-z0-9]+"
    r"|[^/]*_spec\.rb|[^/]*Tests?\.(?:java|kt|cs|swift|scala)|conftest\.py)$",
    re.IGNORECASE,
)
_DOCS = re.compile(
    _DIRECTORY + r"(?:docs?|documentation|man)/|\.(?:md|markdown|rst|adoc|asciidoc|textile)$",
    re.IGNORECASE,
)
_EXAMPLE = re.compile(
    _DIRECTORY + r"(?:examples?|samples?|demos?|tutorials?)/"
    r"|\.(?:example|sample|dist|template|tmpl)$|(?:^|/)[^/]*[._-](?:example|sample)(?:\.[^/]*)?$",
    re.IGNORECASE,
)


def path_context(path: str) -> PathContext | None:
    """`test`, `docs` or `example` when the path follows that convention, else None (test
    wins over docs, docs over example: `docs/examples/x.md` is documentation)."""
    if _TEST.search(path):
        return "test"
    if _DOCS.search(path):
        return "docs"
    if _EXAMPLE.search(path):
        return "example"
    return None

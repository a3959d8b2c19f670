"""Where a path sits: test code, documentation or an example, by the conventions of its tree.

A key under `tests/` or in a README is more often a fixture or an illustration than a leak,
but not always (test suites hold real staging keys). Such findings are labelled and ranked
after the others, never dropped. Directory names and file names are compared as strings,
with no regex: a crafted path of any length costs one split.
"""

from __future__ import annotations

from scanner.confidence import PathContext

_TEST_DIRECTORIES = frozenset(
    {
        "test", "tests", "__tests__", "testing", "testdata", "test_data", "test-data",
        "fixture", "fixtures", "spec", "specs", "__mocks__", "mock", "mocks", "e2e",
        "integration_test", "integration_tests", "integration-test", "integration-tests",
    }
)  # fmt: skip
_DOCS_DIRECTORIES = frozenset({"doc", "docs", "documentation", "man"})
_DOCS_EXTENSIONS = frozenset({"md", "markdown", "rst", "adoc", "asciidoc", "textile"})
_EXAMPLE_DIRECTORIES = frozenset(
    {"example", "examples", "sample", "samples", "demo", "demos", "tutorial", "tutorials"}
)
_EXAMPLE_EXTENSIONS = frozenset({"example", "sample", "dist", "template", "tmpl"})
_TEST_CLASS_EXTENSIONS = frozenset({"java", "kt", "cs", "swift", "scala"})


def path_context(path: str) -> PathContext | None:
    """`test`, `docs` or `example` when the path follows that convention, else None (test
    wins over docs, docs over example: `docs/examples/x.md` is documentation)."""
    *directories, name = path.split("/")
    folders = {directory.lower() for directory in directories}
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension.lower()
    if folders & _TEST_DIRECTORIES or _is_test_file(name.lower(), stem, extension):
        return "test"
    if folders & _DOCS_DIRECTORIES or extension in _DOCS_EXTENSIONS:
        return "docs"
    if folders & _EXAMPLE_DIRECTORIES or extension in _EXAMPLE_EXTENSIONS:
        return "example"
    if stem.lower().endswith(("_example", "-example", ".example", "_sample", "-sample")):
        return "example"
    return None


def _is_test_file(lowered: str, stem: str, extension: str) -> bool:
    """test_x.py, x_test.go, x.test.js, x.spec.ts, x_spec.rb, XTest.java, conftest.py."""
    if lowered.startswith("test_") or lowered == "conftest.py":
        return True
    if stem.lower().endswith(("_test", ".test", ".spec", "_spec")):
        return True
    return extension in _TEST_CLASS_EXTENSIONS and stem.endswith(("Test", "Tests"))

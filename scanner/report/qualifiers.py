"""The words every format adds to a finding's title: how sure it is, and where it was found.

A sure finding in ordinary files gets none; one of `medium` or `low` confidence, or found only
in test, documentation or example files, says so beside its title, in the same words in text,
Markdown, HTML, SARIF and the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PLACES = {"test": "only in test files", "docs": "only in docs", "example": "only in examples"}


def qualifiers(finding: Mapping[str, Any]) -> list[str]:
    """E.g. ["medium confidence", "only in test files"]; [] for a sure finding elsewhere. A
    report saved before findings had a confidence reads as `high`."""
    words = []
    confidence = finding.get("confidence") or "high"
    if confidence != "high":
        words.append(f"{confidence} confidence")
    context = finding.get("context")
    if context:
        words.append(_PLACES.get(str(context), f"only in {context} files"))
    return words


def qualified_title(finding: Mapping[str, Any]) -> str:
    """The title with its qualifiers in parentheses, when it has any."""
    words = qualifiers(finding)
    title = str(finding.get("title") or "")
    return f"{title} ({', '.join(words)})" if words else title

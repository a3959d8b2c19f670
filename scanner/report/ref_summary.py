"""A list of refs said in one short phrase: `main, origin/main + 581 tags (v1.0 … v2.9.27)`.

A key committed early in a project with hundreds of releases is reachable from every tag:
spelled out, one line of the text report ran to 9,702 characters. The text and Markdown
reports say it this way; JSON and HTML keep the whole list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scanner.report.scope import plural
from scanner.report.verdict import short_ref

# Branches named before the rest are counted; a reviewer needs the first few, not all.
BRANCHES_SHOWN = 4
# Up to this many tags are named one by one; more become a count and their range.
TAGS_SHOWN = 3

_DIGITS = re.compile(r"(\d+)")


def refs_phrase(refs: Sequence[str]) -> str:
    """The refs as one phrase: branches first (the first BRANCHES_SHOWN by name, then a
    count), then tags (named when few, else a count and the lowest and highest version),
    then any other refs as a count. "none" for no refs."""
    branches = [short_ref(r) for r in refs if r.startswith(("refs/heads/", "refs/remotes/"))]
    branches += [r for r in refs if not r.startswith("refs/")]  # HEAD when detached
    tags = sorted(
        (r[len("refs/tags/") :] for r in refs if r.startswith("refs/tags/")), key=_natural
    )
    others = len(refs) - len(branches) - len(tags)
    named = branches[:BRANCHES_SHOWN]
    counted = []
    if len(branches) > BRANCHES_SHOWN:
        counted.append(plural(len(branches) - BRANCHES_SHOWN, "more branch", "es"))
    if len(tags) <= TAGS_SHOWN:
        named.extend(f"tags/{tag}" for tag in tags)
    else:
        counted.append(f"{plural(len(tags), 'tag')} ({tags[0]} … {tags[-1]})")
    if others:
        counted.append(plural(others, "other ref"))
    if not named:
        return " + ".join(counted) or "none"
    return ", ".join(named) + "".join(f" + {count}" for count in counted)


def _natural(name: str) -> tuple[tuple[int, int | str], ...]:
    """Version order: v2.9 before v2.10 (numbers compare as numbers)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name))

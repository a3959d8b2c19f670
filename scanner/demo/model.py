"""What a validated scenario spec is: the records the parser makes and the builder reads.

Also the two bits of text syntax a spec uses and both sides need: the `{{secret:NAME}}`
reference inside file contents and the "Name <email>" identity.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# `{{secret:NAME}}`, or `{{secret:NAME|base64}}` for the secret base64-encoded (Kubernetes data).
SECRET_REFERENCE = re.compile(r"\{\{secret:([^}|]*)(?:\|(base64))?\}\}")
IDENTITY = re.compile(r"^([^<>]+?) <([^<>\s]+)>$")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


@dataclass(frozen=True)
class Step:
    """One validated spec step; only the fields its kind (`op`) uses are set."""

    number: int  # 1-based position in the spec, for error messages
    op: str
    label: str | None = None
    name: str | None = None  # branch or tag name
    ref: str | None = None  # `from`, `target`, `to` or the branch to merge: a label or a ref
    message: str | None = None
    date: str | None = None  # git's internal "<epoch> <+hhmm>" form
    author_date: str | None = None
    author: Identity | None = None
    annotated: bool = False
    write: tuple[tuple[str, str], ...] = ()
    delete: tuple[str, ...] = ()
    rename: tuple[tuple[str, str], ...] = ()
    depth: int | None = None
    since: str | None = None  # kept as written: git parses it itself


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    source: Path
    description: str
    seed: int
    secrets: Mapping[str, str]  # secret name -> token kind
    steps: tuple[Step, ...]


def parse_identity(text: str) -> Identity | None:
    """The identity written as "Name <email>", or None when `text` is not of that form."""
    matched = IDENTITY.match(text)
    if matched is None:
        return None
    return Identity(matched.group(1), matched.group(2))

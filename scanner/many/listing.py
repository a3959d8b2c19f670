"""Sources from an organisation's listing: `--github-org` and `--gitlab-group` turned into
https sources that carry the name of their token variable.

The listers themselves (scanner/many/enumerate_github.py, enumerate_gitlab.py: the API,
pagination, rate limits, filters) are looked up when asked for, so a build without them
still runs `scan-many` on named sources and says plainly what it lacks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import ModuleType

from scanner.errors import LeakwindowError
from scanner.many.sources import Source, parse_source
from scanner.printable import printable


@dataclass(frozen=True)
class Forge:
    option: str  # the command-line option, for messages
    service: str
    module: str  # under scanner.many
    function: str
    token_variable: str


GITHUB = Forge("--github-org", "GitHub", "enumerate_github", "list_github_org", "GITHUB_TOKEN")
GITLAB = Forge("--gitlab-group", "GitLab", "enumerate_gitlab", "list_gitlab_group", "GITLAB_TOKEN")


@dataclass(frozen=True)
class ListingChoices:
    """What the command line asked of every listing."""

    github_url: str | None = None  # GitHub Enterprise Server: https://HOST/api/v3
    gitlab_url: str | None = None  # a self-managed GitLab: https://HOST/api/v4
    include_forks: bool = False
    include_archived: bool = True


def _module(name: str, forge: Forge) -> ModuleType:
    try:
        return importlib.import_module(f"scanner.many.{name}")
    except ImportError:
        raise LeakwindowError(
            f"{forge.option} needs the {forge.service} listing, which this build does not have"
        ) from None


def listed_sources(
    github_orgs: Sequence[str],
    gitlab_groups: Sequence[str],
    choices: ListingChoices,
    say: Callable[[str], None],
) -> list[Source]:
    """Every repository the listings name, in their order; `say` gets one line per listing
    (how many, how many left out)."""
    found: list[Source] = []
    for forge, names, base_url in (
        (GITHUB, github_orgs, choices.github_url),
        (GITLAB, gitlab_groups, choices.gitlab_url),
    ):
        if not names:
            continue
        lister = getattr(_module(forge.module, forge), forge.function)
        options = _module("forge", forge).ListingOptions(
            base_url=base_url,
            include_forks=choices.include_forks,
            include_archived=choices.include_archived,
        )
        for name in names:
            listing = lister(name, options)
            say(
                f"{forge.service} {printable(name)}: {len(listing.sources)} repositories "
                f"({listing.forks_left_out} forks and {listing.archived_left_out} archived "
                f"left out, {len(listing.skipped)} entries refused)"
            )
            for repository in listing.sources:
                source = parse_source(repository.clone_url)
                found.append(replace(source, token_variable=forge.token_variable))
    return found

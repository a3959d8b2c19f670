"""The environment every git command of the scenario builder runs in.

Building a spec twice, anywhere, must give the same commit SHAs, so the user's and the
system's git configuration are shut out and the builder's own settings pinned instead.
"""

from __future__ import annotations

import os
from pathlib import Path

MAIN_BRANCH = "main"

# Settings every builder git call gets (as GIT_CONFIG_* variables): no signing, no line-ending
# rewriting, the same default branch everywhere, quiet detached checkouts.
_BUILD_CONFIG: tuple[tuple[str, str], ...] = (
    ("init.defaultBranch", MAIN_BRANCH),
    ("commit.gpgSign", "false"),
    ("tag.gpgSign", "false"),
    ("tag.forceSignAnnotated", "false"),
    ("core.autocrlf", "false"),
    ("core.safecrlf", "false"),
    ("core.fileMode", "true"),
    ("core.symlinks", "true"),
    ("merge.ff", "false"),
    ("rerere.enabled", "false"),
    ("advice.detachedHead", "false"),
    ("user.useConfigOnly", "false"),
)


def config_env() -> dict[str, str]:
    """Environment that shuts out user and system git config and adds the builder's own."""
    env = {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_PARAMETERS": "",
        "GIT_CONFIG_COUNT": str(len(_BUILD_CONFIG)),
    }
    for index, (key, value) in enumerate(_BUILD_CONFIG):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def repo_env(repo: Path) -> dict[str, str]:
    """`config_env` plus explicit repository locations.

    Pinning these overrides any GIT_DIR/GIT_INDEX_FILE inherited from a calling git hook,
    which would otherwise redirect the builder's commands into the caller's repository.
    """
    git_dir = repo / ".git"
    return {
        **config_env(),
        "GIT_DIR": str(git_dir),
        "GIT_WORK_TREE": str(repo),
        "GIT_INDEX_FILE": str(git_dir / "index"),
        "GIT_NAMESPACE": "",
    }

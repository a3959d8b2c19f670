"""What `baseline create` writes: one entry per accepted secret that a reviewer can read.

The pull request that adds `.leakwindow-baseline.json` is reviewed like code, so each entry
says what it accepts beside the fingerprint: the rules, the preview every report already
shows, where the secret first appeared (path and line) and the commit that brought it. Never
the secret. Entries are sorted by that place, so a rerun over the same history writes the same
bytes and a newly accepted secret shows as a small diff.

Secrets that only dangling objects hold (a key staged and then unstaged, a commit rewritten
away) are held back unless the user asks for them: no reviewer of the branch can see where
they came from, and they are usually a key someone meant to remove and must still rotate.
Kept apart from `baseline.py`, which the commit hook imports to read baselines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import LeakwindowError
from scanner.printable import printable
from scanner.scan.baseline import BASELINE_SCHEMA, load_baseline

if TYPE_CHECKING:
    from scanner.report.document import Finding

INCLUDE_DANGLING_OPTION = "--include-dangling"


@dataclass(frozen=True)
class BaselinePlan:
    """Which findings the new baseline accepts, and which dangling ones it leaves out."""

    accepted: list[Finding]
    held_back: list[Finding]  # dangling, not accepted: the scan keeps reporting them
    dangling_kept: list[Finding]  # dangling, accepted by the baseline being replaced


def plan_baseline(
    findings: Iterable[Finding], *, include_dangling: bool, accepted_before: frozenset[str]
) -> BaselinePlan:
    """Accept every reachable finding; a dangling one only when asked (`include_dangling`)
    or when the baseline being replaced already accepted it (so a rerun changes nothing)."""
    accepted: list[Finding] = []
    held_back: list[Finding] = []
    dangling_kept: list[Finding] = []
    for finding in findings:
        if not finding["dangling"] or include_dangling:
            accepted.append(finding)
        elif finding["fingerprint"] in accepted_before:
            accepted.append(finding)
            dangling_kept.append(finding)
        else:
            held_back.append(finding)
    return BaselinePlan(accepted, held_back, dangling_kept)


def accepted_before(target: Path) -> frozenset[str]:
    """The fingerprints the leakwindow baseline at `target` accepts; none when there is no
    such regular file or it cannot be read (nothing is carried over from a broken file)."""
    try:
        if not target.is_file() or target.is_symlink():
            return frozenset()
        return load_baseline(target, follow_symlinks=False).fingerprints
    except (OSError, LeakwindowError):
        return frozenset()


def _first_place(finding: Finding) -> tuple[str | None, int | None]:
    first = finding["first_commit"]
    if first is not None:
        return first["path"], first["line"]
    if finding["locations"]:  # under a ref to a tree or a blob: no commit holds it
        return finding["locations"][0]["path"], finding["locations"][0]["line"]
    return None, None  # a blob no tree names (staged, then unstaged)


def baseline_entry(finding: Finding) -> dict[str, Any]:
    """One accepted secret as the baseline records it: no more of it than a report shows."""
    path, line = _first_place(finding)
    first = finding["first_commit"]
    entry: dict[str, Any] = {
        "fingerprint": finding["fingerprint"],
        "rules": list(finding["rules"]),
        "preview": finding["secret_preview"],
        "path": path,
        "line": line,
        "first_commit": (
            None if first is None else {"sha": first["sha"], "committed_at": first["committed_at"]}
        ),
    }
    if finding["dangling"]:
        entry["dangling"] = True  # accepted although no ref reaches it: worth a reviewer's look
    return entry


def _entry_order(entry: dict[str, Any]) -> tuple[bool, str, int, str, str]:
    # By place, then fingerprint (unique): the same findings always give the same file.
    path, line = entry["path"], entry["line"]
    return (path is None, path or "", line or 0, entry["rules"][0], entry["fingerprint"])


def baseline_document(findings: Iterable[Finding]) -> dict[str, Any]:
    """A baseline accepting `findings`. Nothing in it depends on when it was written."""
    return {
        "schema": BASELINE_SCHEMA,
        "secrets": sorted((baseline_entry(f) for f in findings), key=_entry_order),
    }


def _describe(finding: Finding) -> str:
    path, line = _first_place(finding)
    where = "(no path: a blob no commit holds, e.g. staged then unstaged)"
    if path is not None:
        where = printable(path) + (f":{line}" if line else "")
    first = finding["first_commit"]
    when = f"  first in {first['sha'][:10]} {first['committed_at'][:10]}" if first else ""
    return f"  {', '.join(finding['rules'])}  {where}  {printable(finding['secret_preview'])}{when}"


def held_back_message(held_back: list[Finding]) -> str:
    """What stderr says about dangling secrets left out: each one, then the two ways out."""
    count = len(held_back)
    secrets = "1 secret" if count == 1 else f"{count} secrets"
    them = "it" if count == 1 else "them"
    lines = [
        f"leakwindow: {secrets} only in dangling objects (no branch or tag reaches {them}) "
        "left out of the baseline:",
        *(_describe(finding) for finding in held_back),
        f"Scans keep reporting {them}. Rotate {them}, then drop the objects "
        "(git reflog expire --expire-unreachable=now --all && git gc --prune=now); "
        f"or accept {them} with `leakwindow baseline create {INCLUDE_DANGLING_OPTION}`.",
    ]
    return "\n".join(lines) + "\n"


def dangling_kept_message(kept: list[Finding]) -> str:
    """The note for dangling secrets accepted again because the old baseline accepted them."""
    count = len(kept)
    secrets = "1 dangling secret" if count == 1 else f"{count} dangling secrets"
    lines = [f"leakwindow: kept {secrets} the replaced baseline already accepted:"]
    lines += [_describe(finding) for finding in kept]
    return "\n".join(lines) + "\n"

"""What a report concludes about each finding, decided once for every format.

Every renderer (text, rich console, Markdown, HTML, SARIF) and the exit policy ask here:
- `verdict`: what to do about a finding, from where the secret still is;
- `verification_state` / `verification_label`: what --verify found out, where a check that
  errored or never ran is "not checked" (it may be live), never a pass;
- the wording for a first commit at a shallow boundary and for windows counted up to --as-of.

Works on the report dict (a fresh scan or a saved JSON report), so it tolerates missing fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.model import NO_VERIFY_ENDPOINT

# What --verify found out about one finding.
LIVE = "live"
INVALID = "invalid"
NOT_CHECKED = "not_checked"  # its check errored or did not run (budget, missing pair): may be live
NO_ENDPOINT = "no_endpoint"  # none of its rules has a verification endpoint
NOT_VERIFIED = "not_verified"  # --verify was not asked for (or the finding is suppressed)

FIRST_AT_BOUNDARY = (
    "first seen at the shallow boundary: the secret may be older, and this commit's author "
    "may not be the one who added it"
)
OPENED_AFTER_AS_OF = "opened after the as-of date: no exposure then"
CLOSED_AFTER_AS_OF = "removed after the as-of date: days counted up to it"

_MAX_NAMED_REFS = 3


@dataclass(frozen=True)
class Verdict:
    """`kind` for machines and styling (live, suppressed, in_head, still_on_ref, dangling,
    removed, reachable_only); `text` for people."""

    kind: str
    text: str


def short_ref(ref: str) -> str:
    """`refs/heads/main` → `main`, `refs/remotes/origin/x` → `origin/x`, `refs/tags/v1` →
    `tags/v1`; other refs lose only `refs/` (every format names refs this way)."""
    for prefix in ("refs/heads/", "refs/remotes/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref.removeprefix("refs/")


def check_state(status: object, detail: object) -> str:
    """What a check's (status, detail) means: LIVE, INVALID, NOT_CHECKED, NO_ENDPOINT or
    NOT_VERIFIED."""
    if status in (LIVE, INVALID):
        return str(status)
    if status in (None, "unchecked") and not detail:
        return NOT_VERIFIED
    if status == "unchecked" and detail == NO_VERIFY_ENDPOINT:
        return NO_ENDPOINT
    return NOT_CHECKED  # "error", an unchecked check with a reason, or an unknown status


def check_label(status: object, detail: object) -> str | None:
    """What a check found out, in words: `live`, `invalid`, `not checked (dns lookup
    failed)`, `no verification endpoint`; None when there was no check."""
    state = check_state(status, detail)
    if state == NOT_VERIFIED:
        return None
    if state == NO_ENDPOINT:
        return "no verification endpoint"
    if state == NOT_CHECKED:
        return f"not checked ({detail})" if detail else "not checked"
    return state


def _check_of(finding: Mapping[str, Any]) -> tuple[object, object]:
    verification = finding.get("verification")
    if not isinstance(verification, Mapping):
        return None, None
    return verification.get("status"), verification.get("detail")


def verification_state(finding: Mapping[str, Any]) -> str:
    return check_state(*_check_of(finding))


def verification_label(finding: Mapping[str, Any]) -> str | None:
    return check_label(*_check_of(finding))


def _refs_text(refs: Sequence[str]) -> str:
    names = [short_ref(ref) for ref in refs]
    shown = ", ".join(names[:_MAX_NAMED_REFS])
    more = len(names) - _MAX_NAMED_REFS
    return f"{shown} and {more} more" if more > 0 else shown


def _distinct(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def verdict(finding: Mapping[str, Any], head_ref: str | None) -> Verdict:
    """What to do about this secret, from where it still is (in order: live, suppressed, in
    HEAD, still at another reported ref's tip, dangling, removed from every reported ref,
    reachable only off the reported refs' mainlines)."""
    head = short_ref(head_ref) if head_ref else "HEAD"
    windows = [w for w in finding.get("windows") or [] if isinstance(w, Mapping)]
    reachable = [str(ref) for ref in finding.get("reachable_from") or []]
    if verification_state(finding) == LIVE:
        return Verdict("live", "still live: rotate now")
    if finding.get("suppressed"):
        return Verdict("suppressed", f"suppressed ({finding['suppressed']})")
    if finding.get("in_head"):
        return Verdict("in_head", f"still in {head}: rotate the key, then remove it")
    still_on = _distinct([str(w.get("ref")) for w in windows if w.get("closed") is None])
    if still_on:
        return Verdict(
            "still_on_ref",
            f"not in {head} but still in {_refs_text(still_on)}: rotate the key, then remove "
            "it there",
        )
    if finding.get("dangling"):
        return Verdict(
            "dangling",
            "only in unreachable objects (rewritten away), still recoverable from this clone's "
            "object database and any older clone: rotate the key",
        )
    if windows:
        # HEAD's ref first: "removed from main, feature" reads as what it is.
        refs = [str(w.get("ref")) for w in windows]
        removed_from = _distinct(sorted(refs, key=lambda ref: ref != head_ref))
        count = len(reachable)
        return Verdict(
            "removed",
            f"removed from {_refs_text(removed_from)} but still recoverable from history "
            f"({count} ref{'s' if count != 1 else ''}): rotate the key",
        )
    where = _refs_text(reachable) if reachable else "no reported ref"
    return Verdict(
        "reachable_only",
        f"never on a reported branch's mainline but reachable from {where}: rotate the key",
    )


def window_remark(window: Mapping[str, Any]) -> str | None:
    """How --as-of changed this window's days, if it did."""
    if window.get("opened_after_as_of"):
        return OPENED_AFTER_AS_OF
    if window.get("closed_after_as_of"):
        return CLOSED_AFTER_AS_OF
    return None


def first_commit_remark(finding: Mapping[str, Any]) -> str | None:
    first = finding.get("first_commit")
    if isinstance(first, Mapping) and first.get("at_shallow_boundary"):
        return FIRST_AT_BOUNDARY
    return None

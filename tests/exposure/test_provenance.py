"""Which commit introduces a key, and where it was placed, across edits and merges.

`scan --range A..B` reports only the keys that commits in the range introduce: a commit
whose parents' trees already held the key does not introduce it again, however it touches
the file. And every place a key was committed at is a location, a merge's own included.
Each test builds a real repository and scans it through the command line, in this process
(`scanner.exposure.provenance` is what decides).
"""

from __future__ import annotations

from pathlib import Path

from git_builders import GitRepo, finding, fingerprint, scan, token, windows

KEY = token(1801)
OTHER = token(1802)


def _secrets(report: dict[str, object]) -> set[str]:
    return {f["fingerprint"] for f in report["findings"]}  # type: ignore[attr-defined,index]


def test_an_edit_to_a_file_that_already_held_the_key_does_not_introduce_it(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path / "repo")
    added = repo.change("2025-03-01T09:00:00+00:00", {"config.env": f"XAI_API_KEY={KEY}\n"})
    edited = repo.change(
        "2025-03-02T09:00:00+00:00", {"config.env": f"XAI_API_KEY={KEY}\nDEBUG=1\n"}
    )
    code, report = scan(repo.path, tmp_path, "--no-cache", "--range", f"{added}..{edited}")
    assert (code, _secrets(report)) == (0, set())
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1 and finding(report, KEY)["first_commit"]["sha"] == added


def test_a_merge_that_keeps_its_first_parents_key_does_not_introduce_it(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-03-01T09:00:00+00:00", {"config.env": "DEBUG=1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.change("2025-03-02T09:00:00+00:00", {"config.env": "LOG=info\nDEBUG=1\n"})
    repo.git("checkout", "-q", "main")
    added = repo.change(
        "2025-03-03T09:00:00+00:00", {"config.env": f"DEBUG=1\nXAI_API_KEY={KEY}\n"}
    )
    repo.git("merge", "-q", "--no-edit", "feature", date="2025-03-04T09:00:00+00:00")
    merge = repo.rev("HEAD")
    assert repo.git("show", "-s", "--format=%P", merge).split()[0] == added
    # The merged file is a new blob holding the key; the second parent never held it.
    code, report = scan(repo.path, tmp_path, "--no-cache", "--range", f"{added}..{merge}")
    assert (code, _secrets(report)) == (0, set())


def test_a_merge_is_the_location_of_a_key_it_adds_not_of_one_it_carries_over(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-03-01T09:00:00+00:00", {"README": "service\n"})
    repo.git("checkout", "-q", "-b", "feature")
    # Dated after the merge (a clock that ran backwards): the merge still only carries it.
    brought = repo.change("2025-03-05T09:00:00+00:00", {"a.env": f"XAI_API_KEY={KEY}\n"})
    repo.git("checkout", "-q", "main")
    repo.change("2025-03-03T09:00:00+00:00", {"README": "service, main line\n"})
    repo.git("merge", "-q", "--no-commit", "feature", date="2025-03-04T09:00:00+00:00")
    repo.write("b.env", f"XAI_API_KEY={OTHER}\n")  # an "evil merge": new in the merge itself
    merge = repo.commit("merge feature", date="2025-03-04T09:00:00+00:00")
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1 and _secrets(report) == {fingerprint(KEY), fingerprint(OTHER)}
    brought_in = finding(report, KEY)
    assert brought_in["first_commit"]["sha"] == brought
    assert [(loc["commit"], loc["path"]) for loc in brought_in["locations"]] == [(brought, "a.env")]
    added_in = finding(report, OTHER)
    assert added_in["first_commit"]["sha"] == merge
    assert [(loc["commit"], loc["path"]) for loc in added_in["locations"]] == [(merge, "b.env")]


def test_both_branches_from_a_commit_holding_a_key_still_hold_it(tmp_path: Path) -> None:
    """A commit's tree is kept until its last child has used it: two children, two windows."""
    repo = GitRepo(tmp_path / "repo")
    added = repo.change("2025-03-01T09:00:00+00:00", {"config.env": f"XAI_API_KEY={KEY}\n"})
    repo.change("2025-03-02T09:00:00+00:00", {"README": "main line\n"})
    repo.git("checkout", "-q", "-b", "feature", added)
    repo.change("2025-03-03T09:00:00+00:00", {"NOTES": "feature\n"})
    repo.git("checkout", "-q", "main")
    code, report = scan(repo.path, tmp_path, "--no-cache", "--all-branches")
    assert code == 1
    assert windows(finding(report, KEY)) == [
        ("refs/heads/feature", added, None),
        ("refs/heads/main", added, None),
    ]


def test_a_key_only_on_a_topic_branch_is_reachable_from_that_branch_alone(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-03-01T09:00:00+00:00", {"README": "service\n"})
    repo.git("checkout", "-q", "-b", "topic")
    repo.change("2025-03-02T09:00:00+00:00", {"config.env": f"XAI_API_KEY={KEY}\n"})
    repo.change("2025-03-03T09:00:00+00:00", {"README": "service, topic\n"})
    repo.git("checkout", "-q", "main")
    code, report = scan(repo.path, tmp_path, "--no-cache", "--all-branches")
    assert code == 1
    assert finding(report, KEY)["reachable_from"] == ["refs/heads/topic"]

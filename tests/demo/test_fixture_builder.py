"""The scenario builder: deterministic repositories whose structure git itself confirms."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from scanner.demo import KINDS, BuiltFixture, build_scenario, list_scenarios, make_token, seeded_rng
from scanner.errors import LeakwindowError

SCENARIOS = [info.name for info in list_scenarios()]

# For each scenario and secret: the windows git shows on HEAD's first-parent chain, as
# (label of the first commit holding it, label of the first commit after that without it).
EXPECTED_WINDOWS: dict[str, dict[str, list[tuple[str, str | None]]]] = {
    "incident": {"xai": [("leak", "removal")]},
    "never-removed": {"anthropic": [("leak", None)]},
    "removed-then-readded": {"openai": [("leak", "removal"), ("readd", "second_removal")]},
    "renamed-twice": {"github": [("leak", "removal")]},
    "copied-then-removed-from-first": {"stripe": [("leak", None)]},
    "merged-feature-branch": {"slack": [("merge", None)]},
    "unmerged-branch": {"xai": []},
    "tag-only": {"openai": []},
    "added-removed-on-branch": {"anthropic": []},
    "rewritten": {"github": []},
    "revert-rerevert": {"stripe": [("leak", "revert"), ("rerevert", None)]},
    "backwards-dates": {"slack": [("leak", "removal")]},
    "same-key-two-files": {"openai": [("leak", "removal")]},
    "two-keys-one-line": {"aws_id": [("leak", "removal")], "aws_secret": [("leak", "removal")]},
    "shallow-boundary": {"xai": [("boundary", "removal")]},
    "kubernetes-secret-base64": {"xai": [("leak", "removal")]},
    "multi-secret": {
        "xai": [("xai_leak", "xai_removal")],
        "github": [("github_leak", "github_removal")],
        "stripe": [("stripe_leak", "stripe_removal")],
        "anthropic": [("anthropic_leak", None)],
    },
}
ODD_DATES = {"backwards-dates"}
# Secrets a scenario writes only base64-encoded: git grep must look for the encoded form.
ENCODED = {("kubernetes-secret-base64", "xai")}


def as_committed(scenario: str, secret_name: str, secret: str) -> str:
    if (scenario, secret_name) in ENCODED:
        return base64.b64encode(secret.encode()).decode()
    return secret


def _git_process(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Real git with a minimal environment: no user config, no inherited GIT_DIR."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


def git(repo: Path, *args: str, check: bool = True) -> str:
    completed = _git_process(repo, *args)
    if check and completed.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {completed.stderr.strip()}")
    return completed.stdout.strip()


def mainline(repo: Path, ref: str = "HEAD") -> list[str]:
    return git(repo, "rev-list", "--first-parent", "--reverse", ref).split()


def commits_holding(repo: Path, secret: str, commits: list[str]) -> set[str]:
    """The commits among `commits` whose tree has `secret` in some file."""
    output = git(repo, "grep", "-l", "-F", "-e", secret, *commits, "--", check=False)
    return {line.split(":", 1)[0] for line in output.splitlines()}


def windows_on(repo: Path, secret: str, ref: str = "HEAD") -> list[tuple[str, str | None]]:
    chain = mainline(repo, ref)
    holding = commits_holding(repo, secret, chain)
    runs: list[tuple[str, str | None]] = []
    opened: str | None = None
    for commit in chain:
        if commit in holding and opened is None:
            opened = commit
        elif commit not in holding and opened is not None:
            runs.append((opened, commit))
            opened = None
    if opened is not None:
        runs.append((opened, None))
    return runs


def committed_at(repo: Path, rev: str) -> datetime:
    return datetime.fromisoformat(git(repo, "log", "-1", "--format=%cI", rev))


def has_object(repo: Path, rev: str) -> bool:
    return _git_process(repo, "cat-file", "-e", rev).returncode == 0


def refs_containing(repo: Path, commit: str) -> list[str]:
    return git(repo, "for-each-ref", "--contains", commit, "--format=%(refname)").split()


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], BuiltFixture]]:
    """Build each scenario at most once for the whole module."""
    root = tmp_path_factory.mktemp("scenarios")
    cache: dict[str, BuiltFixture] = {}

    def get(name: str) -> BuiltFixture:
        if name not in cache:
            cache[name] = build_scenario(name, root / name)
        return cache[name]

    yield get


# --------------------------------------------------------------------------- all scenarios


def test_every_scenario_has_expectations() -> None:
    assert sorted(SCENARIOS) == sorted(EXPECTED_WINDOWS)


def test_scenarios_have_one_line_descriptions() -> None:
    for info in list_scenarios():
        assert info.description.strip()
        assert "\n" not in info.description


@pytest.mark.parametrize("name", SCENARIOS)
def test_building_twice_gives_identical_repositories(
    name: str, build: Callable[[str], BuiltFixture], tmp_path: Path
) -> None:
    first = build(name)
    second = build_scenario(name, tmp_path / "again")
    assert second.commits == first.commits
    assert second.secrets == first.secrets
    assert second.branches == first.branches
    assert second.tags == first.tags
    assert second.head == first.head
    assert git(second.path, "rev-parse", "--all") == git(first.path, "rev-parse", "--all")
    assert git(second.path, "for-each-ref") == git(first.path, "for-each-ref")


@pytest.mark.parametrize("name", SCENARIOS)
def test_windows_on_head_match_the_scenario(
    name: str, build: Callable[[str], BuiltFixture]
) -> None:
    fixture = build(name)
    assert set(fixture.secrets) == set(EXPECTED_WINDOWS[name])
    for secret_name, expected in EXPECTED_WINDOWS[name].items():
        labelled = [
            (fixture.commits[opened], fixture.commits[closed] if closed else None)
            for opened, closed in expected
        ]
        committed = as_committed(name, secret_name, fixture.secrets[secret_name])
        assert windows_on(fixture.path, committed) == labelled, secret_name


@pytest.mark.parametrize("name", SCENARIOS)
def test_labelled_commits_exist_and_every_secret_is_committed(
    name: str, build: Callable[[str], BuiltFixture]
) -> None:
    fixture = build(name)
    shallow = (fixture.path / ".git" / "shallow").exists()
    present = [sha for sha in fixture.commits.values() if has_object(fixture.path, sha)]
    assert shallow or len(present) == len(fixture.commits)
    candidates = git(fixture.path, "rev-list", "--all").split() + present
    for secret_name, secret in fixture.secrets.items():
        committed = as_committed(name, secret_name, secret)
        assert commits_holding(fixture.path, committed, candidates), secret_name


@pytest.mark.parametrize("name", sorted(set(SCENARIOS) - ODD_DATES))
def test_commit_dates_are_distinct_and_in_2025(
    name: str, build: Callable[[str], BuiltFixture]
) -> None:
    fixture = build(name)
    dates = git(fixture.path, "log", "--all", "--format=%cI").split()
    assert len(dates) == len(set(dates))
    assert all(date.startswith("2025-") for date in dates)
    newest_first = [
        int(ts) for ts in git(fixture.path, "log", "--first-parent", "--format=%ct").split()
    ]
    assert newest_first == sorted(newest_first, reverse=True)


@pytest.mark.parametrize("name", SCENARIOS)
def test_repositories_are_clean_and_unsigned(
    name: str, build: Callable[[str], BuiltFixture]
) -> None:
    fixture = build(name)
    assert git(fixture.path, "status", "--porcelain") == ""
    assert not (fixture.path / ".git" / "ORIG_HEAD").exists()
    assert "gpgsig" not in git(fixture.path, "cat-file", "-p", fixture.head)
    modes = {line.split()[0] for line in git(fixture.path, "ls-tree", "-r", "HEAD").splitlines()}
    assert modes == {"100644"}


# --------------------------------------------------------------------------- one scenario each


def test_incident_key_sits_in_settings_for_exactly_59_days(
    build: Callable[[str], BuiltFixture],
) -> None:
    fixture = build("incident")
    repo, key = fixture.path, fixture.secrets["xai"]
    assert key.startswith("xai-") and len(key) == 84
    assert key in git(repo, "show", f"{fixture.commits['leak']}:config/settings.py")
    assert key not in git(repo, "show", f"{fixture.commits['leak']}^:config/settings.py")
    assert key not in git(repo, "show", f"{fixture.commits['removal']}:config/settings.py")
    leak_at = committed_at(repo, fixture.commits["leak"])
    removal_at = committed_at(repo, fixture.commits["removal"])
    assert leak_at.isoformat() == "2025-03-02T09:14:00+00:00"
    assert removal_at.isoformat() == "2025-04-30T09:14:00+00:00"
    assert (removal_at - leak_at).total_seconds() == 59 * 86400
    assert git(repo, "log", "-1", "--format=%aI", fixture.commits["leak"]) == leak_at.isoformat()
    assert len(mainline(repo)) >= 12


def test_incident_tags_bracket_the_removal(build: Callable[[str], BuiltFixture]) -> None:
    fixture = build("incident")
    repo, key = fixture.path, fixture.secrets["xai"]
    assert set(fixture.tags) == {"v1.0", "v1.1"}
    assert git(repo, "cat-file", "-t", "v1.0") == "tag"  # annotated
    assert commits_holding(repo, key, [fixture.tags["v1.0"]])
    assert not commits_holding(repo, key, [fixture.tags["v1.1"]])
    assert fixture.tags["v1.1"] == fixture.head


def test_renamed_twice_moves_the_same_blob(build: Callable[[str], BuiltFixture]) -> None:
    fixture = build("renamed-twice")
    repo, commits = fixture.path, fixture.commits
    blob = git(repo, "rev-parse", f"{commits['leak']}:scripts/release_config.py")
    assert git(repo, "rev-parse", f"{commits['first_rename']}:tools/release_config.py") == blob
    assert git(repo, "rev-parse", f"{commits['second_rename']}:tools/release/config.py") == blob
    assert not has_object(repo, f"{commits['first_rename']}:scripts/release_config.py")
    assert not has_object(repo, f"{commits['second_rename']}:tools/release_config.py")


def test_copy_keeps_the_window_open(build: Callable[[str], BuiltFixture]) -> None:
    fixture = build("copied-then-removed-from-first")
    repo, key = fixture.path, fixture.secrets["stripe"]
    after = fixture.commits["removal_from_first"]
    assert key not in git(repo, "show", f"{after}:billing/settings.py")
    assert key in git(repo, "show", f"{after}:scripts/refund_backfill.py")
    assert key in git(repo, "show", "HEAD:scripts/refund_backfill.py")


def test_merged_branch_brings_the_key_through_the_merge(
    build: Callable[[str], BuiltFixture],
) -> None:
    fixture = build("merged-feature-branch")
    repo, commits, key = fixture.path, fixture.commits, fixture.secrets["slack"]
    parents = git(repo, "rev-list", "--parents", "-n", "1", commits["merge"]).split()[1:]
    assert parents[0] == commits["main_work"] and len(parents) == 2
    assert not commits_holding(repo, key, [parents[0]])
    assert commits_holding(repo, key, [commits["merge"]])
    assert commits["leak"] not in mainline(repo)
    git(repo, "merge-base", "--is-ancestor", commits["leak"], parents[1])  # fails if not
    assert committed_at(repo, commits["leak"]) < committed_at(repo, commits["merge"])
    assert "feature" in fixture.branches


def test_unmerged_branch_is_the_only_ref_with_the_key(
    build: Callable[[str], BuiltFixture],
) -> None:
    fixture = build("unmerged-branch")
    leak = fixture.commits["leak"]
    assert refs_containing(fixture.path, leak) == ["refs/heads/experiment/grok-eval"]


def test_tag_keeps_a_deleted_branch_reachable(build: Callable[[str], BuiltFixture]) -> None:
    fixture = build("tag-only")
    assert fixture.branches.keys() == {"main"}
    assert refs_containing(fixture.path, fixture.commits["leak"]) == [
        "refs/tags/archive/vision-spike"
    ]
    assert fixture.tags["archive/vision-spike"] == fixture.commits["leak"]


def test_key_removed_on_branch_is_still_reachable_from_main(
    build: Callable[[str], BuiltFixture],
) -> None:
    fixture = build("added-removed-on-branch")
    repo, leak = fixture.path, fixture.commits["leak"]
    assert refs_containing(repo, leak) == ["refs/heads/main"]
    assert leak not in mainline(repo)
    assert not commits_holding(repo, fixture.secrets["anthropic"], [fixture.commits["merge"]])


def test_rewritten_leak_is_dangling_but_still_in_the_object_database(
    build: Callable[[str], BuiltFixture],
) -> None:
    fixture = build("rewritten")
    repo, leak = fixture.path, fixture.commits["leak"]
    assert refs_containing(repo, leak) == []
    assert leak not in git(repo, "rev-list", "--all", "--reflog").split()
    assert has_object(repo, leak)
    assert fixture.secrets["github"] in git(repo, "cat-file", "-p", f"{leak}:triage/github.py")
    unreachable = git(repo, "fsck", "--unreachable", "--no-reflogs")
    assert f"unreachable commit {fixture.commits['after_leak']}" in unreachable
    assert fixture.commits["base"] in mainline(repo)


def test_revert_of_the_revert_restores_the_key(build: Callable[[str], BuiltFixture]) -> None:
    fixture = build("revert-rerevert")
    repo, commits = fixture.path, fixture.commits
    revert_message = git(repo, "log", "-1", "--format=%B", commits["revert"])
    assert revert_message.startswith('Revert "Use the live Stripe key directly"')
    assert f"This reverts commit {commits['leak']}." in revert_message
    assert git(repo, "log", "-1", "--format=%an <%ae>", commits["rerevert"]) == (
        "Casey Contractor <casey@example.test>"
    )
    assert git(repo, "rev-parse", f"{commits['rerevert']}:donations/settings.py") == git(
        repo, "rev-parse", f"{commits['leak']}:donations/settings.py"
    )


def test_committer_dates_run_backwards_while_the_key_is_present(
    build: Callable[[str], BuiltFixture],
) -> None:
    fixture = build("backwards-dates")
    repo, commits = fixture.path, fixture.commits
    leak, skewed, more_skewed = (
        committed_at(repo, commits[label]) for label in ("leak", "skewed", "more_skewed")
    )
    assert more_skewed < skewed < leak
    assert git(repo, "rev-parse", f"{commits['more_skewed']}^") == commits["skewed"]
    assert committed_at(repo, commits["removal"]) > leak


def test_same_key_lands_in_two_files_in_one_commit(
    build: Callable[[str], BuiltFixture],
) -> None:
    fixture = build("same-key-two-files")
    repo, leak = fixture.path, fixture.commits["leak"]
    output = git(repo, "grep", "-l", "-F", "-e", fixture.secrets["openai"], leak)
    assert sorted(output.splitlines()) == [
        f"{leak}:notebooks/evaluate.py",
        f"{leak}:sentiment/settings.py",
    ]


def test_two_keys_share_one_line(build: Callable[[str], BuiltFixture]) -> None:
    fixture = build("two-keys-one-line")
    key_id, secret = fixture.secrets["aws_id"], fixture.secrets["aws_secret"]
    script = git(fixture.path, "show", f"{fixture.commits['leak']}:deploy/publish.sh")
    assert [line for line in script.splitlines() if key_id in line and secret in line]
    assert key_id != secret


def test_shallow_clone_boundary_cuts_the_window(build: Callable[[str], BuiltFixture]) -> None:
    fixture = build("shallow-boundary")
    repo, commits = fixture.path, fixture.commits
    assert (repo / ".git" / "shallow").read_text().split() == [commits["boundary"]]
    assert mainline(repo) == [commits["boundary"], commits["removal"], commits["tip"]]
    assert not has_object(repo, commits["leak"])
    assert commits_holding(repo, fixture.secrets["xai"], [commits["boundary"]])
    assert "refs/remotes/origin/main" in git(repo, "for-each-ref", "--format=%(refname)")
    assert git(repo, "remote", "get-url", "origin") == (
        "https://git.example.test/shallow-boundary.git"
    )


def test_multi_secret_windows_have_the_promised_lengths(
    build: Callable[[str], BuiltFixture],
) -> None:
    fixture = build("multi-secret")
    repo, commits = fixture.path, fixture.commits

    def days(opened: str, closed: str) -> float:
        span = committed_at(repo, commits[closed]) - committed_at(repo, commits[opened])
        return span.total_seconds() / 86400

    assert days("xai_leak", "xai_removal") == 59.0
    assert days("github_leak", "github_removal") == 30.0
    assert days("stripe_leak", "stripe_removal") == 3.0
    prefixes = {"xai": "xai-", "github": "ghp_", "stripe": "sk_live_", "anthropic": "sk-ant-"}
    assert fixture.secrets.keys() == prefixes.keys()
    assert all(fixture.secrets[name].startswith(prefixes[name]) for name in prefixes)
    assert set(fixture.tags) == {"v0.1", "v0.2", "v0.3"}
    at_v02 = [fixture.tags["v0.2"]]
    assert commits_holding(repo, fixture.secrets["xai"], at_v02)
    assert commits_holding(repo, fixture.secrets["github"], at_v02)
    at_v03 = [fixture.tags["v0.3"]]
    assert commits_holding(repo, fixture.secrets["anthropic"], at_v03)
    assert not commits_holding(repo, fixture.secrets["xai"], at_v03)


# --------------------------------------------------------------------------- isolation


def test_user_git_config_does_not_change_the_result(
    build: Callable[[str], BuiltFixture], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = tmp_path / "gitconfig"
    hostile.write_text(
        "[user]\n\tname = Mallory\n\temail = mallory@example.test\n"
        "[init]\n\tdefaultBranch = trunk\n"
        "[commit]\n\tgpgSign = true\n"
        "[core]\n\tautocrlf = true\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(hostile))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Mallory")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2030-01-01T00:00:00+00:00")
    rebuilt = build_scenario("merged-feature-branch", tmp_path / "repo")
    assert rebuilt.commits == build("merged-feature-branch").commits
    assert rebuilt.branches == build("merged-feature-branch").branches


def test_inherited_git_dir_does_not_redirect_the_build(
    build: Callable[[str], BuiltFixture], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As when a git hook runs the tests: GIT_DIR and GIT_INDEX_FILE point at another repo.
    bystander = tmp_path / "bystander"
    bystander.mkdir()
    git(bystander, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(bystander / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(bystander / ".git" / "index"))
    rebuilt = build_scenario("incident", tmp_path / "repo")
    assert rebuilt.commits == build("incident").commits
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert git(bystander, "rev-parse", "--all") == ""


# --------------------------------------------------------------------------- errors


def test_unknown_scenario_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(LeakwindowError, match="unknown scenario 'no-such-thing'") as caught:
        build_scenario("no-such-thing", tmp_path / "repo")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "repo").exists()


def test_scenario_names_cannot_escape_the_fixtures_directory(tmp_path: Path) -> None:
    with pytest.raises(LeakwindowError, match="unknown scenario"):
        build_scenario("../pyproject", tmp_path / "repo")


def test_destination_must_be_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(LeakwindowError, match="empty directory"):
        build_scenario("incident", tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_empty_existing_destination_is_accepted(tmp_path: Path) -> None:
    fixture = build_scenario("never-removed", tmp_path)
    assert fixture.path == tmp_path.absolute()
    assert (tmp_path / ".git").is_dir()


VALID_STEP = 'do = "commit"\ndate = "2025-01-01T10:00:00+00:00"\nmessage = "m"\n'
MALFORMED: dict[str, tuple[str, str]] = {
    "bad-toml": ("description = \n", "invalid TOML"),
    "no-description": ("seed = 1\n[[step]]\n" + VALID_STEP, "'description'"),
    "no-seed": ('description = "d"\n[[step]]\n' + VALID_STEP, "'seed' must be an integer"),
    "no-steps": ('description = "d"\nseed = 1\n', "at least one [[step]]"),
    "unknown-top-key": ('description = "d"\nseed = 1\ncolour = 3\n', "unknown top-level key"),
    "unknown-op": (
        'description = "d"\nseed = 1\n[[step]]\ndo = "rebase"\n',
        "step 1: 'do' must be one of",
    ),
    "missing-date": (
        'description = "d"\nseed = 1\n[[step]]\ndo = "commit"\nmessage = "m"\n',
        "step 1 (commit): missing 'date'",
    ),
    "bad-date": (
        'description = "d"\nseed = 1\n[[step]]\ndo = "commit"\ndate = "March 2nd"\nmessage = "m"\n',
        "'date' must be an ISO-8601 date",
    ),
    "date-without-offset": (
        'description = "d"\nseed = 1\n[[step]]\ndo = "commit"\n'
        'date = "2025-01-01T10:00:00"\nmessage = "m"\n',
        "with a UTC offset",
    ),
    "unknown-key": (
        'description = "d"\nseed = 1\n[[step]]\n' + VALID_STEP + "colour = 1\n",
        "unknown key 'colour'",
    ),
    "unknown-kind": (
        'description = "d"\nseed = 1\n[secrets]\nk = "pigeon"\n[[step]]\n' + VALID_STEP,
        "unknown kind 'pigeon'",
    ),
    "undeclared-secret": (
        'description = "d"\nseed = 1\n[[step]]\n'
        + VALID_STEP
        + 'write = { "a.py" = "K = \\"{{secret:nope}}\\"" }\n',
        "{{secret:nope}} is not in [secrets]",
    ),
    "duplicate-label": (
        'description = "d"\nseed = 1\n[[step]]\n'
        + VALID_STEP
        + 'label = "x"\n[[step]]\n'
        + VALID_STEP
        + 'label = "x"\n',
        "label 'x' is used twice",
    ),
    "revert-unknown-label": (
        'description = "d"\nseed = 1\n[[step]]\n' + VALID_STEP + "[[step]]\n"
        'do = "revert"\ntarget = "ghost"\ndate = "2025-01-02T10:00:00+00:00"\n',
        "'ghost' is not the label of an earlier commit",
    ),
    "clone-not-last": (
        'description = "d"\nseed = 1\n[[step]]\n' + VALID_STEP + "[[step]]\n"
        'do = "clone_shallow"\ndepth = 1\n[[step]]\n' + VALID_STEP,
        "clone_shallow must be the last step",
    ),
    "clone-without-depth": (
        'description = "d"\nseed = 1\n[[step]]\n' + VALID_STEP + '[[step]]\ndo = "clone_shallow"\n',
        "exactly one of 'depth' or 'since'",
    ),
    "escaping-path": (
        'description = "d"\nseed = 1\n[[step]]\n' + VALID_STEP + 'write = { "../x" = "" }\n',
        "relative paths inside the repository",
    ),
    "first-step-not-commit": (
        'description = "d"\nseed = 1\n[[step]]\ndo = "branch"\nname = "b"\n',
        "step 1 must be a commit",
    ),
    "annotated-tag-without-date": (
        'description = "d"\nseed = 1\n[[step]]\n'
        + VALID_STEP
        + '[[step]]\ndo = "tag"\nname = "v1"\nannotated = true\n',
        "an annotated tag needs 'date'",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_spec_is_a_one_line_error_naming_the_file(case: str, tmp_path: Path) -> None:
    text, expected = MALFORMED[case]
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / f"{case}.toml").write_text(text)
    with pytest.raises(LeakwindowError) as caught:
        build_scenario(case, tmp_path / "repo", specs_dir=specs)
    message = str(caught.value)
    assert expected in message
    assert f"{case}.toml" in message
    assert "\n" not in message
    assert not (tmp_path / "repo").exists()


def test_git_failure_names_the_step_hides_the_secret_and_cleans_up(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "broken.toml").write_text(
        'description = "d"\nseed = 1\n[secrets]\nk = "xai"\n[[step]]\n'
        + VALID_STEP
        + 'write = { "a.py" = "K = \\"{{secret:k}}\\"" }\n'
        + '[[step]]\ndo = "merge"\nbranch = "missing"\ndate = "2025-01-02T10:00:00+00:00"\n'
    )
    with pytest.raises(LeakwindowError) as caught:
        build_scenario("broken", tmp_path / "repo", specs_dir=specs)
    message = str(caught.value)
    assert "broken.toml: step 2 (merge): git merge failed" in message
    assert make_token("xai", seeded_rng(1, "broken", "k")) not in message
    assert not (tmp_path / "repo").exists()


def test_list_scenarios_covers_the_required_set() -> None:
    required = {
        "incident",
        "never-removed",
        "removed-then-readded",
        "renamed-twice",
        "copied-then-removed-from-first",
        "merged-feature-branch",
        "unmerged-branch",
        "tag-only",
        "added-removed-on-branch",
        "rewritten",
        "revert-rerevert",
        "backwards-dates",
        "same-key-two-files",
        "two-keys-one-line",
        "shallow-boundary",
        "multi-secret",
    }
    assert required <= set(SCENARIOS)
    assert sorted(SCENARIOS) == SCENARIOS
    assert "generic-password" in KINDS


def test_shallow_since_keeps_only_recent_commits(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    steps = "".join(
        f'[[step]]\ndo = "commit"\nlabel = "c{day}"\ndate = "2025-01-0{day}T10:00:00+00:00"\n'
        f'message = "day {day}"\nwrite = {{ "day.txt" = "{day}" }}\n'
        for day in (1, 2, 3)
    )
    (specs / "recent.toml").write_text(
        'description = "d"\nseed = 1\n'
        + steps
        + '[[step]]\ndo = "clone_shallow"\nsince = "2025-01-02T00:00:00+00:00"\n'
    )
    fixture = build_scenario("recent", tmp_path / "repo", specs_dir=specs)
    assert mainline(fixture.path) == [fixture.commits["c2"], fixture.commits["c3"]]
    assert not has_object(fixture.path, fixture.commits["c1"])


def test_unknown_branch_start_is_reported_by_name(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "orphan.toml").write_text(
        'description = "d"\nseed = 1\n[[step]]\n'
        + VALID_STEP
        + '[[step]]\ndo = "branch"\nname = "b"\nfrom = "nowhere"\n'
    )
    with pytest.raises(LeakwindowError, match="step 2 \\(branch\\): 'nowhere' is neither a label"):
        build_scenario("orphan", tmp_path / "repo", specs_dir=specs)

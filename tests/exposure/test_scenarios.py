"""`leakwindow scan` on every fixture scenario gives exactly the windows DESIGN.md defines."""

from __future__ import annotations

from pathlib import Path

from scenario_support import build, days, finding_for, scan_json, window_shape

MAIN = "refs/heads/main"


def test_incident_window_is_59_days_and_recoverable_from_tags(tmp_path: Path) -> None:
    fx = build("incident", tmp_path)
    code, report = scan_json(fx.path, tmp_path)
    assert code == 1
    finding = finding_for(report, fx.secrets["xai"])
    assert window_shape(finding) == [(MAIN, fx.commits["leak"], fx.commits["removal"])]
    assert finding["windows"][0]["days"] == 59.0
    assert finding["in_head"] is False
    assert finding["dangling"] is False
    assert sorted(finding["reachable_from"]) == [MAIN, "refs/tags/v1.0", "refs/tags/v1.1"]
    assert finding["first_commit"]["sha"] == fx.commits["leak"]
    assert finding["first_commit"]["path"] == "config/settings.py"
    assert finding["rules"] == ["xai-api-key"]


def test_never_removed_window_is_open_until_as_of(tmp_path: Path) -> None:
    fx = build("never-removed", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["anthropic"])
    assert window_shape(finding) == [(MAIN, fx.commits["leak"], None)]
    assert finding["windows"][0]["days"] == days(fx.path, fx.commits["leak"], None)
    assert finding["in_head"] is True


def test_removed_then_readded_has_two_windows(tmp_path: Path) -> None:
    fx = build("removed-then-readded", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["openai"])
    c = fx.commits
    assert window_shape(finding) == [
        (MAIN, c["leak"], c["removal"]),
        (MAIN, c["readd"], c["second_removal"]),
    ]
    assert [w["days"] for w in finding["windows"]] == [
        days(fx.path, c["leak"], c["removal"]),
        days(fx.path, c["readd"], c["second_removal"]),
    ]
    assert finding["first_commit"]["sha"] == c["leak"]


def test_renamed_twice_is_one_window(tmp_path: Path) -> None:
    fx = build("renamed-twice", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["github"])
    assert window_shape(finding) == [(MAIN, fx.commits["leak"], fx.commits["removal"])]
    paths = {loc["path"] for loc in finding["locations"]}
    assert len(paths) == 3  # the original name and both renames


def test_copy_keeps_the_window_open_after_removal_from_first_file(tmp_path: Path) -> None:
    fx = build("copied-then-removed-from-first", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["stripe"])
    assert window_shape(finding) == [(MAIN, fx.commits["leak"], None)]
    assert finding["in_head"] is True
    assert len({loc["path"] for loc in finding["locations"]}) == 2


def test_merged_branch_window_opens_at_merge_first_commit_on_branch(tmp_path: Path) -> None:
    fx = build("merged-feature-branch", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["slack"])
    assert [w[1] for w in window_shape(finding)] == [fx.commits["merge"]]
    assert finding["first_commit"]["sha"] == fx.commits["leak"]
    assert MAIN in finding["reachable_from"]


def test_unmerged_branch_has_no_window_on_main_but_is_reachable(tmp_path: Path) -> None:
    fx = build("unmerged-branch", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["xai"])
    assert finding["windows"] == []
    assert finding["reachable_from"] == ["refs/heads/experiment/grok-eval"]
    assert finding["in_head"] is False and finding["dangling"] is False
    _, everywhere = scan_json(fx.path, tmp_path, "--all-branches")
    branch_windows = finding_for(everywhere, fx.secrets["xai"])["windows"]
    assert [w["ref"] for w in branch_windows] == ["refs/heads/experiment/grok-eval"]


def test_tag_only_secret_is_reachable_from_the_tag(tmp_path: Path) -> None:
    fx = build("tag-only", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["openai"])
    assert finding["reachable_from"] == ["refs/tags/archive/vision-spike"]
    assert finding["windows"] == []
    assert finding["dangling"] is False
    assert finding["first_commit"]["sha"] == fx.commits["leak"]


def test_added_and_removed_on_branch_no_window_but_reachable_from_main(tmp_path: Path) -> None:
    fx = build("added-removed-on-branch", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["anthropic"])
    assert finding["windows"] == []
    assert MAIN in finding["reachable_from"]
    assert finding["in_head"] is False
    assert finding["first_commit"]["sha"] == fx.commits["leak"]


def test_rewritten_history_leaves_a_dangling_secret(tmp_path: Path) -> None:
    fx = build("rewritten", tmp_path)
    code, report = scan_json(fx.path, tmp_path)
    assert code == 1
    finding = finding_for(report, fx.secrets["github"])
    assert finding["dangling"] is True
    assert finding["reachable_from"] == []
    assert finding["windows"] == []
    assert finding["in_head"] is False
    assert finding["first_commit"]["sha"] == fx.commits["leak"]


def test_revert_and_rerevert_give_two_windows(tmp_path: Path) -> None:
    fx = build("revert-rerevert", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["stripe"])
    c = fx.commits
    assert window_shape(finding) == [(MAIN, c["leak"], c["revert"]), (MAIN, c["rerevert"], None)]
    assert finding["in_head"] is True


def test_backwards_dates_follow_topology(tmp_path: Path) -> None:
    fx = build("backwards-dates", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["slack"])
    c = fx.commits
    assert window_shape(finding) == [(MAIN, c["leak"], c["removal"])]
    assert finding["windows"][0]["days"] == days(fx.path, c["leak"], c["removal"])


def test_same_key_in_two_files_is_one_finding_with_two_locations(tmp_path: Path) -> None:
    fx = build("same-key-two-files", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["openai"])
    assert window_shape(finding) == [(MAIN, fx.commits["leak"], fx.commits["removal"])]
    assert len({loc["path"] for loc in finding["locations"]}) == 2


def test_two_keys_on_one_line_are_two_findings(tmp_path: Path) -> None:
    fx = build("two-keys-one-line", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    key_id = finding_for(report, fx.secrets["aws_id"])
    secret = finding_for(report, fx.secrets["aws_secret"])
    assert key_id["first_commit"]["line"] == secret["first_commit"]["line"]
    assert key_id["locations"][0]["column"] < secret["locations"][0]["column"]
    assert window_shape(key_id) == window_shape(secret)


def test_shallow_clone_marks_window_opened_at_boundary(tmp_path: Path) -> None:
    fx = build("shallow-boundary", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["xai"])
    (window,) = finding["windows"]
    assert window["opened"]["sha"] == fx.commits["boundary"]
    assert window["opened_at_boundary"] is True
    assert window["closed"]["sha"] == fx.commits["removal"]


def test_multi_secret_reports_every_secret_sorted_by_severity(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    for name in fx.secrets:
        finding_for(report, fx.secrets[name])
    order = ["critical", "high", "medium", "low"]
    severities = [order.index(f["severity"]) for f in report["findings"]]
    assert severities == sorted(severities)


def test_base64_kubernetes_secret_is_decoded_through_history(tmp_path: Path) -> None:
    fx = build("kubernetes-secret-base64", tmp_path)
    _, report = scan_json(fx.path, tmp_path)
    finding = finding_for(report, fx.secrets["xai"])
    assert finding["decoded"] == "base64"
    assert window_shape(finding) == [(MAIN, fx.commits["leak"], fx.commits["removal"])]
    assert finding["windows"][0]["days"] == 20.0
    (location,) = finding["locations"]
    assert location["path"] == "deploy/secret.yaml"
    assert location["line"] == 7  # the line of the encoded span

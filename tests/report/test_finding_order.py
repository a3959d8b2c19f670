"""Findings that tie on everything the report ranks by (severity, confidence, exposure) come
in the order of their first location, path then line, so a reviewer reads them file by file."""

from __future__ import annotations

from pathlib import Path

from git_builders import GitRepo, fingerprint, scan, token


def test_equal_findings_are_ordered_by_path_then_line(tmp_path: Path) -> None:
    keys = [token(seed) for seed in range(4)]
    built = GitRepo(tmp_path / "repo")
    built.change(
        "2025-01-01T00:00:00+00:00",  # one commit: every window is the same
        {
            "src/b.py": f'XAI = "{keys[0]}"\n',
            "src/a.py": f'# config\n\n\n\n\n\nXAI = "{keys[1]}"\n',
            "lib/z.py": f'XAI = "{keys[2]}"\n',
            "src/a.py.bak": f'\nXAI = "{keys[3]}"\n',
        },
    )
    built.change("2025-01-02T00:00:00+00:00", {"src/a.py": f'XAI = "{keys[1]}"\n'})
    _, report = scan(built.path, tmp_path)
    places = [(f["locations"][0]["path"], f["locations"][0]["line"]) for f in report["findings"]]
    assert places == [("lib/z.py", 1), ("src/a.py", 7), ("src/a.py.bak", 2), ("src/b.py", 1)]
    assert {f["fingerprint"] for f in report["findings"]} == {fingerprint(k) for k in keys}

"""No secret in clear, anywhere.

Every command and every format runs over the `multi-secret` scenario (four keys in history)
plus a fifth key in the index, and nothing any of them prints, logs or writes may contain a
planted value — not whole, and not any 12-character piece of one. Reports written with
`--output` are readable by their owner only.
"""

from __future__ import annotations

import io
import json
import os
import random
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.cli.app import main
from scanner.demo import build_scenario, make_token

AS_OF = "2025-12-31T00:00:00+00:00"
FORMATS = ("text", "json", "sarif", "markdown", "html")
PIECE = 12  # a redacted preview keeps at most 6 characters; 12 in a row would be a leak


@dataclass(frozen=True)
class Planted:
    repo: Path
    secrets: tuple[str, ...]
    work: Path


def _git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Dana Developer",
        GIT_AUTHOR_EMAIL="dana@example.test",
        GIT_COMMITTER_NAME="Dana Developer",
        GIT_COMMITTER_EMAIL="dana@example.test",
    )
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, check=True)
    return done.stdout.decode()


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    work = tmp_path_factory.mktemp("no-secret")
    fx = build_scenario("multi-secret", work / "repo")
    staged = make_token("xai", random.Random(6600))
    (fx.path / "deploy.env").write_text(f"XAI_API_KEY={staged}\n")
    _git(fx.path, "add", "deploy.env")
    return Planted(fx.path, (*fx.secrets.values(), staged), work)


def _pieces(secret: str) -> Iterator[str]:
    for start in range(len(secret) - PIECE + 1):
        yield secret[start : start + PIECE]


def assert_clean(output: str | bytes, planted: Planted, where: str) -> None:
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    for secret in planted.secrets:
        leaked = next((piece for piece in _pieces(secret) if piece in text), None)
        assert leaked is None, f"{where}: part of a planted secret in clear"


def _run(
    args: list[str], capfd: pytest.CaptureFixture[str], planted: Planted, where: str
) -> tuple[int, str]:
    code = main(args)
    out, err = capfd.readouterr()
    assert "Traceback" not in err, where
    assert_clean(out, planted, f"{where} (stdout)")
    assert_clean(err, planted, f"{where} (stderr)")
    return code, out


def _owner_only(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_fixture_really_holds_the_secrets(planted: Planted) -> None:
    """Control: the planted values are in the repository, so a leak would be visible."""
    everything = _git(planted.repo, "log", "--all", "-p")
    assert sum(secret in everything for secret in planted.secrets) == 4
    assert planted.secrets[-1] in _git(planted.repo, "diff", "--cached")


@pytest.mark.parametrize("fmt", FORMATS)
def test_scan_to_stdout(fmt: str, planted: Planted, capfd: pytest.CaptureFixture[str]) -> None:
    args = ["scan", str(planted.repo), "-f", fmt, "--as-of", AS_OF, "--all-branches"]
    code, out = _run([*args, "--verbose"], capfd, planted, f"scan -f {fmt}")
    assert code == 1
    assert out.strip()


@pytest.mark.parametrize("fmt", FORMATS)
def test_scan_and_report_files_are_clean_and_private(
    fmt: str, planted: Planted, capfd: pytest.CaptureFixture[str]
) -> None:
    target = planted.work / f"scan.{fmt}"
    target.write_text("an older report, world-readable\n")
    target.chmod(0o644)
    args = ["scan", str(planted.repo), "-f", fmt, "-o", str(target), "--as-of", AS_OF]
    assert _run(args, capfd, planted, f"scan -f {fmt} -o")[0] == 1
    assert _owner_only(target)
    assert_clean(target.read_bytes(), planted, f"scan -f {fmt} -o (file)")

    saved = planted.work / f"saved-for-{fmt}.json"
    args = ["scan", str(planted.repo), "-f", "json", "-o", str(saved), "--as-of", AS_OF]
    _run(args, capfd, planted, "scan -f json -o")
    rendered = planted.work / f"report.{fmt}"
    code, _ = _run(
        ["report", str(saved), "-f", fmt, "-o", str(rendered)], capfd, planted, f"report {fmt}"
    )
    assert code == 0
    assert _owner_only(rendered)
    assert_clean(rendered.read_bytes(), planted, f"report -f {fmt} (file)")
    _, out = _run(["report", str(saved), "-f", fmt], capfd, planted, f"report -f {fmt}")
    assert out.strip()


def test_range_scan(planted: Planted, capfd: pytest.CaptureFixture[str]) -> None:
    args = ["scan", str(planted.repo), "--since", "v0.1", "--as-of", AS_OF, "-f", "json"]
    code, out = _run(args, capfd, planted, "scan --since")
    assert code == 1
    assert json.loads(out)["scan"]["mode"] == "range"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_staged(fmt: str, planted: Planted, capfd: pytest.CaptureFixture[str]) -> None:
    code, _ = _run(["staged", str(planted.repo), "-f", fmt], capfd, planted, f"staged {fmt}")
    assert code == 1


def test_pre_push(
    planted: Planted, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    head = _git(planted.repo, "rev-parse", "HEAD").strip()
    monkeypatch.setattr(
        sys, "stdin", io.StringIO(f"refs/heads/main {head} refs/heads/main {'0' * 40}\n")
    )
    code, _ = _run(["pre-push", "--path", str(planted.repo)], capfd, planted, "pre-push")
    assert code == 1


def test_baseline_and_a_suppressed_scan(
    planted: Planted, capfd: pytest.CaptureFixture[str]
) -> None:
    baseline = planted.work / "baseline.json"
    create = ["baseline", "create", str(planted.repo), "-o", str(baseline)]
    code, _ = _run(create, capfd, planted, "baseline")
    assert code == 1  # the key only in the index is listed (redacted) and left out
    code, _ = _run([*create, "--include-dangling"], capfd, planted, "baseline")
    assert code == 0
    assert_clean(baseline.read_bytes(), planted, "baseline file")
    args = ["scan", str(planted.repo), "--baseline", str(baseline), "--as-of", AS_OF]
    for fmt in FORMATS:
        _run([*args, "-f", fmt], capfd, planted, f"scan --baseline -f {fmt}")


def test_demo(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    incident = build_scenario("incident", tmp_path / "incident")
    planted = Planted(incident.path, tuple(incident.secrets.values()), tmp_path)
    assert _run(["demo"], capfd, planted, "demo")[0] == 0


def test_error_messages(planted: Planted, capfd: pytest.CaptureFixture[str]) -> None:
    secret = planted.secrets[0]
    work = planted.work / "errors"
    work.mkdir(exist_ok=True)
    rules = work / "rules.toml"
    rules.write_text(
        f'[[rule]]\nid = "one-key"\ntitle = "One key"\nseverity = "low"\n'
        f"keywords = [\"xai-\"]\npattern = '''(?:{secret}[a-z]*)+'''\n"
        f'[rule.examples]\nmatch = ["{secret}"]\n'
    )
    broken_rules = work / "broken-rules.toml"
    broken_rules.write_text(f'[[rule]]\nid = "x"\npattern = "{secret}\n')
    config = work / "config.toml"
    config.write_text(f'[paths]\nexclude = ["{secret}"\n')
    not_report = work / "not-a-report.json"
    not_report.write_text(json.dumps({"schema": "other", "key": secret}))
    bad_json = work / "bad.json"
    bad_json.write_text(f'{{"key": "{secret}" "x"}}')
    attempts = [
        ["scan", str(planted.repo), "--rules", str(rules)],
        ["scan", str(planted.repo), "--rules", str(broken_rules)],
        ["scan", str(planted.repo), "--config", str(config)],
        ["staged", str(planted.repo), "--config", str(config)],
        ["report", str(not_report)],
        ["report", str(bad_json)],
    ]
    for args in attempts:
        code, _ = _run(args, capfd, planted, " ".join(args[:1] + args[2:3]))
        assert code == 2, args


def test_a_damaged_copy_warns_without_leaking(
    planted: Planted, capfd: pytest.CaptureFixture[str]
) -> None:
    copy = planted.work / "damaged"
    _git(planted.work, "clone", "-q", "--no-local", str(planted.repo), str(copy))
    (copy / ".git" / "refs" / "heads" / "ghost").write_text("0" * 39 + "1\n")
    for pack in (copy / ".git" / "objects" / "pack").glob("*.pack"):
        pack.chmod(0o644)
        data = pack.read_bytes()
        pack.write_bytes(data[: len(data) // 2])
    args = ["scan", str(copy), "--as-of", AS_OF, "-f", "json", "--verbose"]
    code, _ = _run(args, capfd, planted, "scan of a damaged clone")
    assert code in (0, 1, 3)


def test_progress_on_a_terminal(planted: Planted) -> None:
    """The live progress display (drawn only on a terminal) carries no secret either."""
    primary, secondary = os.openpty()
    entry = "import sys; from scanner.cli.app import main; sys.exit(main(sys.argv[1:]))"
    out = planted.work / "progress.json"
    args = ["scan", str(planted.repo), "-f", "json", "-o", str(out), "--as-of", AS_OF]
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    process = subprocess.Popen(
        [sys.executable, "-c", entry, *args],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed: the scan is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    assert process.wait(timeout=120) == 1
    assert b"\x1b[" in shown  # control: a live display was drawn on the terminal
    assert_clean(bytes(shown), planted, "progress display")
    assert_clean(out.read_bytes(), planted, "report written under a terminal")
    assert _owner_only(out)

"""`leakwindow staged`: only the lines a staged change adds, reported without the secret."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from scanner.cache import rule_pack as pack_cache
from scanner.cli.staged_command import main
from scanner.demo import make_token
from scanner.detect.matcher import Matcher
from scanner.hooks.staged import added_blocks, scan_added
from scanner.rules.config import Config, load_pack
from scanner.rules.pack import RulePack, load_rules

_STAGED_SCHEMA = Path(__file__).resolve().parents[2] / "scanner" / "report" / "staged-schema.json"


def token(kind: str, seed: int) -> str:
    return make_token(kind, random.Random(f"test-staged:{kind}:{seed}"))


XAI = token("xai", 1)
XAI_2 = token("xai", 2)
GITHUB = token("github-pat", 1)


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def _isolated(shared_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user git config, no user cache: each test sees only what it builds."""
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", *args],
            cwd=self.path,
            capture_output=True,
            check=True,
        )
        return done.stdout.decode()

    def write(self, name: str, content: str | bytes) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        target.write_bytes(content)

    def stage(self, name: str, content: str | bytes) -> None:
        self.write(name, content)
        self.git("add", "--", name)

    def commit(self, name: str, content: str | bytes) -> None:
        self.stage(name, content)
        self.git("commit", "-q", "--no-verify", "-m", f"edit {name}")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repository = Repo(tmp_path / "repo")
    repository.commit("README.md", "a project\n")
    return repository


def run_staged(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(repo.path), *args])
    captured = capsys.readouterr()
    for secret in (XAI, XAI_2, GITHUB):
        assert secret not in captured.out + captured.err, "a secret was printed in clear"
    return code, captured.out, captured.err


def numbered(lines: int, **inserts: str) -> str:
    """`lines` filler lines, with line N replaced by inserts[f"l{N}"]."""
    return "".join(inserts.get(f"l{n}", f"value_{n} = {n}") + "\n" for n in range(1, lines + 1))


# --- what is scanned ---------------------------------------------------------------------


def test_a_secret_on_an_added_line_is_reported_with_path_line_rule_and_preview(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("config/settings.py", numbered(5, l3=f'XAI_KEY = "{XAI}"'))
    code, out, err = run_staged(repo, capsys)
    assert code == 1
    assert out == ""
    assert "config/settings.py:3:12" in err
    assert "xai-api-key" in err
    assert f"{XAI[:6]}…(84 chars)" in err


def test_a_secret_already_in_head_is_not_reported_when_other_lines_change(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("settings.py", numbered(10, l5=f'XAI_KEY = "{XAI}"'))
    repo.stage("settings.py", numbered(12, l5=f'XAI_KEY = "{XAI}"', l1="DEBUG = True"))
    code, _, err = run_staged(repo, capsys)
    assert (code, err) == (0, "")


def test_a_modified_line_holding_a_secret_is_reported(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("settings.py", numbered(10, l5=f'XAI_KEY = "{XAI}"'))
    repo.stage("settings.py", numbered(10, l5=f'XAI_KEY = "{XAI}"  # production'))
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "settings.py:5:12" in err


def test_a_moved_file_is_not_new_but_its_edited_lines_are(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    body = numbered(30, l5=f'XAI_KEY = "{XAI}"')
    repo.commit("old/settings.py", body)
    (repo.path / "new").mkdir()
    repo.git("mv", "old/settings.py", "new/settings.py")
    assert run_staged(repo, capsys)[0] == 0
    repo.stage("new/settings.py", body.replace("value_20 = 20", f'GH = "{GITHUB}"'))
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "new/settings.py:20:7" in err
    assert "settings.py:5:" not in err


def test_line_numbers_are_right_in_every_hunk(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("app.py", numbered(60))
    edited = numbered(60, l40=f'XAI_KEY = "{XAI}"', l52=f'token = "{GITHUB}"').replace(
        "value_3 = 3\n", "value_3 = 3\ninserted_a = 1\ninserted_b = 2\n"
    )
    repo.stage("app.py", edited)
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    # two lines inserted after line 3 move the edited lines 40 and 52 down by two
    assert "app.py:42:12" in err
    assert "app.py:54:10" in err


def test_added_text_that_looks_like_a_diff_header_stays_content(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("notes.md", f"++ b/elsewhere.txt\n-- a/other\nkey: {XAI}\n")
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "notes.md:3:6" in err


def test_crlf_and_non_utf8_lines_are_scanned_with_right_positions(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    content = b"caf\xe9 = 1\r\n\xff\xfe\xfd broken = 2\r\n" + f"k = '{XAI}'\r\n".encode()
    repo.stage("legacy.ini", content)
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "legacy.ini:3:6" in err


def test_a_quoted_path_is_printed_as_the_file_is_named(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("dir with space/naïve\tname\x1b[2K.env", f"KEY={XAI}\n")
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    # Control characters are spelled out: a path cannot erase or restyle the hook's output.
    assert "dir with space/naïve\\x09name\\x1b[2K.env:1:5" in err
    assert "\x1b" not in err and "\t" not in err


def test_binary_files_are_skipped(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.stage("model.bin", b"\x00\x01\x02" * 100 + XAI.encode() + b"\x00" * 10)
    code, _, err = run_staged(repo, capsys)
    assert (code, err) == (0, "")


def test_a_diff_attribute_cannot_hide_a_text_file(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit(".gitattributes", "*.env -diff\n")
    repo.stage("prod.env", f"XAI_KEY={XAI}\n")
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "prod.env:1:9" in err


def test_removed_lines_and_deleted_files_are_not_scanned(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("old.env", f"XAI_KEY={XAI}\nother=1\n")
    repo.stage("old.env", "other=1\n")
    assert run_staged(repo, capsys)[:2] == (0, "")
    repo.git("rm", "-q", "--force", "old.env")
    assert run_staged(repo, capsys)[:2] == (0, "")


# --- what is suppressed ------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker", ["# leakwindow:allow", "# pragma: allowlist secret", "# gitleaks:allow"]
)
def test_allow_markers_on_the_line_suppress_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], marker: str
) -> None:
    repo.stage("test_data.py", f'FAKE = "{XAI}"  {marker}\nREAL = "{XAI_2}"\n')
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "test_data.py:2:9" in err
    assert "test_data.py:1:" not in err


def test_the_leakwindow_baseline_suppresses_listed_fingerprints(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    accepted = {"fingerprint": hashlib.sha256(XAI.encode()).hexdigest()}
    repo.commit(
        ".leakwindow-baseline.json",
        json.dumps({"schema": "leakwindow.baseline/1", "secrets": [accepted]}),
    )
    repo.stage("a.py", f'K = "{XAI}"\n')
    assert run_staged(repo, capsys)[:2] == (0, "")
    repo.stage("b.py", f'K = "{XAI_2}"\n')
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "b.py:1:6" in err
    assert "a.py" not in err


def test_a_detect_secrets_baseline_passed_explicitly_is_honoured(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / ".secrets.baseline"
    sha1 = hashlib.sha1(XAI.encode()).hexdigest()
    entry = {"type": "Secret Keyword", "filename": "a.py", "hashed_secret": sha1}
    baseline.write_text(json.dumps({"version": "1.5.0", "results": {"a.py": [entry]}}))
    repo.stage("a.py", f'K = "{XAI}"\n')
    assert run_staged(repo, capsys, "--baseline", str(baseline))[0] == 0
    assert run_staged(repo, capsys)[0] == 1


def test_config_path_exclusions_are_honoured(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit(".leakwindow.toml", '[paths]\nexclude = ["fixtures/", "*.snap"]\n')
    repo.stage("fixtures/keys.py", f'K = "{XAI}"\n')
    repo.stage("ui/__snapshots__/view.snap", f'K = "{XAI}"\n')
    assert run_staged(repo, capsys)[:2] == (0, "")
    repo.stage("src/keys.py", f'K = "{XAI}"\n')
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "src/keys.py:1:6" in err
    assert "fixtures/" not in err


def test_config_disabled_rules_are_honoured(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit(".leakwindow.toml", '[rules]\ndisable = ["xai-api-key"]\n')
    repo.stage("a.py", f'K = "{XAI}"\n')
    assert run_staged(repo, capsys)[:2] == (0, "")


# --- exit codes and messages ---------------------------------------------------------------


def test_a_clean_change_exits_0_silently(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.stage("src/app.py", "def main() -> int:\n    return 0\n")
    assert run_staged(repo, capsys) == (0, "", "")


def test_nothing_staged_exits_0(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_staged(repo, capsys) == (0, "", "")


def test_the_message_says_how_to_fix(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.stage("a.py", f'K = "{XAI}"\n')
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert "remove the secret" in err
    assert "rotate it" in err
    assert "leakwindow:allow" in err
    assert "baseline" in err


def _low_severity_example() -> tuple[str, str]:
    rule = next(
        r
        for r in load_rules().rules
        if r.severity == "low" and "\n" not in "".join(r.examples_match[:1])
    )
    return rule.id, rule.examples_match[0]


def test_fail_on_raises_the_bar_but_still_reports(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    rule_id, example = _low_severity_example()
    repo.stage("settings.py", example + "\n")
    code, _, err = run_staged(repo, capsys)
    assert code == 1
    assert rule_id in err
    code, _, err = run_staged(repo, capsys, "--fail-on", "high")
    assert code == 0
    assert rule_id in err


def test_exit_zero_reports_but_never_fails(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.stage("a.py", f'K = "{XAI}"\n')
    code, _, err = run_staged(repo, capsys, "--exit-zero")
    assert code == 0
    assert "a.py:1:6" in err


def test_json_output_carries_fingerprints_not_secrets(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("a.py", f'K = "{XAI}"\nJ = "{XAI}"\n')
    code, out, _ = run_staged(repo, capsys, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["scan"]["mode"] == "staged"
    (finding,) = report["findings"]
    assert finding["fingerprint"] == hashlib.sha256(XAI.encode()).hexdigest()
    assert [(loc["path"], loc["line"]) for loc in finding["locations"]] == [
        ("a.py", 1),
        ("a.py", 2),
    ]


def test_json_output_holds_to_the_staged_schema(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real output, with two secrets over two files and one of them twice, against
    scanner/report/staged-schema.json (strict: no key it does not describe)."""
    repo.stage("config/settings.py", numbered(6, l2=f'XAI_KEY = "{XAI}"', l5=f'AGAIN = "{XAI}"'))
    repo.stage("deploy/env.sh", f"export GH_TOKEN={GITHUB}\n")
    code, out, _ = run_staged(repo, capsys, "--format", "json")
    assert code == 1
    document = json.loads(out)
    schema = json.loads(_STAGED_SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(document)
    assert document["schema"] == schema["$id"] == "leakwindow.staged/1"
    assert len(document["findings"]) == 2
    assert sum(len(finding["locations"]) for finding in document["findings"]) == 3
    document["findings"][0]["locations"][0]["undescribed"] = 1
    with pytest.raises(jsonschema.ValidationError, match="undescribed"):
        jsonschema.Draft7Validator(schema).validate(document)


def test_json_findings_say_what_was_found_and_how_bad_it_is(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each finding carries its rule's severity and title, so a reader of the document alone
    can triage it."""
    repo.stage("config/settings.py", f'XAI_KEY = "{XAI}"\n')
    repo.stage("deploy/env.sh", f"export GH_TOKEN={GITHUB}\n")
    code, out, _ = run_staged(repo, capsys, "--format", "json")
    assert code == 1
    by_id = load_rules().by_id
    found = {f["rules"][0]: (f["severity"], f["title"]) for f in json.loads(out)["findings"]}
    assert found == {
        "xai-api-key": (by_id["xai-api-key"].severity, by_id["xai-api-key"].title),
        "github-pat": (by_id["github-pat"].severity, by_id["github-pat"].title),
    }


def test_a_secret_two_rules_match_is_titled_by_the_more_severe_one(tmp_path: Path) -> None:
    """As in the history report: the rules most severe first, the first one's title."""
    from scanner.cli.staged_command import Unsure, _report
    from scanner.hooks.staged import StagedMatch
    from scanner.matches import Match

    pack = load_rules()
    mild = next(rule for rule in pack.rules if rule.severity == "medium")
    matches = [
        StagedMatch("a.py", Match(rule_id, XAI.encode(), line, 1))
        for line, rule_id in enumerate((mild.id, "xai-api-key"), start=1)
    ]
    (finding,) = _report(matches, pack, tmp_path, 10, Unsure("medium", 0))["findings"]
    assert finding["rules"] == ["xai-api-key", mild.id]
    assert (finding["severity"], finding["title"]) == ("critical", pack.by_id["xai-api-key"].title)


def test_staged_help_describes_every_option() -> None:
    """`leakwindow staged --help` (argparse, not typer): a sentence for every option, and
    the names of what options take (FILE, PATH), not argparse's upper-cased dests."""
    done = subprocess.run(
        [sys.executable, "-c", "from scanner.entry import run; run()", "staged", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = "".join(done.stdout.split())
    from scanner.cli.staged_command import _parser

    for action in _parser()._actions:
        assert action.help, f"{action.option_strings or action.dest} has no description"
        assert "".join(action.help.split()) in text
    for option in ("--rules FILE", "--config FILE", "--baseline FILE", "[PATH]"):
        assert option in done.stdout


def test_not_a_work_tree_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main([str(plain)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("leakwindow: error: not a git work tree")


def test_a_malformed_config_is_a_one_line_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".leakwindow.toml", "[paths\nexclude = 1\n")
    repo.stage("a.py", f'K = "{XAI}"\n')
    code, _, err = run_staged(repo, capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert ".leakwindow.toml" in err


def test_a_commit_all_hook_sees_the_temporary_index(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`git commit -a` runs the hook with GIT_INDEX_FILE pointing at a temporary index."""
    repo.commit("a.py", "x = 1\n")
    repo.write("a.py", f'x = "{XAI}"\n')
    index = repo.path / ".git" / "next-index"
    subprocess.run(
        ["git", "read-tree", "HEAD"],
        cwd=repo.path,
        env={**os.environ, "GIT_INDEX_FILE": str(index)},
        check=True,
    )
    subprocess.run(
        ["git", "add", "a.py"],
        cwd=repo.path,
        env={**os.environ, "GIT_INDEX_FILE": str(index)},
        check=True,
    )
    assert run_staged(repo, capsys)[0] == 0  # the real index has nothing staged
    monkeypatch.setenv("GIT_INDEX_FILE", str(index))
    assert run_staged(repo, capsys)[0] == 1


# --- parsing and the rule-pack cache ----------------------------------------------------------


def test_hunk_counts_decide_where_a_file_ends() -> None:
    diff = (
        b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,0 @@\n-++ gone\n-b\n"
        b"@@ -9 +8,2 @@\n-old\n+++ new\n+last\n\\ No newline at end of file\n"
        b"diff --git a/y b/y\n--- /dev/null\n+++ b/y\n@@ -0,0 +1 @@\n+why\n"
    )
    blocks = [(b.path, b.first_line, b.text) for b in added_blocks(diff)]
    assert blocks == [("x", 8, b"++ new\nlast\n"), ("y", 1, b"why\n")]


def _findings(pack: RulePack, text: bytes) -> list[tuple[str, int, int]]:
    diff = b"--- /dev/null\n+++ b/f.py\n@@ -0,0 +1,%d @@\n" % text.count(b"\n")
    diff += b"".join(b"+" + line + b"\n" for line in text.splitlines())
    found, _ = scan_added(diff, Matcher(pack, engine="python"))
    return [(m.match.rule_id, m.match.line, m.match.column) for m in found]


def test_the_cached_pack_finds_exactly_what_the_loaded_pack_finds(tmp_path: Path) -> None:
    fresh = load_pack(Config(), [])
    first = pack_cache.load_pack_cached(Config(), [])  # written to the cache
    cached = pack_cache.load_pack_cached(Config(), [])  # read back from it
    assert list(pack_cache.cache_dir().glob("pack-*.marshal"))
    assert cached.digest == fresh.digest == first.digest
    assert [r.id for r in cached.rules] == [r.id for r in fresh.rules]
    assert [r.pattern for r in cached.rules] == [r.pattern for r in fresh.rules]
    assert isinstance(cached.rules[0].regex, pack_cache.LazyPattern)
    examples = "\n".join(ex for r in fresh.rules for ex in r.examples_match).encode()
    text = examples + f"\nk = {XAI}\n".encode()
    assert _findings(cached, text) == _findings(fresh, text)
    assert _findings(fresh, text)


def test_the_cache_follows_rule_file_changes_and_survives_corruption(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    rule = (
        '[[rule]]\nid = "acme-token"\ntitle = "Acme token"\nseverity = "high"\n'
        "keywords = [\"acme_\"]\npattern = '''(acme_[a-z0-9]{{{n}}})'''\n"
        '[rule.examples]\nmatch = ["acme_{example}"]\n'
    )
    extra.write_text(rule.format(n=8, example="q1w2e3r4"))
    short = pack_cache.load_pack_cached(Config(), [extra])
    assert _findings(short, b"acme_z9y8x7w6\n") == [("acme-token", 1, 1)]
    extra.write_text(rule.format(n=12, example="q1w2e3r4t5y6"))
    longer = pack_cache.load_pack_cached(Config(), [extra])
    assert _findings(longer, b"acme_z9y8x7w6\n") == []
    for entry in pack_cache.cache_dir().glob("pack-*.marshal"):
        entry.write_bytes(b"\x00garbage")
    again = pack_cache.load_pack_cached(Config(), [extra])
    assert again.by_id["acme-token"].pattern == longer.by_id["acme-token"].pattern


# --- start-up cost ------------------------------------------------------------------------

_HEAVY = (
    "scanner.git.log_parse",
    "scanner.scan.engine",
    "scanner.report.html",
    "scanner.verify",
    "httpx",
    # The documents' types and schemas are for checkers and tests, never read by the hook.
    "scanner.report.document",
    "scanner.report.validate",
    "jsonschema",
    # The history types (commits, windows, findings): their dataclasses cost ~6 ms to build.
    "scanner.model",
)
# Needed only to compile a Hyperscan database, which a warm run loads from the cache.
_COMPILE_ONLY = ("scanner.detect.hs_expression",)
_HEAVY_TOP = ("git", "typer", "click", "rich", "jsonschema")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_staged_path_imports_none_of_the_heavy_modules(repo: Repo, fmt: str) -> None:
    """Through the console-script entry, with a finding (the longest path through the code)."""
    repo.stage("a.py", f'K = "{XAI}"\n')
    probe = (
        "import sys\n"
        "from scanner import entry\n"
        f"code = entry.main(['staged', {str(repo.path)!r}, '--format', {fmt!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('scanner.') or '.' not in m)\n"
        "sys.stderr.write(f'\\n{code} ' + ' '.join(loaded))\n"
    )
    for warm in (False, True):  # the first run may compile and cache the rule pack
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True)
        code, loaded = done.stderr.decode().rsplit("\n", 1)[1].split(" ", 1)
        modules = set(loaded.split())
        assert code == "1"  # the finding was reached
        assert "scanner.cli.staged_command" in modules
        assert not modules & set(_HEAVY + _HEAVY_TOP), modules & set(_HEAVY + _HEAVY_TOP)
        if warm:
            assert not modules & set(_COMPILE_ONLY), modules & set(_COMPILE_ONLY)

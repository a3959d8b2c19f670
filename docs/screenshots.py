"""Rebuild the HTML report screenshots in docs/images/ from synthetic repositories.

The project ships no real data, so each picture is of a repository built here with the
scenario builder (scanner.demo, the engine behind `leakwindow fixtures`), shaped like the kind
of repository it stands for:

- big-project: a long-lived project, 900 commits over six years with 580 release tags, and a
  few secrets that stayed exposed for years (a real one of this kind had 66,000 commits; the
  tags and the long windows are what the report has to cope with, not the commit count);
- library: a library with 400 commits, a merged feature branch and 40 tags, whose findings
  include a removed-and-restored key and keys only in tests and docs;
- credential-dump: a repository of leaked credential files, two dozen secrets (five of them
  private keys) committed together and never removed, so they share one exposure window.

Every secret is synthetic: tokens come from scanner.demo's seeded generators and the private
keys are random bytes in PKCS#8 armour. Run with the Python of a venv that has leakwindow and
Playwright, and Chromium at /usr/bin/chromium; it takes about two minutes:

    python docs/screenshots.py            # writes docs/images/report-*.png
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scanner.cli.app import main as leakwindow
from scanner.demo import build_spec, load_spec

IMAGES = Path(__file__).resolve().parent / "images"
CHROMIUM = "/usr/bin/chromium"
AS_OF = "2025-12-31T00:00:00+00:00"
WIDTH = 1400


def _pem(seed: int) -> str:
    body = base64.b64encode(random.Random(seed).randbytes(1200)).decode()
    lines = ["MIIEv" + body[:59], *(body[i : i + 64] for i in range(59, len(body), 64))]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n"


def _toml(value: object) -> str:
    """A TOML value: JSON's string escapes are TOML's, and inline tables are one line."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


class Spec:
    """A scenario spec written step by step, then saved as TOML for the builder."""

    def __init__(self, description: str, seed: int, secrets: dict[str, str]) -> None:
        self.description = description
        self.seed = seed
        self.secrets = secrets
        self.steps: list[dict[str, object]] = []

    def commit(self, when: datetime, message: str, **changes: object) -> None:
        self.steps.append({"do": "commit", "date": when.isoformat(), "message": message, **changes})

    def step(self, do: str, **fields: object) -> None:
        self.steps.append({"do": do, **fields})

    def save(self, path: Path) -> Path:
        lines = [f"description = {_toml(self.description)}", f"seed = {self.seed}", "[secrets]"]
        lines += [f"{name} = {_toml(kind)}" for name, kind in self.secrets.items()]
        for step in self.steps:
            lines.append("[[step]]")
            lines += [f"{key} = {_toml(value)}" for key, value in step.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def big_project() -> Spec:
    spec = Spec(
        "a long-lived project: 900 commits, 580 tags, secrets exposed for years",
        seed=580,
        secrets={"aws_id": "aws-key-id", "aws_secret": "aws-secret", "xai": "xai"},
    )
    spec.secrets.update({"slack": "slack-bot", "github": "github-pat"})
    start = datetime(2019, 1, 7, 9, 0, tzinfo=timezone.utc)
    aws = "AWS_ACCESS_KEY_ID={{secret:aws_id}}\nAWS_SECRET_ACCESS_KEY={{secret:aws_secret}}\n"
    added = {
        60: ("deploy/aws.env", aws),
        200: ("ops/notify.py", 'SLACK_TOKEN = "{{secret:slack}}"\n'),
        420: ("tools/release.py", 'GITHUB_TOKEN = "{{secret:github}}"\n'),
        610: ("config/llm.py", 'XAI_API_KEY = "{{secret:xai}}"\n'),
    }
    removed = {215: "ops/notify.py", 700: "deploy/aws.env", 760: "tools/release.py"}
    tags = 0
    for n in range(900):
        moment = start + timedelta(days=6 * 365 * n / 900, hours=n % 9)
        write = {f"src/core/module_{n % 40:02d}.py": f"VERSION = {n}\n"}
        if n in added:
            write[added[n][0]] = added[n][1]
        changes: dict[str, object] = {"write": write}
        if n in removed:
            changes["delete"] = [removed[n]]
        spec.commit(moment, f"Change {n}", **changes)
        if n % 3 != 1 and tags < 580:  # a release every commit or two, as busy projects tag
            major, rest = divmod(tags, 300)
            spec.step("tag", name=f"v{major + 1}.{rest // 30}.{rest % 30}")
            tags += 1
    return spec


def library() -> Spec:
    spec = Spec(
        "a library: 400 commits, a merged feature branch, keys in tests and docs",
        seed=400,
        secrets={"openai": "openai-project", "anthropic": "anthropic", "stripe": "stripe-live"},
    )
    spec.secrets.update({"fixture": "xai", "docs": "github-pat", "password": "generic-password"})
    start = datetime(2022, 3, 1, 10, 0, tzinfo=timezone.utc)
    for n in range(400):
        moment = start + timedelta(days=n * 3, hours=n % 7)
        write: dict[str, str] = {f"lib/part_{n % 25:02d}.py": f"REVISION = {n}\n"}
        delete: list[str] = []
        if n == 30:
            write["tests/fixtures/client.py"] = 'XAI_API_KEY = "{{secret:fixture}}"\n'
        if n == 45:
            write["docs/quickstart.md"] = 'export GITHUB_TOKEN="{{secret:docs}}"\n'
        if n == 80:
            write["lib/billing.py"] = 'STRIPE_KEY = "{{secret:stripe}}"\n'
        if n == 84:
            delete.append("lib/billing.py")
        if n in (120, 260):  # removed, then restored by a teammate, then removed again
            write["lib/llm.py"] = 'OPENAI_API_KEY = "{{secret:openai}}"\n'
        if n in (150, 300):
            delete.append("lib/llm.py")
        if n == 200:
            write["settings/local.py"] = 'DB_PASSWORD = "{{secret:password}}"\n'
        changes: dict[str, object] = {"write": write}
        if delete:
            changes["delete"] = delete
        spec.commit(moment, f"Work on part {n % 25}", **changes)
        if n == 330:
            spec.step("branch", name="feature/streaming")
            spec.step("checkout", name="feature/streaming")
            spec.commit(
                moment + timedelta(hours=2),
                "Streaming client",
                write={"lib/stream.py": 'ANTHROPIC_API_KEY = "{{secret:anthropic}}"\n'},
            )
            spec.step("checkout", name="main")
            spec.step(
                "merge", branch="feature/streaming", date=(moment + timedelta(days=1)).isoformat()
            )
            spec.step("delete_branch", name="feature/streaming")
        if n % 10 == 9:
            spec.step("tag", name=f"v{n // 100}.{(n % 100) // 10}.0")
    return spec


def credential_dump() -> Spec:
    kinds = ["aws-key-id", "aws-secret", "xai", "github-pat", "slack-bot", "stripe-live"]
    secrets = {f"s{n}": kinds[n % len(kinds)] for n in range(19)}
    spec = Spec("a dump of leaked credential files, all in one commit", seed=23, secrets=secrets)
    when = datetime(2024, 6, 14, 22, 5, tzinfo=timezone.utc)
    write = {f"dump/keys/host-{n:02d}/id_service.pem": _pem(100 + n) for n in range(5)}
    for n, name in enumerate(secrets):
        write[f"dump/env/{kinds[n % len(kinds)]}-{n:02d}.env"] = f"TOKEN={{{{secret:{name}}}}}\n"
    spec.commit(when, "Add collected credentials", write=write)
    spec.commit(when + timedelta(days=2), "Add notes", write={"README.md": "collected\n"})
    return spec


KINDS: dict[str, Callable[[], Spec]] = {
    "big-project": big_project,
    "library": library,
    "credential-dump": credential_dump,
}


# What the findings table of a picture is filtered by (the filter box, as a reader types it).
TABLE_FILTERS = {"credential-dump": ".pem"}


def _screenshot(page_file: Path, name: str) -> list[Path]:
    """The summary and the timeline, as a reader first sees them at a desktop width; for a
    kind in TABLE_FILTERS, also the findings table filtered."""
    from playwright.sync_api import sync_playwright

    images = [IMAGES / f"report-{name}.png"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless"])
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        page.goto(page_file.as_uri())
        bottom = page.eval_on_selector("#timeline", "t => t.getBoundingClientRect().bottom")
        clip = {"x": 0, "y": 0, "width": WIDTH, "height": bottom + 16}
        page.screenshot(path=str(images[0]), clip=clip, full_page=True)
        if name in TABLE_FILTERS:
            page.fill("#findings-filter", TABLE_FILTERS[name])
            images.append(IMAGES / f"report-{name}-table.png")
            page.locator("#findings").screenshot(path=str(images[1]))
        browser.close()
    return images


def rebuild(names: list[str], work: Path) -> None:
    IMAGES.mkdir(exist_ok=True)
    for name in names:
        spec = load_spec(KINDS[name]().save(work / f"{name}.toml"))
        built = build_spec(spec, work / name)
        report = work / f"{name}.html"
        options = ["--as-of", AS_OF, "--no-cache", "--quiet"]
        os.chdir(work)  # the report names the repository as given: its name, not a temp path
        leakwindow(["scan", name, "-f", "html", "-o", str(report), *options])
        for image in _screenshot(report, name):
            print(f"{image} ({len(built.tags)} tags)")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(KINDS)} (default: all)")
    arguments = parser.parse_args()
    unknown = sorted(set(arguments.names) - set(KINDS))
    if unknown:
        parser.error(f"unknown repository kind {unknown[0]!r}")
    return arguments


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="leakwindow-shots-") as directory:
        rebuild(_arguments().names or list(KINDS), Path(directory))

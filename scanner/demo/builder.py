"""Build the synthetic scenario repositories described by `fixtures/*.toml`.

A spec is data: a seed, named synthetic secrets and a list of git steps (commit, branch,
merge, tag, revert, reset, ...). Building it twice, anywhere, gives the same commit SHAs:
identities, dates, file modes, messages and git configuration are all fixed here, and the
user's and system's git configuration are shut out. See fixtures/README.md for the format.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from scanner.demo.tokens import KINDS, make_token, seeded_rng
from scanner.errors import LeakwindowError
from scanner.git import run_git
from scanner.resources import fixtures_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

DEFAULT_AUTHOR = "Dana Developer <dana@example.test>"
MAIN_BRANCH = "main"

_SCENARIO_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# `{{secret:NAME}}`, or `{{secret:NAME|base64}}` for the secret base64-encoded (Kubernetes data).
_SECRET_REFERENCE = re.compile(r"\{\{secret:([^}|]*)(?:\|(base64))?\}\}")
_IDENTITY = re.compile(r"^([^<>]+?) <([^<>\s]+)>$")
_LABEL = re.compile(r"^[A-Za-z0-9_.-]+$")
_REF_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")  # a label, branch or tag name

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

# Which keys each step kind needs and accepts. Every step may carry `do`.
_REQUIRED: dict[str, frozenset[str]] = {
    "commit": frozenset({"date", "message"}),
    "branch": frozenset({"name"}),
    "delete_branch": frozenset({"name"}),
    "checkout": frozenset({"name"}),
    "merge": frozenset({"branch", "date"}),
    "tag": frozenset({"name"}),
    "revert": frozenset({"target", "date"}),
    "reset": frozenset({"to"}),
    "detach": frozenset({"target"}),
    "clone_shallow": frozenset(),
}
_OPTIONAL: dict[str, frozenset[str]] = {
    "commit": frozenset({"label", "author", "author_date", "write", "delete", "rename"}),
    "branch": frozenset({"from"}),
    "delete_branch": frozenset(),
    "checkout": frozenset(),
    "merge": frozenset({"label", "author", "author_date", "message"}),
    "tag": frozenset({"target", "annotated", "date", "message"}),
    "revert": frozenset({"label", "author", "author_date", "message"}),
    "reset": frozenset(),
    "detach": frozenset(),
    "clone_shallow": frozenset({"depth", "since"}),
}
_TOP_LEVEL_KEYS = frozenset({"description", "seed", "secrets", "step"})
# The key that names the commit or ref a step acts on, for the kinds that have one.
_REF_KEY: dict[str, str] = {
    "branch": "from",
    "merge": "branch",
    "tag": "target",
    "revert": "target",
    "reset": "to",
    "detach": "target",
}


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    description: str


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


@dataclass(frozen=True)
class Step:
    """One validated spec step; only the fields its kind (`op`) uses are set."""

    number: int  # 1-based position in the spec, for error messages
    op: str
    label: str | None = None
    name: str | None = None  # branch or tag name
    ref: str | None = None  # `from`, `target`, `to` or the branch to merge: a label or a ref
    message: str | None = None
    date: str | None = None  # git's internal "<epoch> <+hhmm>" form
    author_date: str | None = None
    author: Identity | None = None
    annotated: bool = False
    write: tuple[tuple[str, str], ...] = ()
    delete: tuple[str, ...] = ()
    rename: tuple[tuple[str, str], ...] = ()
    depth: int | None = None
    since: str | None = None  # kept as written: git parses it itself


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    source: Path
    description: str
    seed: int
    secrets: Mapping[str, str]  # secret name -> token kind
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class BuiltFixture:
    """A built scenario: where it is and the names tests use to refer into it.

    `commits` maps each step label to its commit SHA; in a shallow clone, commits beyond the
    boundary keep their label but are absent from the object database. `branches` are local
    branches and `tags` map tag name to the commit it points at (annotated tags peeled).
    """

    name: str
    path: Path
    commits: Mapping[str, str]
    secrets: Mapping[str, str]
    branches: Mapping[str, str]
    tags: Mapping[str, str]
    head: str


# --------------------------------------------------------------------------- spec loading


def spec_path(name: str, specs_dir: Path | None = None) -> Path:
    """The spec file of scenario `name`; LeakwindowError if there is none."""
    directory = specs_dir if specs_dir is not None else fixtures_dir()
    path = directory / f"{name}.toml"
    if not _SCENARIO_NAME.match(name) or not path.is_file():
        known = ", ".join(info.name for info in list_scenarios(directory)) or "none"
        raise LeakwindowError(f"unknown scenario {name!r} (known: {known})")
    return path


def list_scenarios(specs_dir: Path | None = None) -> list[ScenarioInfo]:
    """Every scenario spec shipped (or in `specs_dir`), sorted by name."""
    directory = specs_dir if specs_dir is not None else fixtures_dir()
    infos = []
    for path in sorted(directory.glob("*.toml")):
        data = _read_toml(path)
        description = data.get("description")
        if not isinstance(description, str):
            raise LeakwindowError(f"{path}: 'description' must be a string")
        infos.append(ScenarioInfo(name=path.stem, description=description))
    return infos


def load_spec(path: Path) -> ScenarioSpec:
    """Parse and validate one spec file; every problem is one line naming the file."""
    data = _read_toml(path)
    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        raise LeakwindowError(f"{path}: unknown top-level key {unknown[0]!r}")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip() or "\n" in description:
        raise LeakwindowError(f"{path}: 'description' must be a one-line string")
    seed = data.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise LeakwindowError(f"{path}: 'seed' must be an integer")
    secrets = _parse_secrets(path, data.get("secrets", {}))
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LeakwindowError(f"{path}: needs at least one [[step]]")
    steps = tuple(_parse_step(path, number, raw) for number, raw in enumerate(raw_steps, 1))
    _check_step_order(path, steps, secrets)
    return ScenarioSpec(path.stem, path, description, seed, secrets, steps)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            document: dict[str, Any] = tomllib.load(handle)
            return document
    except OSError as error:
        raise LeakwindowError(f"{path}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise LeakwindowError(f"{path}: invalid TOML: {error}") from None


def _parse_secrets(path: Path, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise LeakwindowError(f"{path}: [secrets] must be a table of name = kind")
    secrets: dict[str, str] = {}
    for name, kind in raw.items():
        if not _SECRET_NAME.match(name):
            raise LeakwindowError(f"{path}: secret name {name!r} must match [A-Za-z0-9_-]+")
        if kind not in KINDS:
            raise LeakwindowError(
                f"{path}: secret {name!r} has unknown kind {kind!r} (known: {', '.join(KINDS)})"
            )
        secrets[name] = kind
    return secrets


def _parse_step(path: Path, number: int, raw: object) -> Step:
    if not isinstance(raw, dict):
        raise LeakwindowError(f"{path}: step {number} must be a table")
    op = raw.get("do")
    if not isinstance(op, str) or op not in _REQUIRED:
        raise LeakwindowError(
            f"{path}: step {number}: 'do' must be one of {', '.join(_REQUIRED)}, got {op!r}"
        )
    where = f"{path}: step {number} ({op})"
    keys = set(raw) - {"do"}
    missing = sorted(_REQUIRED[op] - keys)
    if missing:
        raise LeakwindowError(f"{where}: missing {missing[0]!r}")
    extra = sorted(keys - _REQUIRED[op] - _OPTIONAL[op])
    if extra:
        raise LeakwindowError(f"{where}: unknown key {extra[0]!r}")

    fields = _Fields(where, raw)
    ref_key = _REF_KEY.get(op)
    step = Step(
        number=number,
        op=op,
        label=fields.text("label", _LABEL),
        name=fields.text("name", _REF_NAME),
        ref=fields.text(ref_key, _REF_NAME) if ref_key else None,
        message=fields.text("message"),
        date=fields.date("date"),
        author_date=fields.date("author_date"),
        author=fields.identity("author"),
        annotated=fields.flag("annotated"),
        write=fields.path_map("write", values_are_paths=False),
        delete=fields.path_list("delete"),
        rename=fields.path_map("rename", values_are_paths=True),
        depth=fields.positive_int("depth"),
        since=fields.text("since") if fields.date("since") else None,
    )
    if op == "tag" and step.annotated and step.date is None:
        raise LeakwindowError(f"{where}: an annotated tag needs 'date'")
    if op == "clone_shallow" and (step.depth is None) == (step.since is None):
        raise LeakwindowError(f"{where}: give exactly one of 'depth' or 'since'")
    return step


class _Fields:
    """Typed access to one raw step table, raising one-line errors that name the step."""

    def __init__(self, where: str, raw: Mapping[str, object]) -> None:
        self.where = where
        self.raw = raw

    def _fail(self, key: str, expected: str) -> LeakwindowError:
        return LeakwindowError(f"{self.where}: {key!r} must be {expected}")

    def text(self, key: str, shape: re.Pattern[str] | None = None) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, "a non-empty string")
        if shape is not None and not shape.match(value):
            raise self._fail(key, f"a name matching {shape.pattern}")
        return value

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def positive_int(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self._fail(key, "a positive integer")
        return value

    def date(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        offset = moment.utcoffset() if moment is not None else None
        if moment is None or offset is None:
            raise self._fail(
                key, "an ISO-8601 date with a UTC offset, like 2025-03-02T09:14:00+00:00"
            )
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hours, remainder = divmod(abs(minutes), 60)
        return f"{int(moment.timestamp())} {sign}{hours:02d}{remainder:02d}"

    def identity(self, key: str) -> Identity | None:
        value = self.text(key)
        if value is None:
            return None
        matched = _IDENTITY.match(value)
        if matched is None:
            raise self._fail(key, 'of the form "Name <email>"')
        return Identity(matched.group(1), matched.group(2))

    def path_list(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(key, "a list of paths")
        return tuple(self._checked_path(key, item) for item in value)

    def path_map(self, key: str, *, values_are_paths: bool) -> tuple[tuple[str, str], ...]:
        value = self.raw.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self._fail(key, "a table of path = string")
        return tuple(
            (
                self._checked_path(key, source),
                self._checked_path(key, target) if values_are_paths else target,
            )
            for source, target in value.items()
        )

    def _checked_path(self, key: str, path: str) -> str:
        parts = PurePosixPath(path).parts
        if (
            not parts
            or path.startswith("/")
            or "\\" in path
            or any(part in ("..", ".") for part in parts)
            or parts[0] == ".git"
        ):
            raise self._fail(key, f"made of relative paths inside the repository, not {path!r}")
        return path


def _check_step_order(path: Path, steps: tuple[Step, ...], secrets: Mapping[str, str]) -> None:
    """Checks that need the whole step list: labels, secret references, step placement."""
    if steps[0].op != "commit":
        raise LeakwindowError(f"{path}: step 1 must be a commit (a repository starts empty)")
    labels: set[str] = set()
    for step in steps:
        where = f"{path}: step {step.number} ({step.op})"
        if step.op == "clone_shallow" and step is not steps[-1]:
            raise LeakwindowError(f"{where}: clone_shallow must be the last step")
        if step.op in ("reset", "revert") and step.ref not in labels:
            raise LeakwindowError(f"{where}: {step.ref!r} is not the label of an earlier commit")
        for _, content in step.write:
            for reference, _encoding in _SECRET_REFERENCE.findall(content):
                if reference not in secrets:
                    raise LeakwindowError(
                        f"{where}: {{{{secret:{reference}}}}} is not in [secrets]"
                    )
        if step.label is not None:
            if step.label in labels:
                raise LeakwindowError(f"{where}: label {step.label!r} is used twice")
            labels.add(step.label)


# --------------------------------------------------------------------------- building


def build_scenario(name: str, dest: Path, *, specs_dir: Path | None = None) -> BuiltFixture:
    """Build the shipped scenario `name` (or one from `specs_dir`) as a git repository at `dest`."""
    return build_spec(load_spec(spec_path(name, specs_dir)), dest)


def build_spec(spec: ScenarioSpec, dest: Path) -> BuiltFixture:
    """Build a validated spec at `dest`, which must not exist or be an empty directory."""
    dest = Path(dest).absolute()
    created = _prepare_destination(dest)
    secrets = {
        name: make_token(kind, seeded_rng(spec.seed, spec.name, name))
        for name, kind in spec.secrets.items()
    }
    try:
        final = spec.steps[-1]
        if final.op == "clone_shallow":
            with tempfile.TemporaryDirectory(prefix=f"leakwindow-{spec.name}-") as scratch:
                source = Path(scratch) / "source"
                labels = _RepoBuilder(spec, source, secrets).run(spec.steps[:-1])
                _shallow_clone(spec, final, source, dest)
        else:
            labels = _RepoBuilder(spec, dest, secrets).run(spec.steps)
        return _describe(spec.name, dest, labels, secrets)
    except BaseException:
        _discard(dest, created)
        raise


def _prepare_destination(dest: Path) -> bool:
    """Make sure `dest` is a usable empty directory; return whether it was created here."""
    if dest.exists():
        if not dest.is_dir() or any(dest.iterdir()):
            raise LeakwindowError(f"{dest}: destination must not exist or be an empty directory")
        return False
    try:
        dest.mkdir(parents=True)
    except OSError as error:
        raise LeakwindowError(f"{dest}: cannot create: {error.strerror}") from None
    return True


def _discard(dest: Path, created: bool) -> None:
    """Remove a half-built fixture so a failed build leaves nothing misleading behind."""
    if created:
        shutil.rmtree(dest, ignore_errors=True)
        return
    for child in dest.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _config_env() -> dict[str, str]:
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


def _repo_env(repo: Path) -> dict[str, str]:
    """`_config_env` plus explicit repository locations.

    Pinning these overrides any GIT_DIR/GIT_INDEX_FILE inherited from a calling git hook,
    which would otherwise redirect the builder's commands into the caller's repository.
    """
    git_dir = repo / ".git"
    return {
        **_config_env(),
        "GIT_DIR": str(git_dir),
        "GIT_WORK_TREE": str(repo),
        "GIT_INDEX_FILE": str(git_dir / "index"),
        "GIT_NAMESPACE": "",
    }


class _RepoBuilder:
    """Applies spec steps, in order, to a fresh repository."""

    def __init__(self, spec: ScenarioSpec, repo: Path, secrets: Mapping[str, str]) -> None:
        self.spec = spec
        self.repo = repo
        self.secrets = secrets
        self.labels: dict[str, str] = {}
        self.base_env = _repo_env(repo)
        # Dates for git calls that record one without making a commit (reflog entries).
        self.current_date = next(step.date for step in spec.steps if step.date is not None)

    def run(self, steps: tuple[Step, ...]) -> dict[str, str]:
        self.repo.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--template=", f"--initial-branch={MAIN_BRANCH}")
        for step in steps:
            try:
                self.apply(step)
            except LeakwindowError as error:
                raise LeakwindowError(
                    f"{self.spec.source}: step {step.number} ({step.op}): {error}"
                ) from None
        # A pseudo-ref left by reset/merge would keep abandoned commits reachable.
        self.git("update-ref", "-d", "ORIG_HEAD")
        return self.labels

    def git(self, *args: str, step: Step | None = None) -> str:
        env = dict(self.base_env)
        if step is not None and step.date is not None:
            self.current_date = step.date
        # A step's author is also its committer: people commit their own work here.
        ident = (step.author if step is not None else None) or _identity(DEFAULT_AUTHOR)
        author_date = step.author_date if step is not None and step.author_date else None
        env.update(
            {
                "GIT_AUTHOR_NAME": ident.name,
                "GIT_AUTHOR_EMAIL": ident.email,
                "GIT_COMMITTER_NAME": ident.name,
                "GIT_COMMITTER_EMAIL": ident.email,
                "GIT_AUTHOR_DATE": author_date or self.current_date,
                "GIT_COMMITTER_DATE": self.current_date,
            }
        )
        return run_git(args, self.repo, env=env).decode("utf-8", "replace").strip()

    def commit_of(self, ref: str) -> str:
        """A label's SHA, or what a branch/tag name points at."""
        if ref in self.labels:
            return self.labels[ref]
        try:
            return self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except LeakwindowError:
            raise LeakwindowError(f"{ref!r} is neither a label nor a branch or tag") from None

    def record(self, step: Step) -> None:
        if step.label is not None:
            self.labels[step.label] = self.git("rev-parse", "HEAD")

    def apply(self, step: Step) -> None:
        handlers = {
            "commit": self._do_commit,
            "branch": self._do_branch,
            "delete_branch": self._do_delete_branch,
            "checkout": self._do_checkout,
            "detach": self._do_detach,
            "merge": self._do_merge,
            "tag": self._do_tag,
            "revert": self._do_revert,
            "reset": self._do_reset,
        }
        handlers[step.op](step)

    def _do_commit(self, step: Step) -> None:
        for source, target in step.rename:
            (self.repo / target).parent.mkdir(parents=True, exist_ok=True)  # git mv won't
            self.git("mv", "--", source, target)
        for path in step.delete:
            self.git("rm", "--quiet", "--", path)
        for path, content in step.write:
            self.write_file(path, self.expand(content))
        self.git("add", "--all")
        assert step.message is not None  # guaranteed by validation
        self.git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", step.message, step=step)
        self.record(step)

    def write_file(self, path: str, content: str) -> None:
        target = self.repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
        target.chmod(0o644)  # git records only the executable bit; keep it off everywhere

    def expand(self, content: str) -> str:
        def fill(found: re.Match[str]) -> str:
            value = self.secrets[found.group(1)]
            if found.group(2) == "base64":
                return base64.b64encode(value.encode("utf-8")).decode("ascii")
            return value

        return _SECRET_REFERENCE.sub(fill, content)

    def _do_branch(self, step: Step) -> None:
        assert step.name is not None
        start = self.commit_of(step.ref) if step.ref else "HEAD"
        self.git("branch", "--no-track", step.name, start)

    def _do_delete_branch(self, step: Step) -> None:
        assert step.name is not None
        self.git("branch", "-D", step.name)

    def _do_checkout(self, step: Step) -> None:
        assert step.name is not None
        self.git("checkout", "--quiet", step.name)

    def _do_detach(self, step: Step) -> None:
        assert step.ref is not None
        self.git("checkout", "--quiet", "--detach", self.commit_of(step.ref))

    def _do_merge(self, step: Step) -> None:
        assert step.ref is not None
        message = step.message or f"Merge branch '{step.ref}'"
        self.git("merge", "--quiet", "--no-ff", "--no-edit", "-m", message, step.ref, step=step)
        self.record(step)

    def _do_tag(self, step: Step) -> None:
        assert step.name is not None
        target = self.commit_of(step.ref) if step.ref else self.git("rev-parse", "HEAD")
        if step.annotated:
            message = step.message or f"Release {step.name}"
            self.git("tag", "--annotate", "-m", message, step.name, target, step=step)
        else:
            self.git("tag", step.name, target)

    def _do_revert(self, step: Step) -> None:
        assert step.ref is not None
        target = self.commit_of(step.ref)
        # The message is written here rather than by git, whose wording differs by version.
        subject = self.git("log", "-1", "--format=%s", target)
        message = step.message or f'Revert "{subject}"\n\nThis reverts commit {target}.'
        self.git("revert", "--no-commit", target)
        self.git("commit", "--quiet", "--no-verify", "-m", message, step=step)
        self.record(step)

    def _do_reset(self, step: Step) -> None:
        assert step.ref is not None
        self.git("reset", "--quiet", "--hard", self.commit_of(step.ref))
        # Forget the abandoned commits everywhere except the object database: they become
        # dangling, as after a force-push. gc.auto=0 (scanner.git) keeps them from being pruned.
        self.git("reflog", "expire", "--expire=now", "--expire-unreachable=now", "--all")
        self.git("update-ref", "-d", "ORIG_HEAD")


def _identity(text: str) -> Identity:
    matched = _IDENTITY.match(text)
    assert matched is not None
    return Identity(matched.group(1), matched.group(2))


def _shallow_clone(spec: ScenarioSpec, step: Step, source: Path, dest: Path) -> None:
    """Replace the build with a shallow `file://` clone of it, as a CI checkout would be."""
    # Clone must not see a pinned GIT_DIR (it would clone into it), so only config is pinned.
    args = ["-c", "protocol.file.allow=always", "clone", "--quiet", "--no-single-branch"]
    if step.depth is not None:
        args.append(f"--depth={step.depth}")
    else:
        assert step.since is not None
        args.append(f"--shallow-since={step.since}")
    try:
        run_git([*args, source.as_uri(), str(dest)], dest.parent, env=_config_env())
        # The source is a temporary directory: point origin at a stable, unroutable address.
        origin = f"https://git.example.test/{spec.name}.git"
        run_git(["remote", "set-url", "origin", origin], dest, env=_repo_env(dest))
    except LeakwindowError as error:
        raise LeakwindowError(
            f"{spec.source}: step {step.number} (clone_shallow): {error}"
        ) from None


def _describe(
    name: str, repo: Path, labels: Mapping[str, str], secrets: Mapping[str, str]
) -> BuiltFixture:
    env = _repo_env(repo)
    listing = run_git(
        [
            "for-each-ref",
            "--format=%(refname) %(*objectname) %(objectname)",
            "refs/heads",
            "refs/tags",
        ],
        repo,
        env=env,
    ).decode()
    branches: dict[str, str] = {}
    tags: dict[str, str] = {}
    for line in listing.splitlines():
        refname, *shas = line.split()
        commit = shas[0]  # the peeled commit of an annotated tag comes first when present
        if refname.startswith("refs/heads/"):
            branches[refname.removeprefix("refs/heads/")] = commit
        else:
            tags[refname.removeprefix("refs/tags/")] = commit
    head = run_git(["rev-parse", "HEAD"], repo, env=env).decode().strip()
    return BuiltFixture(name, repo, dict(labels), dict(secrets), branches, tags, head)

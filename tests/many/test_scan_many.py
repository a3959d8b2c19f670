"""`leakwindow scan-many` end to end: a real Dask scheduler and two workers started with the
`dask` command line, repositories served as local paths, file:// URLs and over `git daemon`,
and every repository's findings held to a single `leakwindow scan` of it.

One cluster serves the whole module (starting it is the expensive part); the test that kills
a worker runs last, and the nanny brings that worker back anyway.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")

from cluster_support import DASK, HoldingRelay, dask_cluster, git_daemon
from git_builders import AS_OF, PYTHON_ENGINE, GitRepo, scan
from hostile_support import leakwindow

from scanner.cli.app import main
from scanner.demo import build_scenario
from scanner.many.sources import parse_source

pytestmark = pytest.mark.skipif(not DASK.is_file(), reason="the dask command is not installed")


@dataclass(frozen=True)
class Served:
    base: Path  # the repositories, also git daemon's base path
    port: int  # git daemon's
    scheduler_file: Path

    def path(self, name: str) -> Path:
        return self.base / name

    def git_url(self, name: str, port: int | None = None) -> str:
        return f"git://127.0.0.1:{port or self.port}/{name}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("served")
    build_scenario("incident", base / "incident")
    build_scenario("never-removed", base / "never")
    build_scenario("multi-secret", base / "multi")
    clean = GitRepo(base / "clean")
    clean.write("README.md", "nothing to see\n")
    clean.commit("readme")
    with (
        git_daemon(base) as port,
        dask_cluster(tmp_path_factory.mktemp("dask")) as scheduler_file,
    ):
        yield Served(base, port, scheduler_file)


def scan_many(out: Path, mirrors: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """`leakwindow scan-many ARGS` in this process: exit code and the index it wrote."""
    options = ("--output", str(out), "--mirror-dir", str(mirrors), "--as-of", AS_OF)
    code = main(["scan-many", *args, *options, *PYTHON_ENGINE, "--quiet"])
    return code, json.loads((out / "index.json").read_text())


def essence(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a report says about each secret: which, where, how long, reachable from what."""
    return sorted(
        (
            found["fingerprint"],
            tuple(found["rules"]),
            found["severity"],
            tuple(
                (w["ref"], w["opened"]["sha"], w["closed"] and w["closed"]["sha"], w["days"])
                for w in found["windows"]
            ),
            found["in_head"],
            tuple(found["reachable_from"]),
            found["dangling"],
            tuple((p["commit"], p["path"], p["line"]) for p in found["locations"]),
        )
        for found in report["findings"]
    )


def entries(index: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert index["schema"] == "leakwindow.report-set/1"
    return {entry["source"]: entry for entry in index["repositories"]}


def report_of(out: Path, entry: dict[str, Any]) -> dict[str, Any]:
    assert re.fullmatch(r"reports/[A-Za-z0-9._-]+\.json", entry["report"]), entry["report"]
    report: dict[str, Any] = json.loads((out / entry["report"]).read_text())
    return report


def test_a_cluster_scans_paths_file_urls_and_git_daemon_like_single_scans(
    served: Served, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-such-repository")
    sources = {
        "incident": str(served.path("incident")),
        "never": f"file://{served.path('never')}",
        "multi": served.git_url("multi"),
    }
    code, index = scan_many(
        tmp_path / "out",
        tmp_path / "mirrors",
        *sources.values(),
        missing,
        "--scheduler-file",
        str(served.scheduler_file),
        "--format",
        "sarif",
    )
    assert code == 1  # failing findings, whatever else failed
    found = entries(index)
    assert [e["source"] for e in index["repositories"]] == [*sources.values(), missing]
    assert found[missing]["status"] == "error"
    assert "no such directory" in found[missing]["error"]
    assert found[missing]["report"] is None
    for name, source in sources.items():
        entry = found[source]
        assert entry["status"] == "ok", entry
        report = report_of(tmp_path / "out", entry)
        assert report["scan"]["target"] == source
        _, single = scan(served.path(name), tmp_path, *PYTHON_ENGINE)
        assert essence(report) == essence(single), name
        assert report["findings"], name  # every scenario here plants a secret
        assert entry["summary"]["findings"] == len(report["findings"])
        sarif = json.loads((tmp_path / "out" / entry["sarif"]).read_text())
        assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    # Remote sources were mirrored; the local path was scanned where it is.
    assert len(list((tmp_path / "mirrors").glob("*.git"))) == 2
    if importlib.util.find_spec("scanner.many.dashboard") is not None:  # the dashboard's own
        assert (tmp_path / "out" / "index.html").is_file()  # tests check what it shows
        assert (tmp_path / "out" / "summary.md").is_file()


def test_a_failed_source_without_failing_findings_exits_3(served: Served, tmp_path: Path) -> None:
    clean = str(served.path("clean"))
    cluster = ("--scheduler", _address(served))
    code, index = scan_many(tmp_path / "a", tmp_path / "m", clean, *cluster)
    assert code == 0 and entries(index)[clean]["summary"]["findings"] == 0
    code, index = scan_many(tmp_path / "b", tmp_path / "m", clean, "no/such/path", *cluster)
    assert code == 3
    assert [e["status"] for e in index["repositories"]] == ["ok", "error"]


def test_a_scan_past_its_memory_limit_is_an_error(served: Served, tmp_path: Path) -> None:
    clean = str(served.path("clean"))
    cluster = ("--scheduler", _address(served))
    code, index = scan_many(tmp_path / "out", tmp_path / "m", clean, "--max-memory", "40", *cluster)
    assert code == 3
    assert index["repositories"][0]["error"] == "out of memory (--max-memory 40 MB)"
    code, index = scan_many(
        tmp_path / "out", tmp_path / "m", clean, "--max-memory", "2000", *cluster
    )
    assert code == 0


def test_a_rerun_skips_unchanged_repositories_and_retries_failed_ones(
    served: Served, tmp_path: Path
) -> None:
    changing = GitRepo(tmp_path / "changing")
    changing.write("a.txt", "one\n")
    changing.commit("one")
    later = tmp_path / "later"  # missing on the first run
    sources = [str(served.path("incident")), str(changing.path), str(later)]
    cluster = ("--scheduler-file", str(served.scheduler_file))
    out = tmp_path / "out"
    code, first = scan_many(out, tmp_path / "m", *sources, *cluster)
    assert code == 1
    assert [e["status"] for e in first["repositories"]] == ["ok", "ok", "error"]
    written = {
        s: (out / e["report"]).stat().st_mtime_ns for s, e in entries(first).items() if e["report"]
    }

    build_scenario("never-removed", later)  # the failed source can be scanned now
    changing.write("a.txt", "two\n")
    changing.commit("two")
    code, second = scan_many(out, tmp_path / "m", *sources, *cluster)
    again = entries(second)
    assert code == 1
    assert again[sources[0]].get("reused") is True  # unchanged: not scanned again
    assert (out / again[sources[0]]["report"]).stat().st_mtime_ns == written[sources[0]]
    assert again[sources[1]].get("reused") is None  # a new commit: scanned again
    assert report_of(out, again[sources[1]])["scan"]["stats"]["commits"] == 2
    assert again[str(later)]["status"] == "ok"  # failed last time: tried again

    code, third = scan_many(out, tmp_path / "m", *sources, *cluster)
    assert all(entry.get("reused") for entry in third["repositories"])
    assert [e["summary"] for e in third["repositories"]] == [
        e["summary"] for e in second["repositories"]
    ]


def test_the_default_local_cluster(served: Served, tmp_path: Path) -> None:
    clean, never = str(served.path("clean")), f"file://{served.path('never')}"
    code, index = scan_many(tmp_path / "out", tmp_path / "m", clean, never, "--workers", "1")
    assert code == 1
    report = report_of(tmp_path / "out", entries(index)[never])
    _, single = scan(served.path("never"), tmp_path, *PYTHON_ENGINE)
    assert essence(report) == essence(single)


def test_a_task_past_its_timeout_is_reported_and_the_rest_go_on(
    served: Served, tmp_path: Path
) -> None:
    # Never released: the clone waits for ever. The limit leaves the clean scan room on a
    # loaded machine.
    relay = HoldingRelay(served.port)
    held, clean = served.git_url("multi", relay.port), str(served.path("clean"))
    out = tmp_path / "out"
    try:  # in a child process: a timeout that does not work must not hang the suite
        run = leakwindow(
            "scan-many",
            held,
            clean,
            "--timeout",
            "5",
            "--retries",
            "0",
            "--scheduler",
            _address(served),
            "--output",
            str(out),
            "--mirror-dir",
            str(tmp_path / "m"),
            "--as-of",
            AS_OF,
            *PYTHON_ENGINE,
            "--quiet",
            seconds=30,
        )
    finally:
        relay.close()
    assert run.code == 3, run.stderr
    found = entries(json.loads((out / "index.json").read_text()))
    assert found[held]["status"] == "error"
    assert "did not finish in 5 s" in found[held]["error"]
    assert found[clean]["status"] == "ok"


def test_verify_checks_each_key_from_the_workers_at_the_runs_rate(
    served: Served, tmp_path: Path
) -> None:
    """--verify on a cluster: the key is checked from the worker's scan, and each task gets
    its share of the run's per-host rate (two slots here), so N workers do not send a
    provider N times what one scan would."""
    from distributed import Client
    from fake_provider import LIVE_JSON, FakeProvider

    from scanner.cli.many_command import _verify_settings, shared_out
    from scanner.many.run import scan_all
    from scanner.many.task import Outcome, Settings

    fx = build_scenario("incident", tmp_path / "incident")
    key = fx.secrets["xai"]
    outcomes: list[Outcome] = []
    with FakeProvider() as fake:
        fake.respond(key, LIVE_JSON)
        asked = {**_verify_settings(8.0), "host_overrides": {"api.x.ai": fake.base_url}}
        settings = shared_out(Settings(as_of=AS_OF, engine="python", verify=asked), 2)
        assert settings.verify is not None and settings.verify["per_host_per_second"] == 4.0
        with Client(scheduler_file=str(served.scheduler_file), timeout=30) as client:
            scan_all(client, [parse_source(str(fx.path))], settings, {}, 0, outcomes.append)
        assert len(fake.seen_with(key)) == 1
    (outcome,) = outcomes
    assert outcome.status == "ok", outcome.error
    assert outcome.report is not None
    (finding,) = outcome.report["findings"]
    assert finding["verification"]["status"] == "live"
    assert outcome.report["summary"]["live"] == 1


def test_a_worker_killed_mid_task_loses_nothing(served: Served, tmp_path: Path) -> None:
    """The task is held inside its fetch while the worker running it is killed: the
    scheduler gives it to another worker (no Dask retry asked for), and it completes."""
    from distributed import Client

    relay = HoldingRelay(served.port)
    held = served.git_url("multi", relay.port)
    out = tmp_path / "out"
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scanner.entry",
            "scan-many",
            held,
            str(served.path("incident")),
            "--scheduler-file",
            str(served.scheduler_file),
            "--retries",
            "0",
            "--output",
            str(out),
            "--mirror-dir",
            str(tmp_path / "m"),
            "--as-of",
            AS_OF,
            *PYTHON_ENGINE,
            "--quiet",
        ],
        stderr=subprocess.PIPE,
    )
    try:
        with Client(scheduler_file=str(served.scheduler_file), timeout="30s") as client:
            task = parse_source(held).key
            deadline = time.monotonic() + 30
            running_it: list[str] = []
            while not running_it or relay.held < 1:
                assert time.monotonic() < deadline, "the held task never started"
                time.sleep(0.05)
                running_it = [
                    worker
                    for worker, keys in client.processing().items()
                    if any(str(key).endswith(task) for key in keys)
                ]
            pid = client.run(os.getpid, workers=running_it)[running_it[0]]
            relay.release()  # new connections go through; the held one stays held
            os.kill(pid, signal.SIGKILL)
            _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
        relay.close()
    assert run.returncode == 1, stderr.decode()
    index = json.loads((out / "index.json").read_text())
    entry = entries(index)[held]
    assert entry["status"] == "ok", entry
    _, single = scan(served.path("multi"), tmp_path, *PYTHON_ENGINE)
    assert essence(report_of(out, entry)) == essence(single)


def _address(served: Served) -> str:
    address: str = json.loads(served.scheduler_file.read_text())["address"]
    return address

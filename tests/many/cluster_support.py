"""Real services for the scan-many tests: a Dask scheduler and workers started as the
`dask` command line starts them, a `git daemon` on the loopback interface, and a TCP relay in
front of it that holds connections until told to let them through (to keep a task busy while
a test kills the worker running it)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

DASK = Path(sys.executable).parent / "dask"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def dask_cluster(directory: Path, workers: int = 2) -> Iterator[Path]:
    """`dask scheduler` and `workers` x `dask worker --nthreads 1` on the loopback
    interface; yields the scheduler file once every worker has joined."""
    scheduler_file = directory / "scheduler.json"
    common = ["--no-dashboard"]
    started = [
        subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                *common,
                "--scheduler-file",
                str(scheduler_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        for _ in range(workers):
            started.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        "--scheduler-file",
                        str(scheduler_file),
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        *common,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        from distributed import Client

        deadline = time.monotonic() + 60
        while not scheduler_file.is_file():
            assert time.monotonic() < deadline, "the scheduler wrote no scheduler file"
            time.sleep(0.05)
        with Client(scheduler_file=str(scheduler_file), timeout="30s") as client:
            client.wait_for_workers(workers, timeout=60)
        yield scheduler_file
    finally:
        for process in reversed(started):
            _stop(process)


@contextlib.contextmanager
def git_daemon(base: Path) -> Iterator[int]:
    """`git daemon` serving every repository under `base` on a loopback port; the port."""
    port = free_port()
    process = subprocess.Popen(
        [
            "git",
            "daemon",
            "--export-all",
            "--reuseaddr",
            f"--base-path={base}",
            "--listen=127.0.0.1",
            f"--port={port}",
            str(base),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_port(port)
        yield port
    finally:
        _stop(process)


class HoldingRelay:
    """Accepts connections on a loopback port and holds each one, unanswered, until
    `release()`; from then on connections are relayed to `target_port`. Held ones are closed
    on release: the client that made them is gone by then."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.released = threading.Event()
        self.held = 0
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self._server.settimeout(0.2)
        self.port: int = self._server.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(5)
        self._server.close()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            if self.released.is_set():
                for held in self._held:
                    held.close()
                self._held.clear()
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            if not self.released.is_set():
                self.held += 1
                self._held.append(connection)
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for one, other in ((connection, upstream), (upstream, connection)):
                threading.Thread(target=_pump, args=(one, other), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)

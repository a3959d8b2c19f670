"""A scriptable fake forge API (GitHub or GitLab REST): a threaded HTTP server on 127.0.0.1.

Tests script the replies to each request target (path and query, exactly as the client sends
it), in turn, the last one repeating; any other target gets a 404. Afterwards they read what
the client sent: every target and its headers, in order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"[]"
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False  # no Content-Length: the size is known only once read


def json_reply(document: object, status: int = 200, **headers: str) -> Reply:
    """A JSON reply; header names are given with underscores for hyphens."""
    named = tuple((name.replace("_", "-"), value) for name, value in headers.items())
    return Reply(status, json.dumps(document).encode(), named)


@dataclass(frozen=True)
class Request:
    target: str  # path and query as sent
    headers: dict[str, str]  # names lower-cased


class FakeForge:
    """Use as a context manager; `base_url` is the server's own origin."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Reply]] = {}
        self._requests: list[Request] = []
        self._server = self._build_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def respond(self, target: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts[target] = list(replies)

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    @property
    def targets(self) -> list[str]:
        return [request.target for request in self.requests]

    def __enter__(self) -> FakeForge:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _reply_to(self, target: str) -> Reply:
        with self._lock:
            script = self._scripts.get(target)
            if not script:
                return json_reply({"message": "Not Found"}, 404)
            return script.pop(0) if len(script) > 1 else script[0]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            self._requests.append(Request(handler.path, headers))
        reply = self._reply_to(handler.path)
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers:
                handler.send_header(name, value)
            if reply.chunked:
                handler.send_header("Transfer-Encoding", "chunked")
                handler.end_headers()
                for start in range(0, len(reply.body), 4096):
                    chunk = reply.body[start : start + 4096]
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                handler.wfile.write(b"0\r\n\r\n")
            else:
                handler.send_header("Content-Length", str(len(reply.body)))
                handler.end_headers()
                handler.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (a page too large): nothing more to send

    def _build_server(self) -> ThreadingHTTPServer:
        forge = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                forge._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        return Server(("127.0.0.1", 0), Handler)


@contextmanager
def running() -> Iterator[FakeForge]:
    with FakeForge() as forge:
        yield forge

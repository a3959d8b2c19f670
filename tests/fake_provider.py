"""A scriptable fake credential provider: a threaded HTTP(S) server on 127.0.0.1.

Tests script replies per presented credential (live, revoked, rate limited, garbage, slow,
redirecting) and then inspect what the verifier actually sent: every request's Host header,
path, a hash of the credential and of the Authorization header, its arrival time, and the
largest number of requests that were in flight at once.
"""

from __future__ import annotations

import base64
import hashlib
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from scanner.verify import sigv4


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0  # held before answering (released early when the server stops)


LIVE_JSON = Reply(200, b'{"name": "ci-key", "acls": ["api-key:model:*"]}')
REVOKED = Reply(401, b'{"error": "invalid api key"}')


@dataclass(frozen=True)
class Seen:
    """One request as the provider saw it (credentials only as hashes)."""

    host: str
    method: str
    path: str
    credential_hash: str
    authorization_hash: str
    at: float  # time.monotonic() on arrival


@dataclass(frozen=True)
class SigV4Key:
    key_id: str
    secret: str
    region: str


def _presented_credential(handler: BaseHTTPRequestHandler) -> str:
    """The credential a request carries, wherever the rule put it."""
    authorization = handler.headers.get("Authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme == "Bearer":
        return value
    if scheme == "Basic":
        return base64.b64decode(value).decode("utf-8").partition(":")[2]
    if scheme == sigv4.ALGORITHM:
        return value.split("Credential=", 1)[1].split("/", 1)[0]
    if handler.headers.get("x-api-key"):
        return str(handler.headers["x-api-key"])
    keys = parse_qs(urlsplit(handler.path).query).get("key")
    return keys[0] if keys else ""


class FakeProvider:
    """Use as a context manager; `base_url` is what tests put in `host_overrides`."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._scripts: dict[str, list[Reply]] = {}
        self._sigv4_keys: dict[str, SigV4Key] = {}
        self._seen: list[Seen] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self.default = Reply(401, b'{"error": "unknown credential"}')
        self._server = self._build_server()
        # A short poll interval keeps shutdown (and so each test) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- scripting ---------------------------------------------------------------------------

    def respond(self, credential: str, *replies: Reply) -> None:
        """Answer requests presenting `credential` with `replies` in turn; the last repeats."""
        with self._lock:
            self._scripts[credential] = list(replies)

    def accept_sigv4(self, key: SigV4Key) -> None:
        """Check SigV4 signatures made with this key pair; a bad one gets STS's 403."""
        with self._lock:
            self._sigv4_keys[key.key_id] = key

    # --- inspection --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._max_in_flight

    def seen_with(self, credential: str) -> list[Seen]:
        return [s for s in self.seen if s.credential_hash == digest(credential)]

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- serving -----------------------------------------------------------------------------

    def _next_reply(self, credential: str) -> Reply:
        with self._lock:
            script = self._scripts.get(credential)
            if not script:
                return self.default
            return script.pop(0) if len(script) > 1 else script[0]

    def _enter(self, seen: Seen) -> None:
        with self._lock:
            self._seen.append(seen)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _signature_ok(self, handler: BaseHTTPRequestHandler, payload: bytes) -> bool:
        authorization = handler.headers.get("Authorization", "")
        key_id = _presented_credential(handler)
        key = self._sigv4_keys.get(key_id)
        if key is None or not authorization.startswith(sigv4.ALGORITHM):
            return False
        fields = dict(
            part.strip().split("=", 1) for part in authorization[len(sigv4.ALGORITHM) :].split(",")
        )
        names = fields["SignedHeaders"].split(";")
        if "host" not in names or "x-amz-date" not in names:
            return False
        headers = {name: handler.headers.get(name, "") for name in names}
        host = handler.headers["Host"]
        expected = sigv4.sign_request(
            method=handler.command,
            url=f"https://{host}{handler.path}",
            headers={n: v for n, v in headers.items() if n not in ("host", "x-amz-date")},
            payload=payload,
            access_key_id=key.key_id,
            secret_access_key=key.secret,
            region=key.region,
            service=host.split(".", 1)[0],
            amz_date=headers["x-amz-date"],
        )
        return expected["Authorization"] == authorization

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        payload = handler.rfile.read(length) if length else b""
        credential = _presented_credential(handler)
        self._enter(
            Seen(
                host=handler.headers.get("Host", ""),
                method=handler.command,
                path=urlsplit(handler.path).path,
                credential_hash=digest(credential),
                authorization_hash=digest(handler.headers.get("Authorization", "")),
                at=time.monotonic(),
            )
        )
        try:
            reply = self._next_reply(credential)
            if credential in self._sigv4_keys and not self._signature_ok(handler, payload):
                reply = Reply(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
            if reply.delay_s:
                self._stopping.wait(reply.delay_s)
            handler.send_response(reply.status)
            for name, value in reply.headers:
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)
        except OSError:
            pass  # the verifier gave up (timeout, budget): nothing to answer
        finally:
            self._leave()

    def _build_server(self) -> ThreadingHTTPServer:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                provider._handle(self)

            def do_POST(self) -> None:
                provider._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients that hang up early (timeouts, TLS refusals) are expected

        server = Server(("127.0.0.1", 0), Handler)
        if self._tls is not None:
            server.socket = self._tls.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        return server


@contextmanager
def running(tls: ssl.SSLContext | None = None) -> Iterator[FakeProvider]:
    with FakeProvider(tls) as provider:
        yield provider


@pytest.fixture
def cli_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """A fake provider for every fictional host, wired into the command line's settings."""
    import scanner.cli.app
    from scanner.verify import VerifySettings

    with FakeProvider() as fake:

        def settings(*_: Any) -> VerifySettings:
            hosts = ("api", "query", "pair")
            return VerifySettings(
                timeout_s=2.0,
                retries=0,
                host_overrides={f"{host}.fake-provider.test": fake.base_url for host in hosts},
            )

        monkeypatch.setattr(scanner.cli.app, "_verify_settings", settings)
        yield fake

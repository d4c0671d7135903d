"""A scriptable fake Prometheus HTTP API on loopback: what the real server will not do on demand.

Each request to ``/api/v1/query`` or ``/api/v1/query_range`` takes the next
`Reply` of the script (the last one repeats): any status, a JSON document or
raw bytes (non-JSON, a 5 MiB body), a delay (a hang past the client's
timeout), a slow drip of the body. Every request is recorded (method, path,
parameters — from the URL or the form body — and headers) so tests can check
what the client sent, e.g. the evaluation time and the credentials.

Hung handlers are released when the server closes, so teardown is quick.
"""

from __future__ import annotations

import json
import math
import ssl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "FakePrometheus",
    "Reply",
    "Request",
    "error",
    "fake_prometheus",
    "matrix",
    "scalar",
    "vector",
]


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    delay: float = 0.0
    drip: float = 0.0
    """Seconds between 1 KiB pieces of the body (a slow server that keeps talking)."""
    headers: dict[str, str] = field(default_factory=dict)
    length: bool = True
    """Send Content-Length; without it the body ends when the connection closes."""

    def payload(self) -> bytes:
        """The bytes to send."""
        if self.body is not None:
            return self.body
        return json.dumps(self.json if self.json is not None else vector(1.0)).encode()


@dataclass(frozen=True)
class Request:
    """What the client sent."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    url_query: str = ""
    """The raw query string of the URL (empty when everything came in the body)."""


def vector(
    *values: float | str, labels: Sequence[dict[str, str]] = (), warnings: Sequence[str] = ()
) -> dict[str, Any]:
    """A success envelope with an instant vector (one series per value)."""
    result = [
        {"metric": labels[i] if i < len(labels) else {}, "value": [1714521600, _text(v)]}
        for i, v in enumerate(values)
    ]
    return _success("vector", result, warnings)


def scalar(value: float | str) -> dict[str, Any]:
    """A success envelope with a scalar."""
    return _success("scalar", [1714521600, _text(value)], ())


def matrix(*series: Sequence[float | str]) -> dict[str, Any]:
    """A success envelope with a matrix: one series per sequence of values, 15 s apart."""
    result = [
        {
            "metric": {"i": str(i)},
            "values": [[1714521600 + 15 * j, _text(v)] for j, v in enumerate(values)],
        }
        for i, values in enumerate(series)
    ]
    return _success("matrix", result, ())


def error(error_type: str, message: str) -> dict[str, Any]:
    """An error envelope as Prometheus sends it with 400/422/503."""
    return {"status": "error", "errorType": error_type, "error": message}


def _success(kind: str, result: Any, warnings: Sequence[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"status": "success", "data": {"resultType": kind, "result": result}}
    if warnings:
        doc["warnings"] = list(warnings)
    return doc


def _text(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return "NaN" if math.isnan(value) else ("+Inf" if value == float("inf") else repr(value))


class FakePrometheus:
    """The server; use `fake_prometheus()` to run one. `tls` = (certificate, key) serves HTTPS."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.requests: list[Request] = []
        self._script: list[Reply] = [Reply()]
        self._lock = threading.Lock()
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.scheme = "https" if tls else "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)

    @property
    def url(self) -> str:
        """Base URL of the fake."""
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with `replies` in order; the last one repeats."""
        with self._lock:
            self._script = list(replies) or [Reply()]

    def next_reply(self) -> Reply:
        """The reply for the request being served."""
        with self._lock:
            return self._script.pop(0) if len(self._script) > 1 else self._script[0]


def _handler(fake: FakePrometheus) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self._serve(parse_qs(urlsplit(self.path).query))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(parse_qs(self.rfile.read(length).decode()))

        def _serve(self, params: dict[str, list[str]]) -> None:
            fake.requests.append(
                Request(
                    method=self.command,
                    path=urlsplit(self.path).path,
                    params={k: v[-1] for k, v in params.items()},
                    headers=dict(self.headers.items()),
                    url_query=urlsplit(self.path).query,
                )
            )
            reply = fake.next_reply()
            if reply.delay and fake.released.wait(reply.delay):
                return
            body = reply.payload()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                if reply.length:
                    self.send_header("Content-Length", str(len(body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self._write(body, reply.drip)
            except (BrokenPipeError, ConnectionResetError):
                return

        def _write(self, body: bytes, drip: float) -> None:
            if not drip:
                self.wfile.write(body)
                return
            for i in range(0, len(body), 1024):
                if fake.released.wait(drip):
                    return
                self.wfile.write(body[i : i + 1024])
                self.wfile.flush()

    return Handler


@contextmanager
def fake_prometheus(tls: tuple[Path, Path] | None = None) -> Iterator[FakePrometheus]:
    """Run a fake on a free loopback port for the duration of the block."""
    fake = FakePrometheus(tls)
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.released.set()
        fake.server.shutdown()
        fake.server.server_close()
        thread.join(timeout=5)

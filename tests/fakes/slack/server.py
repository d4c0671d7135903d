"""A Slack-compatible incoming-webhook receiver on 127.0.0.1, scriptable per request.

Records every request (path, headers, raw body, parsed JSON, shape problems)
and answers from a script: ``200 ok`` by default, or any ``Answer`` —
``400 invalid_blocks``, ``429`` with ``Retry-After``, ``500``, a redirect, or a
hang (held until released or the server closes). Requests to ``/services/…``
are validated as Slack would (``validate.problems``) and refused with
``400 invalid_blocks`` when malformed; other paths are plain JSON webhooks.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fakes.slack.validate import problems

__all__ = ["Answer", "Captured", "SlackReceiver"]


@dataclass(frozen=True)
class Answer:
    """One scripted response; ``hang`` holds the request that many seconds first."""

    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after: int) -> Answer:
        return cls(429, "rate_limited", {"Retry-After": str(retry_after)})

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Answer:
        return cls(status, "", {"Location": location})


@dataclass(frozen=True)
class Captured:
    """One request as received."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    json: Any
    problems: tuple[str, ...]
    answered: int


class SlackReceiver:
    """The server; use as a context manager or call ``close``."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        """Listen on a free loopback port; with ``tls`` (cert, key), speak HTTPS."""
        self.requests: list[Captured] = []
        self.arrived = 0
        self._script: deque[Answer] = deque()
        self._lock = threading.Condition()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def host_port(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def url(self, path: str = "/services/T000/B000/XXXXXXXX") -> str:
        return f"{self.scheme}://{self.host_port}{path}"

    def script(self, *answers: Answer) -> None:
        """Answer the next requests with ``answers`` in order, then ``200 ok``."""
        with self._lock:
            self._script.extend(answers)

    def reset(self) -> None:
        """Drop unused scripted answers and let hanging requests go; later hangs hang again."""
        with self._lock:
            self._script.clear()
        self._release.set()
        self._release = threading.Event()

    def release(self) -> None:
        """Let hanging requests go."""
        self._release.set()

    def wait_arrived(self, count: int, timeout: float = 10.0) -> int:
        """Block until ``count`` requests have arrived (answered or still hanging)."""
        with self._lock:
            self._lock.wait_for(lambda: self.arrived >= count, timeout=timeout)
            return self.arrived

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Captured]:
        """Block until ``count`` requests have been answered (or time out)."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
            return list(self.requests)

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> SlackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next(self) -> Answer:
        with self._lock:
            return self._script.popleft() if self._script else Answer()

    def _record(self, captured: Captured) -> None:
        with self._lock:
            self.requests.append(captured)
            self._lock.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._respond(self, "POST", raw)

            def do_GET(self) -> None:
                receiver._respond(self, "GET", b"")

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reads ``requests`` instead."""

        return Handler

    def _respond(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes) -> None:
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        with self._lock:
            self.arrived += 1
            self._lock.notify_all()
        slack = handler.path.startswith("/services/")
        found = tuple(problems(parsed)) if slack and method == "POST" else ()
        answer = Answer(400, "invalid_blocks") if found else self._next()
        if answer.hang:
            self._release.wait(answer.hang)
        self._record(
            Captured(method, handler.path, dict(handler.headers), raw, parsed, found, answer.status)
        )
        try:
            body = answer.body.encode()
            handler.send_response(answer.status)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "text/plain; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout test); nothing to answer

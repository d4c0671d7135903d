"""``/metrics``, ``/healthz`` and ``/readyz`` over plain HTTP, one small server per port.

``/healthz`` answers 200 while the process serves at all (the liveness
probe restarts a wedged pod); ``/readyz`` answers 200 once every watch has
delivered its first list and the workers run, 503 before (and, in part 2,
reflects leadership). ``/metrics`` is the Prometheus text exposition of the
default registry: the controller's metrics and notify's. Nothing served
here names a rollout, a Secret or a URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

__all__ = ["Endpoints", "Route"]

Route = Callable[[], tuple[int, str, bytes]]
"""``() -> (status, content type, body)``."""


def metrics_route() -> tuple[int, str, bytes]:
    """The Prometheus exposition."""
    return 200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY)


def probe(check: Callable[[], bool], name: str) -> Route:
    """A probe route: 200 ``ok`` when `check()` holds, else 503."""

    def route() -> tuple[int, str, bytes]:
        ok = check()
        return (
            (200 if ok else 503),
            "text/plain; charset=utf-8",
            (b"ok\n" if ok else f"{name} not ready\n".encode()),
        )

    return route


class Endpoints:
    """HTTP servers on loopback or all interfaces, each serving some routes."""

    def __init__(self) -> None:
        self._servers: list[ThreadingHTTPServer] = []

    def serve(self, *, host: str, port: int, routes: dict[str, Route]) -> int:
        """Serve `routes` on `port` (0: any free port); returns the port bound."""
        table = dict(routes)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = table.get(self.path.split("?", 1)[0])
                status, kind, body = route() if route else (404, "text/plain", b"not found\n")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return  # NB: probes every few seconds would drown the logs

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name=f"http-{port}", daemon=True).start()
        self._servers.append(server)
        return int(server.server_address[1])

    def stop(self) -> None:
        """Shut every server down."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

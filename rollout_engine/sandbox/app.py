"""The sandbox's service: one version of a small HTTP app, run as its own process.

    python -m rollout_engine.sandbox.app --port 21001 --version v2 \\
        --error-rate 0.03 --latency-median-ms 20 --latency-sigma 0.5 \\
        --tail-share 0.05 --tail-factor 3

Every request other than ``/metrics`` and ``/healthz`` is answered after a
latency drawn from the version's :class:`~.behaviour.Behaviour`, with status
500 at the configured error rate, and the header ``X-Sandbox-Version``
naming the version (so a client counts who served it, independently of what
the router claims).

Metrics on ``/metrics`` (prometheus_client, own registry):

- ``http_requests_total{code}`` — requests by status code;
- ``http_request_duration_seconds`` — a histogram with buckets dense around
  the ms-scale latencies the sandbox uses;
- ``sandbox_app_info{version}`` — 1, names the build.

**Version identity in queries** comes from Prometheus *target* labels, not
from the app: the supervisor registers each process with ``track``
(``stable`` or ``candidate``: its role in the rollout) and ``version`` (the
build name) through file-based service discovery, so a template selects
``http_requests_total{track="candidate"}`` and the labels can change when a
candidate is promoted without restarting anything.

The histogram records the *drawn* latency, i.e. the service time the
version was configured to have. The handler also sleeps that latency times
``--sleep-scale`` (default 1): the demo keeps real, ms-scale waits, and
tests may pass 0 to go as fast as the machine allows without changing what
the metrics say.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from rollout_engine.sandbox.behaviour import Behaviour, draw

__all__ = ["BUCKETS", "VERSION_HEADER", "AppServer", "app_argv", "main", "make_server"]

VERSION_HEADER = "X-Sandbox-Version"
BUCKETS = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03,
    0.035, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5,
)  # fmt: skip


class AppServer(ThreadingHTTPServer):
    """A threading server that carries the version's state for its handlers."""

    daemon_threads = True
    # NB: nginx opens a new upstream connection per request; the default
    # backlog of 5 refuses connections under a burst.
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        *,
        version: str,
        behaviour: Behaviour,
        sleep_scale: float = 1.0,
        seed: int | None = None,
    ) -> None:
        super().__init__(address, _Handler)
        self.version = version
        self.behaviour = behaviour
        self.sleep_scale = sleep_scale
        self.started = time.monotonic()
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests", "Requests served, by status code.", ["code"], registry=self.registry
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Service time of a request (the drawn latency).",
            buckets=BUCKETS,
            registry=self.registry,
        )
        info = Gauge(
            "sandbox_app_info", "The build this process runs.", ["version"], registry=self.registry
        )
        info.labels(version=version).set(1)

    def serve(self) -> tuple[int, float]:
        """Draw one request's outcome, record it, and return (status, latency)."""
        uptime = time.monotonic() - self.started
        with self._rng_lock:  # NB: Random is shared by the handler threads
            outcome = draw(self.behaviour, rng=self._rng, uptime_s=uptime)
        status = 500 if outcome.error else 200
        self.requests.labels(code=str(status)).inc()
        self.duration.observe(outcome.latency_s)
        return status, outcome.latency_s


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive for the load generator and Prometheus
    # NB: headers and body go out in two writes; with Nagle on, a keep-alive
    # client's delayed ACK would add 40 ms to every answer.
    disable_nagle_algorithm = True
    server: AppServer
    _PLAIN: ClassVar[str] = "text/plain; charset=utf-8"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._reply(200, generate_latest(self.server.registry), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            self._reply(200, b"ok\n", self._PLAIN)
        else:
            status, latency = self.server.serve()
            if self.server.sleep_scale > 0:
                time.sleep(latency * self.server.sleep_scale)
            body = f"{self.server.version} {'error' if status >= 500 else 'ok'}\n"
            self._reply(status, body.encode(), self._PLAIN)

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header(VERSION_HEADER, self.server.version)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: thousands of requests would drown the log the supervisor keeps."""


def make_server(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    version: str,
    behaviour: Behaviour,
    sleep_scale: float = 1.0,
    seed: int | None = None,
) -> AppServer:
    """A bound, not yet serving, app server (port 0 picks a free port)."""
    return AppServer(
        (host, port), version=version, behaviour=behaviour, sleep_scale=sleep_scale, seed=seed
    )


def app_argv(
    *,
    port: int,
    version: str,
    behaviour: Behaviour,
    sleep_scale: float = 1.0,
    seed: int | None = None,
    python: str = sys.executable,
) -> list[str]:
    """The command line that runs this version as its own process (the supervisor's view)."""
    argv = [python, "-m", "rollout_engine.sandbox.app", "--port", str(port), "--version", version]
    argv += [
        f"--error-rate={behaviour.error_rate!r}",
        f"--latency-median-ms={behaviour.latency_median_ms!r}",
        f"--latency-sigma={behaviour.latency_sigma!r}",
        f"--tail-share={behaviour.tail_share!r}",
        f"--tail-factor={behaviour.tail_factor!r}",
        f"--warmup-seconds={behaviour.warmup_seconds!r}",
        f"--warmup-factor={behaviour.warmup_factor!r}",
        f"--sleep-scale={sleep_scale!r}",
    ]
    return argv + ([f"--seed={seed}"] if seed is not None else [])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rollout_engine.sandbox.app", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--version", required=True, help="the build name, sent in X-Sandbox-Version")
    p.add_argument("--error-rate", type=float, default=0.01)
    p.add_argument("--latency-median-ms", type=float, default=20.0)
    p.add_argument("--latency-sigma", type=float, default=0.5)
    p.add_argument("--tail-share", type=float, default=0.0, help="slowest share hit (0..1)")
    p.add_argument("--tail-factor", type=float, default=1.0, help="multiplier on that share")
    p.add_argument("--warmup-seconds", type=float, default=0.0)
    p.add_argument("--warmup-factor", type=float, default=1.0)
    p.add_argument("--sleep-scale", type=float, default=1.0, help="0 answers without waiting")
    p.add_argument("--seed", type=int, default=None)
    return p


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until killed (the supervisor stops the process group)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        behaviour = Behaviour(
            error_rate=args.error_rate,
            latency_median_ms=args.latency_median_ms,
            latency_sigma=args.latency_sigma,
            tail_share=args.tail_share,
            tail_factor=args.tail_factor,
            warmup_seconds=args.warmup_seconds,
            warmup_factor=args.warmup_factor,
        )
    except ValueError as exc:
        parser.error(str(exc))
    server = make_server(
        host=args.host,
        port=args.port,
        version=args.version,
        behaviour=behaviour,
        sleep_scale=args.sleep_scale,
        seed=args.seed,
    )
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()

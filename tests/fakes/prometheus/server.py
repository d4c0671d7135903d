"""A real Prometheus (the Debian binary) serving backfilled test data on a free loopback port.

``promtool tsdb create-blocks-from openmetrics`` turns the OpenMetrics story
of `tests.fakes.prometheus.data` into TSDB blocks; Prometheus then serves them
with an empty configuration (no scraping) and a retention long enough that
blocks with 2024 timestamps are not deleted at start-up. Measured with 2.42:
ready in about half a second.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from tests.fakes.prometheus.data import write_openmetrics

__all__ = ["PROMETHEUS", "PROMTOOL", "RealPrometheus", "free_port", "real_prometheus"]

PROMETHEUS: Final = "/usr/bin/prometheus"
PROMTOOL: Final = "/usr/bin/promtool"
READY_TIMEOUT: Final = 20.0


class RealPrometheus:
    """A running server: its URL and its process."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def real_prometheus(workdir: Path, *, openmetrics: Sequence[Path] = ()) -> Iterator[RealPrometheus]:
    """Backfill data into `workdir` and serve it until the block exits.

    The data is the test story of `tests.fakes.prometheus.data`, or the `openmetrics` files
    given (each backfilled on its own, so their time ranges must not overlap).
    """
    for binary in (PROMETHEUS, PROMTOOL):
        if shutil.which(binary) is None:
            raise RuntimeError(f"{binary} is missing: run `make test` (it installs prometheus)")
    files = list(openmetrics) or [write_openmetrics(workdir / "data.om")]
    tsdb = workdir / "tsdb"
    for data in files:
        subprocess.run(
            [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(data), str(tsdb)],
            check=True,
            capture_output=True,
        )
    config = workdir / "empty.yml"
    config.write_text("")
    port = free_port()
    log = workdir / "prometheus.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={tsdb}",
                "--storage.tsdb.retention.time=100y",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = RealPrometheus(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: RealPrometheus) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {server.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/-/ready", timeout=1) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"prometheus was not ready in {READY_TIMEOUT}s: {server.log.read_text()[-2000:]}"
    )

"""How fast the fake Kubernetes API server starts and serves (so it is never the bottleneck).

Run: `python -m benchmarks.apiserver_startup`. Prints the time from constructing the
server to its first answered request (over several starts, after the one-off TLS
certificate), plus create/get/list rates through the official python client.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from kubernetes import client

from tests.fakes.apiserver import FakeApiServer


def _start_to_first_answer(workdir: Path) -> float:
    workdir.mkdir()
    started = time.perf_counter()
    server = FakeApiServer(workdir=workdir).start()
    with server.api_client() as api:
        client.VersionApi(api).get_code()
    elapsed = time.perf_counter() - started
    server.stop()
    return elapsed


def _rates(workdir: Path, count: int) -> dict[str, float]:
    workdir.mkdir()
    server = FakeApiServer(workdir=workdir).start()
    rates = {}
    with server.api_client() as api:
        core = client.CoreV1Api(api)
        started = time.perf_counter()
        for i in range(count):
            body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"c{i}"), data={"k": "v"})
            core.create_namespaced_config_map("default", body)
        rates["create/s"] = count / (time.perf_counter() - started)
        started = time.perf_counter()
        for i in range(count):
            core.read_namespaced_config_map(f"c{i}", "default")
        rates["get/s"] = count / (time.perf_counter() - started)
        started = time.perf_counter()
        items = core.list_namespaced_config_map("default").items
        rates[f"list of {len(items)} (ms)"] = (time.perf_counter() - started) * 1000
    server.stop()
    return rates


def main(argv: list[str]) -> int:
    starts = int(argv[0]) if argv else 20
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        first = _start_to_first_answer(root / "first")
        samples = [_start_to_first_answer(root / f"s{i}") for i in range(starts)]
        print(f"first start (imports done, TLS certificate made): {first * 1000:.1f} ms")
        print(
            f"start → first answer over {starts} starts: median "
            f"{statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"
        )
        for name, value in _rates(root / "rates", 500).items():
            print(f"{name}: {value:.0f}")
    return 0 if max(samples) < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

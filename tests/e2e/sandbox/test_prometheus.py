"""The real Prometheus scrapes both versions, labelled by track and version."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from typing import Any

import pytest

from rollout_engine.sandbox.loadgen import LoadConfig, LoadGenerator
from rollout_engine.sandbox.processes import Sandbox
from tests.e2e.sandbox.fragments import routing

pytestmark = pytest.mark.slow  # real nginx, Prometheus and processes

RATE = 'sum by (track, version) (rate(http_requests_total{job="sandbox-app"}[5s]))'


def _query(sandbox: Sandbox, expr: str) -> list[dict[str, Any]]:
    url = f"{sandbox.prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.load(response)
    assert body["status"] == "success"
    assert body["data"]["resultType"] == "vector"
    return list(body["data"]["result"])


def test_a_rate_query_returns_one_series_per_track(sandbox: Sandbox) -> None:
    sandbox.apply(routing(listen=sandbox.front_listen, upstreams=sandbox.upstreams(), weight=50))
    sandbox.prometheus.wait_scraped([app.address for app in sandbox.apps.values()])
    config = LoadConfig(sandbox.front_url + "/", rate_per_s=200, threads=2)
    deadline = time.monotonic() + 20
    with LoadGenerator(config):
        while True:
            series = {
                (s["metric"]["track"], s["metric"]["version"]): float(s["value"][1])
                for s in _query(sandbox, RATE)
            }
            if len(series) == 2 and all(v > 0 for v in series.values()):
                break
            assert time.monotonic() < deadline, f"no rate for both tracks: {series}"
            time.sleep(0.2)
    assert set(series) == {("stable", "v1"), ("candidate", "v2")}
    # the histogram is there too, per track, for latency comparisons
    buckets = _query(sandbox, "count by (track) (http_request_duration_seconds_bucket)")
    assert {b["metric"]["track"] for b in buckets} == {"stable", "candidate"}

"""The sandbox app: answers with its version, and its metrics count what it served."""

from __future__ import annotations

import http.client
import itertools
import threading
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rollout_engine.sandbox.app import (
    BUCKETS,
    VERSION_HEADER,
    AppServer,
    app_argv,
    main,
    make_server,
)
from rollout_engine.sandbox.app import _parser as app_parser
from rollout_engine.sandbox.behaviour import Behaviour


@pytest.fixture
def server() -> Iterator[AppServer]:
    behaviour = Behaviour(error_rate=0.2, latency_median_ms=20, latency_sigma=0.5)
    app = make_server(version="v7", behaviour=behaviour, sleep_scale=0.0, seed=11)
    thread = threading.Thread(target=app.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield app
    app.shutdown()
    app.server_close()
    thread.join()


def _conn(app: AppServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", app.server_address[1], timeout=5)


def _get(
    app: AppServer, path: str, conn: http.client.HTTPConnection | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = conn or _conn(app)
    conn.request("GET", path)
    response = conn.getresponse()
    return response, response.read()


def _families(app: AppServer) -> dict[str, list[tuple[str, dict[str, str], float]]]:
    _, body = _get(app, "/metrics")
    return {
        family.name: [(s.name, dict(s.labels), s.value) for s in family.samples]
        for family in text_string_to_metric_families(body.decode())
    }


def test_every_answer_names_the_version_and_keeps_the_connection(server: AppServer) -> None:
    conn = _conn(server)
    statuses = set()
    for _ in range(50):
        response, body = _get(server, "/checkout", conn)
        assert response.getheader(VERSION_HEADER) == "v7"
        assert body.startswith(b"v7 ")
        statuses.add(response.status)
    assert statuses == {200, 500}  # 20 % errors over 50 requests: both seen (seeded)
    conn.close()


def test_metrics_count_requests_by_code_and_observe_each_latency(server: AppServer) -> None:
    n = 300
    seen = {200: 0, 500: 0}
    conn = _conn(server)
    for _ in range(n):
        response, _ = _get(server, "/", conn)
        seen[response.status] += 1
    _get(server, "/healthz")  # neither probes nor scrapes are counted
    families = _families(server)
    by_code = {s[1]["code"]: s[2] for s in families["http_requests"] if s[0].endswith("_total")}
    assert by_code == {"200": float(seen[200]), "500": float(seen[500])}
    histogram = families["http_request_duration_seconds"]
    count = next(v for name, _, v in histogram if name.endswith("_count"))
    assert count == n
    buckets = [(float(lbl["le"]), v) for name, lbl, v in histogram if name.endswith("_bucket")]
    assert [le for le, _ in buckets] == [*BUCKETS, float("inf")]
    assert all(a <= b for (_, a), (_, b) in itertools.pairwise(buckets))
    assert buckets[-1][1] == n
    median_bucket = next(le for le, v in buckets if v >= n / 2)
    assert 0.015 <= median_bucket <= 0.025  # the median (20 ms) lands where it should
    assert families["sandbox_app_info"] == [("sandbox_app_info", {"version": "v7"}, 1.0)]


def test_the_command_line_round_trips_the_behaviour() -> None:
    behaviour = Behaviour(0.03, 12.5, 0.4, 0.05, 3.0, 2.0, 1.5)
    argv = app_argv(port=1234, version="v2", behaviour=behaviour, sleep_scale=0.5, seed=9)
    assert argv[1:3] == ["-m", "rollout_engine.sandbox.app"]
    args = app_parser().parse_args(argv[3:])
    assert (args.port, args.version, args.sleep_scale, args.seed) == (1234, "v2", 0.5, 9)
    parsed = Behaviour(
        args.error_rate,
        args.latency_median_ms,
        args.latency_sigma,
        args.tail_share,
        args.tail_factor,
        args.warmup_seconds,
        args.warmup_factor,
    )
    assert parsed == behaviour


def test_an_impossible_behaviour_on_the_command_line_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--port", "1", "--version", "v1", "--error-rate", "2"])
    assert exit_info.value.code == 2
    assert "error_rate must be within 0..1" in capsys.readouterr().err

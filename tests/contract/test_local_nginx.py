"""Real requests through a real nginx running the rendered configuration.

This checks *our* weights and matches end to end on Debian's nginx (the
local sandbox's router), not ingress-nginx's Lua balancer.
"""

from __future__ import annotations

import http.client
from collections import Counter
from pathlib import Path

import pytest

from rollout_engine.api.routing import RouteMatch, StringMatch
from strategies import MatchRoute, TrafficState
from strategies.routers.local_nginx import UPSTREAM_HEADER, render_local_nginx
from tests.fakes.local_nginx import backend, free_port, reload, running_nginx, wrap

ROUTES = (
    MatchRoute(
        "testers", (RouteMatch(header_name="X-Canary", header_value=StringMatch(exact="always")),)
    ),
    MatchRoute("beta", (RouteMatch(cookie_name="beta"),)),
)


def _get(connection: http.client.HTTPConnection, headers: dict[str, str]) -> str:
    connection.request("GET", "/", headers=headers)
    response = connection.getresponse()
    body = response.read().decode()
    assert response.status == 200
    assert response.getheader(UPSTREAM_HEADER) == body  # nginx says where it sent it
    return body


def _count(port: int, n: int, headers: dict[str, str] | None = None) -> Counter[str]:
    seen: Counter[str] = Counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for _ in range(n):
        try:
            body = _get(connection, headers or {})
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # NB: on reload, old workers close their keep-alive connections.
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            body = _get(connection, headers or {})
        seen[body] += 1
    connection.close()
    return seen


@pytest.mark.slow
def test_weights_headers_and_cookies_route_real_requests(tmp_path: Path) -> None:
    port = free_port()
    with backend("stable") as stable, backend("candidate") as candidate:

        def render(traffic: TrafficState) -> str:
            return render_local_nginx(
                name="web",
                traffic=traffic,
                stable=[stable],
                candidate=[candidate],
                listen=f"127.0.0.1:{port}",
            )

        conf = wrap(tmp_path, render(TrafficState(20, ROUTES)))
        with running_nginx(tmp_path, conf, port):
            split = _count(port, 1000)
            assert 140 <= split["candidate"] <= 260, split  # 20 % ± 4.7 σ of a binomial(1000, 0.2)
            assert _count(port, 50, {"X-Canary": "always"}) == Counter(candidate=50)
            assert _count(port, 50, {"Cookie": "session=1; beta=always"}) == Counter(candidate=50)
            assert _count(port, 20, {"Cookie": "beta=never"})["stable"] > 0

            wrap(tmp_path, render(TrafficState(0)))  # abort: weight 0, routes gone
            reload(tmp_path, conf)
            after = Counter[str]()
            for _ in range(50):  # workers pick up the new configuration within a few requests
                after = _count(port, 200, {"X-Canary": "always"})
                if after == Counter(stable=200):
                    break
            assert after == Counter(stable=200)

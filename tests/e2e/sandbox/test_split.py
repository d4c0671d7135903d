"""Through the real nginx, the candidate's share matches the weight; matches route exactly.

At each weight, the share of a few thousand requests answered by the
candidate (as the app names itself) lies within the binomial 99.9 % interval
of the weight: a correct split fails this test once in a thousand runs per
weight, a wrong weight (off by a few points) fails it almost always.
"""

from __future__ import annotations

import pytest
from scipy.stats import binom

from rollout_engine.sandbox.loadgen import LoadConfig, LoadGenerator, Marker
from rollout_engine.sandbox.processes import Sandbox
from tests.e2e.sandbox.fragments import routing

pytestmark = pytest.mark.slow  # real nginx, Prometheus and processes

N = 2000  # per fractional weight; 0 % and 100 % must be exact, 500 requests show it


def _send(sandbox: Sandbox, n: int, **config: object) -> LoadGenerator:
    load = LoadGenerator(
        LoadConfig(sandbox.front_url + "/", rate_per_s=None, threads=4, limit=n, **config)  # type: ignore[arg-type]
    )
    with load:
        load.wait_for(n, timeout=60)
    return load


@pytest.mark.parametrize("weight", [0, 5, 20, 50, 100])
def test_the_candidate_share_is_within_the_binomial_interval_of_the_weight(
    sandbox: Sandbox, weight: int
) -> None:
    upstreams = sandbox.upstreams()
    sandbox.apply(routing(listen=sandbox.front_listen, upstreams=upstreams, weight=weight))
    n = N if 0 < weight < 100 else 500
    counts = _send(sandbox, n).counts()
    assert counts.errors == 0 and counts.total == n
    candidate = counts.served.get("v2", 0)
    low, high = binom.interval(0.999, n, weight / 100)
    print(
        f"weight {weight}%: candidate {candidate}/{n} = {candidate / n:.2%}, "
        f"99.9% interval [{low:.0f}, {high:.0f}]"
    )
    assert low <= candidate <= high
    assert counts.served.get("v1", 0) == n - candidate


@pytest.mark.parametrize(
    ("kind", "marker"),
    [
        ("header", Marker(header=("X-Canary", "always"))),
        ("cookie", Marker(cookie=("canary", "always"))),
    ],
    ids=["header", "cookie"],
)
def test_header_and_cookie_matches_route_exactly(
    sandbox: Sandbox, kind: str, marker: Marker
) -> None:
    match = {kind: ("X-Canary", "always") if kind == "header" else ("canary", "always")}
    fragment = routing(
        listen=sandbox.front_listen, upstreams=sandbox.upstreams(), weight=0, **match
    )
    sandbox.apply(fragment)
    counts = _send(sandbox, 1000, marked_share=0.3, marker=marker).counts()
    assert counts.errors == 0
    assert set(counts.marked) == {"v2"} and sum(counts.marked.values()) > 200
    assert set(counts.unmarked) == {"v1"}  # the weight is 0: only the match reaches v2

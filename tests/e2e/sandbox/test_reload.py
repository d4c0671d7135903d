"""Reloads by SIGHUP change the split under steady load without dropping a request."""

from __future__ import annotations

import time

import pytest

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.loadgen import Counts, LoadConfig, LoadGenerator
from rollout_engine.sandbox.processes import Sandbox
from tests.e2e.sandbox.fragments import routing

pytestmark = pytest.mark.slow  # real nginx, Prometheus and processes


def _apply(sandbox: Sandbox, weight: int) -> int:
    return sandbox.apply(
        routing(listen=sandbox.front_listen, upstreams=sandbox.upstreams(), weight=weight)
    )


def test_reloads_under_load_drop_nothing_and_route_cleanly_afterwards(sandbox: Sandbox) -> None:
    master = sandbox.nginx.child
    assert master is not None
    config = LoadConfig(sandbox.front_url + "/", rate_per_s=400, threads=4)
    with LoadGenerator(config) as load:
        for weight in (100, 0, 100, 0, 100, 0):
            workers_before = set(sandbox.nginx.workers())
            generation = _apply(sandbox, weight)
            assert not workers_before & set(sandbox.nginx.workers())  # old workers are gone
            after = _counts_after(load, since=load.mark(), n=40)
            only = "v2" if weight == 100 else "v1"
            # NB: every request sent after apply() returned is routed by the new fragment
            assert set(after.served) == {only}, (generation, dict(after.served))
    load.stop()
    total = load.counts()
    print(f"{total.total} requests over 6 reloads; {load.reconnects} reconnects; "
          f"statuses {dict(total.statuses)}")  # fmt: skip
    assert total.errors == 0 and set(total.statuses) == {200}, load.failures
    assert master.alive() and sandbox.nginx.child is master  # reloaded, never restarted


def _counts_after(load: LoadGenerator, *, since: float, n: int) -> Counts:
    """The counts of the first `n` or more requests sent after `since` (bounded wait)."""
    deadline = time.monotonic() + 10
    while (counts := load.counts(since=since)).total < n:
        assert time.monotonic() < deadline, "the load stalled after a reload"
        time.sleep(0.01)
    return counts


def test_a_bad_fragment_is_refused_and_the_routing_stays(sandbox: Sandbox) -> None:
    generation = _apply(sandbox, 100)
    with pytest.raises(SandboxError, match="nginx rejected the configuration"):
        sandbox.apply("split_clients $request_id $broken { 150% candidate; }\n")
    assert sandbox.nginx.generation == generation
    with LoadGenerator(
        LoadConfig(sandbox.front_url + "/", rate_per_s=None, threads=2, limit=50)
    ) as load:
        counts = load.wait_for(50, timeout=30)
    assert dict(counts.served) == {"v2": 50}

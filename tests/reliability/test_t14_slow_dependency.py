"""T14: one rollout's Prometheus hangs, Slack answers 429 with Retry-After; the others go on.

Nine canaries in one namespace. ``slow`` measures at its analysis step against a Prometheus
that holds every query for 60 s, with a metric ``timeout`` of 2 s; the eight others measure
in the background against a Prometheus that answers at once. Slack rate-limits the first
answers (429, ``Retry-After: 1``).

The eight are pushed twice: once alone (the baseline), once while ``slow`` is inside its
hung query. Push → first weight applied, in real time, must stay within the baseline + 1 s
(the hung query holds one reconcile worker, never the queue). The hung query gives up after
its own timeout (not the server's 60 s), the slow run ends in Error and that rollout aborts;
every other run is terminated when its rollout is promoted (none is left Running); every
Slack message arrives once, the 429s retried off the reconcile path.

In-process controller on a fake clock (tests/e2e/controller/harness), ~25 s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import Harness, running_controller, secret
from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.fake import FakePrometheus, Reply, fake_prometheus
from tests.fakes.slack.server import Answer, SlackReceiver

pytestmark = pytest.mark.slow

FAST = [f"f{i}" for i in range(8)]
HANG, TIMEOUT = 60.0, 2
GV = "rollout-engine.io/v1alpha1"


def _strategy(name: str, *, step_analysis: bool) -> dict[str, Any]:
    args = [{"name": "workload", "value": f"{name}-canary"}]
    steps: list[dict[str, Any]] = [{"setWeight": 20}]
    if step_analysis:
        steps.append({"analysis": {"templates": [{"templateName": "hung-rate"}], "args": args}})
    steps += [{"setWeight": 50}, {"pause": {"duration": "2m"}}]  # NB: the 2nd look is at 1m
    canary: dict[str, Any] = {
        "trafficRouting": {"istio": {"virtualService": {"name": name, "routes": ["primary"]}}},
        "steps": steps,
    }
    if not step_analysis:
        canary["analysis"] = {"templates": [{"templateName": "success-rate"}], "args": args}
    return {"canary": canary}


def _hung_template(address: str) -> dict[str, Any]:
    template = m.template("hung-rate", query=m.ISTIO_SUCCESS, arg="workload")
    provider = template["spec"]["metrics"][0]["provider"]["prometheus"]
    provider.update(address=address, timeout=TIMEOUT)
    return template


@contextmanager
def _scene(
    api: FakeApiServer, fast: FakePrometheus, hung: FakePrometheus, slack: SlackReceiver
) -> Iterator[Harness]:
    with running_controller(api, start=at(5), prometheus=fast.url, slack=slack) as h:
        docs = [
            secret("slack", url=slack.url()),
            m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"),
            _hung_template(hung.url),
        ]
        for name in ["slow", *FAST]:
            docs += [
                m.deployment(name),
                m.virtual_service(name, stable=f"{name}-primary", canary=f"{name}-canary"),
                m.rollout(_strategy(name, step_analysis=name == "slow"), name=name),
            ]
        h.create(*docs)
        h.run_until(lambda: _all(h, ["slow", *FAST], "Healthy"), what="the first deploys")
        yield h


def _weight(vs: dict[str, Any] | None, name: str) -> int:
    """The candidate's weight on the route ``primary`` of `name`'s VirtualService."""
    for route in ((vs or {}).get("spec") or {}).get("http") or []:
        for dest in route.get("route") or [] if route.get("name") == "primary" else []:
            if dest["destination"]["host"] == f"{name}-canary":
                return int(dest.get("weight") or 0)
    return 0


def _all(h: Harness, names: list[str], phase: str, *, image: str | None = None) -> bool:
    for name in names:
        if h.status(name).get("phase") != phase:
            return False
        if image is not None:
            primary = h.get("Deployment", f"{name}-primary")["spec"]["template"]["spec"]
            if primary["containers"][0]["image"] != image:
                return False
    return True


class Moves:
    """(name, wall time, candidate weight) after each VirtualService write of the controller."""

    def __init__(self, api: FakeApiServer) -> None:
        self.api = api
        self.seen: list[tuple[str, float, int]] = []
        self.unsubscribe = api.journal.subscribe(self._record)

    def _record(self, record: Any) -> None:
        # NB: on the API server's request thread: quick, and never raises
        if record.identity != "controller" or record.resource != "virtualservices":
            return
        if not (record.is_write and record.succeeded):
            return
        vs = self.api.store.get(
            "networking.istio.io/v1", "VirtualService", name=record.name, namespace=record.namespace
        )
        self.seen.append((record.name, record.time, _weight(vs, record.name)))

    def push(self, h: Harness, image: str) -> list[float]:
        """Push `image` to the eight; push → the candidate's 20 % written, in seconds."""
        pushed = {}
        for name in FAST:
            pushed[name] = time.time()
            h.set_image(image, name=name)
        deadline = time.monotonic() + 20
        moved: dict[str, float] = {}
        while time.monotonic() < deadline and len(moved) < len(FAST):
            time.sleep(0.05)
            for name, when, weight in list(self.seen):
                if name in pushed and when > pushed[name] and weight == 20:
                    moved.setdefault(name, when - pushed[name])
        assert len(moved) == len(FAST), f"not every canary got its first weight: {sorted(moved)}"
        return sorted(moved.values())


def _aborted(h: Harness) -> bool:
    return bool(h.status("slow").get("abort"))


def _first_error_after(h: Harness, since: float) -> float:
    """Seconds from `since` to the first status write of ``slow``'s run with an Error."""
    for record in h.api.journal.writes(identity="controller", resource="analysisruns"):
        if record.subresource != "status" or not record.name.startswith("slow-"):
            continue
        results = ((record.json().get("status") or {}).get("metricResults")) or []
        phases = [x.get("phase") for r in results for x in r.get("measurements") or []]
        if record.time > since and "Error" in phases:
            return record.time - since
    raise AssertionError("the hung query never ended in an Error measurement")


def test_a_hung_prometheus_and_a_rate_limited_slack_hold_up_nobody_else(
    apiserver: FakeApiServer, fake_prom: FakePrometheus
) -> None:
    with fake_prometheus() as hung, SlackReceiver() as slack:
        hung.script(Reply(delay=HANG))
        slack.script(*[Answer.rate_limited(1)] * 3, Answer())
        with _scene(apiserver, fake_prom, hung, slack) as h:
            moves = Moves(apiserver)
            baseline = moves.push(h, "web:2.0")
            h.run_until(lambda: _all(h, FAST, "Healthy", image="web:2.0"), what="the baseline")

            since = time.time()
            h.set_image("web:2.0", name="slow")
            deadline = time.monotonic() + 10
            while not hung.requests and time.monotonic() < deadline:
                time.sleep(0.02)
            assert hung.requests, "the slow rollout never queried its Prometheus"
            during = moves.push(h, "web:3.0")
            h.run_until(
                lambda: (
                    _all(h, FAST, "Healthy", image="web:3.0") and bool(h.status("slow")["abort"])
                ),
                what="the eight promoted, slow aborted",
            )
            assert _first_error_after(h, since) < TIMEOUT + 3.0  # its own timeout, not 60 s
            runs = h.api.store.list(GV, "AnalysisRun", namespace=h.namespace)
            h.controller.dispatcher.stop(timeout=5.0)
            moves.unsubscribe()
            outbox = [e for name in ["slow", *FAST] for e in h.status(name).get("outbox") or []]

    assert max(during) <= max(baseline) + 1.0, (baseline, during)
    phases = {r["metadata"]["name"]: r["status"]["phase"] for r in runs}
    assert "Running" not in phases.values(), phases
    assert [p for n, p in phases.items() if n.startswith("slow-")] == ["Error"], phases
    assert _weight(h.get("VirtualService", "slow"), "slow") == 0
    assert [r.answered for r in slack.requests[:3]] == [429, 429, 429]
    assert outbox and all(e.get("sent") for e in outbox), outbox
    keys = [e["key"] for e in outbox]
    assert len(keys) == len(set(keys))

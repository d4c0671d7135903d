"""T11: 409/429/500 on 20 % of the controller's writes (fixed seed), an HPA-like writer patching
the Rollout every 200 ms: the canary converges to the end state of a calm run, the other
writer's updates are never lost, and no key waits longer than the 30 s back-off cap.

In-process controller on a fake clock (the harness of tests/e2e/controller), one API server
per run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from rollout_engine.errors import KubeError
from rollout_engine.kube import Objects, kind
from rollout_engine.notify import RolloutRef
from tests.e2e.controller import manifests as m
from tests.e2e.controller.checks import slack_events
from tests.e2e.controller.harness import Harness, running_controller, secret
from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.fake import FakePrometheus
from tests.fakes.slack.server import SlackReceiver
from tests.reliability.scene import ISTIO_CANARY as STRATEGY

pytestmark = pytest.mark.slow

PER_STATUS = 0.072
"""Three independent rules (500, 409, 429): 1 − (1 − 0.072)³ ≈ 20 % of writes fail."""


class Hpa:
    """Another writer: patches an annotation of the Rollout every 200 ms, as an HPA would."""

    def __init__(self, api: FakeApiServer, namespace: str) -> None:
        self._objects = Objects(api.api_client("hpa"))
        self._namespace = namespace
        self.last = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Hpa:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            tick = self.last + 1
            patch = {"metadata": {"annotations": {"hpa.example.com/tick": str(tick)}}}
            try:
                self._objects.patch(
                    kind("Rollout"), name="web", namespace=self._namespace, patch=patch
                )
            except KubeError as exc:
                self.failures.append(str(exc))
                continue
            self.last = tick


@contextmanager
def _story(
    api: FakeApiServer, prometheus: FakePrometheus, slack: SlackReceiver
) -> Iterator[Harness]:
    with running_controller(api, start=at(5), prometheus=prometheus.url, slack=slack) as h:
        h.create(
            secret("slack", url=slack.url()),
            m.deployment(),
            m.virtual_service(),
            m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"),
            m.rollout(STRATEGY),
        )
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="the first deploy")
        yield h


def _promote(h: Harness, *, quiet: float = 0.25) -> None:
    first = h.status()["stableRevision"]
    h.set_image("web:2.0")
    h.run_until(
        lambda: (
            h.status().get("phase") == "Healthy"
            and h.status().get("stableRevision") != first
            and h.get("Deployment", "web")["spec"]["replicas"] == 0
        ),
        what="the promotion",
        quiet=quiet,
    )


def _all_sent(h: Harness) -> None:
    """Deliver what is still pending now (a failed claim would wait 30 s of real time)."""
    h.controller.dispatcher.stop(timeout=2.0)
    ref = RolloutRef(h.namespace, "web")
    for _ in range(5):
        if all(e.get("sent") for e in h.status().get("outbox") or []):
            return
        h.controller.dispatcher.process(ref)
    raise AssertionError(h.status().get("outbox"))


def _end_state(h: Harness, slack: SlackReceiver) -> dict[str, Any]:
    _all_sent(h)
    status = h.status()
    runs = h.api.store.list("rollout-engine.io/v1alpha1", "AnalysisRun", namespace=h.namespace)
    return {
        "phase": status["phase"],
        "stable": status["stableRevision"],
        "weights": status["currentWeights"],
        "primary": h.get("Deployment", "web-primary")["spec"]["template"]["spec"]["containers"],
        "workload replicas": h.get("Deployment", "web")["spec"]["replicas"],
        "canary weight": h.canary_weight(),
        "runs": sorted((r["metadata"]["name"], r["status"]["phase"]) for r in runs),
        "slack": slack_events(slack),
        "sent": [e.get("sent") for e in status.get("outbox") or []],
    }


def _recording(h: Harness) -> list[float]:
    delays: list[float] = []
    original: Callable[[Any], float] = h.controller.queue.add_rate_limited

    def add_rate_limited(key: Any) -> float:
        delay = original(key)
        delays.append(delay)
        return delay

    h.controller.queue.add_rate_limited = add_rate_limited  # type: ignore[method-assign]
    return delays


def test_a_canary_converges_through_a_storm_of_conflicts_and_errors(
    make_apiserver: Callable[..., FakeApiServer], fake_prom: FakePrometheus
) -> None:
    with SlackReceiver() as slack, _story(make_apiserver(), fake_prom, slack) as calm:
        _promote(calm)
        expected = _end_state(calm, slack)

    storm = make_apiserver()
    with SlackReceiver() as slack, _story(storm, fake_prom, slack) as h:
        delays = _recording(h)
        rules = [
            storm.faults.fail(
                status,
                verb="write",
                identity="controller",
                probability=PER_STATUS,
                times=None,
                seed=seed,
            )
            for seed, status in enumerate((500, 409, 429), start=9)
        ]
        with Hpa(storm, h.namespace) as hpa:
            _promote(h, quiet=0.05)  # NB: the other writer wakes the controller every 200 ms
        storm.faults.clear()
        got = _end_state(h, slack)

    assert got == expected
    writes = storm.journal.writes(identity="controller")
    faulted = [w for w in writes if w.fault]
    assert 0.1 <= len(faulted) / len(writes) <= 0.35, (len(faulted), len(writes))
    assert {w.status for w in faulted} == {409, 429, 500}, [(r.status, r.hits) for r in rules]
    assert delays and max(delays) <= 30.0
    assert hpa.failures == [] and hpa.last >= 5
    rollout = storm.store.get("rollout-engine.io/v1alpha1", "Rollout", name="web", namespace="shop")
    assert rollout is not None
    assert rollout["metadata"]["annotations"]["hpa.example.com/tick"] == str(hpa.last)

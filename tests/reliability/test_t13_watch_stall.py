"""T13: every watch of the controller stays open and goes silent (no events, no bookmarks).

The inactivity timeout (scaled down to 1 s) notices each silent stream and reconnects it; a
new image pushed meanwhile is seen by the periodic resync (1 s here) instead of an event, and
the canary runs to its promotion on resyncs, requeues and timers alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY

from rollout_engine.kube import WatchSettings
from tests.e2e.controller import checks
from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import running_controller, secret
from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.apiserver.journal import Record
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.fake import FakePrometheus
from tests.fakes.slack.server import SlackReceiver
from tests.reliability.scene import ISTIO_CANARY as STRATEGY

pytestmark = pytest.mark.slow

INACTIVITY = 1.0
RESYNC = 1.0


def _stalls(kind: str) -> float:
    labels = {"kind": kind, "reason": "stalled"}
    return REGISTRY.get_sample_value("rollout_engine_watch_restarts_total", labels) or 0.0


def _until(check: Any, *, timeout: float) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.02)
    return time.monotonic() - started


def _rewatch(resource: str, *, after: float) -> Callable[[Record], bool]:
    """A new watch of `resource` by the controller: reconnected, not given up on."""

    def match(record: Record) -> bool:
        return (
            record.identity == "controller"
            and record.verb == "watch"
            and record.resource == resource
            and record.time > after
        )

    return match


def test_a_silent_watch_is_noticed_and_progress_goes_on_without_events(
    apiserver: FakeApiServer, fake_prom: FakePrometheus
) -> None:
    watch = WatchSettings(inactivity_timeout=INACTIVITY, server_timeout=60)
    with (
        SlackReceiver() as slack,
        running_controller(
            apiserver,
            start=at(5),
            prometheus=fake_prom.url,
            slack=slack,
            resync_seconds=RESYNC,
            watch=watch,
        ) as h,
    ):
        h.create(
            secret("slack", url=slack.url()),
            m.deployment(),
            m.virtual_service(),
            m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"),
            m.rollout(STRATEGY),
        )
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="the first deploy")
        first = h.status()["stableRevision"]
        before = {kind: _stalls(kind) for kind in ("Rollout", "Deployment", "AnalysisRun")}
        apiserver.faults.stall_watches(identity="controller")
        stalled = time.time()
        noticed = _until(lambda: all(_stalls(k) > n for k, n in before.items()), timeout=5)
        assert noticed <= INACTIVITY + 0.5, f"a silent watch went unnoticed for {noticed:.2f}s"
        for resource in ("rollouts", "deployments", "analysisruns"):
            apiserver.journal.wait_for(_rewatch(resource, after=stalled), timeout=2)

        h.set_image("web:2.0")
        pushed = time.time()
        seen = apiserver.journal.wait_for(
            lambda r: r.identity == "controller" and r.is_write and r.time > pushed, timeout=5
        )
        assert seen.time - pushed <= RESYNC + 0.5, "the new image waited longer than a resync"
        h.run_until(
            lambda: (
                h.status().get("phase") == "Healthy"
                and h.status().get("stableRevision") != first
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the promotion with every watch silent",
        )
        checks.assert_weights_follow_the_plan(h, plan=[20, 20, 50, 50], promoted=True)
        apiserver.faults.resume_watches()

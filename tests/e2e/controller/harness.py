"""Drive a real controller (in this process, on a fake clock) against the fake API server.

The controller talks to the API server over HTTPS with the official client,
as the identity ``controller``; the test writes as ``user`` (kubectl's part)
and plays kubelet with the world simulator. Time is a ``FakeClock``: the
harness lets the controller settle (its queue idle for a while), then jumps
the clock to the next wake-up the controller armed and fires it, like the
replay command does for a single run. Nothing sleeps for a pause's length.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rollout_engine.controller import Controller, ControllerConfig
from rollout_engine.kube import Objects, WatchSettings, kind
from rollout_engine.notify import DestinationPolicy, NotifyConfig
from strategies.routers.istio import IstioTargets, read_virtual_service
from strategies.routers.nginx_ingress import read_canary_ingress
from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.clock import FakeClock
from tests.fakes.istio_admission import admission_errors
from tests.fakes.slack.server import SlackReceiver
from tests.paths import CRDS

__all__ = ["Harness", "running_controller"]

Obj = dict[str, Any]
NAMESPACE = "shop"


@dataclass
class Harness:
    """The API server, the controller, the clock and what the test observed."""

    api: FakeApiServer
    clock: FakeClock
    controller: Controller
    user: Objects
    namespace: str = NAMESPACE
    weights: list[int] = field(default_factory=list)
    steps: list[tuple[int | None, bool]] = field(default_factory=list)
    """For each weight: the Rollout's step index and abort flag when it was written."""
    """The candidate weight after every router write (VirtualService or canary Ingress)."""
    admission_problems: list[str] = field(default_factory=list)
    """What Istio (our mirror of its validation) would refuse in those writes."""

    def create(self, *docs: Obj) -> None:
        """Create objects as the user would (``kubectl create``), through the API."""
        for doc in docs:
            body = dict(doc)
            body.setdefault("metadata", {}).setdefault("namespace", self.namespace)
            self.user.create(kind(body["kind"]), body)

    def get(self, kind_name: str, name: str) -> Obj:
        """An object as stored now (no HTTP)."""
        api_version = kind(kind_name).api_version
        found = self.api.store.get(api_version, kind_name, name=name, namespace=self.namespace)
        assert found is not None, f"{kind_name} {name} does not exist"
        return found

    def maybe(self, kind_name: str, name: str) -> Obj | None:
        api_version = kind(kind_name).api_version
        return self.api.store.get(api_version, kind_name, name=name, namespace=self.namespace)

    def status(self, name: str = "web") -> Obj:
        return dict(self.get("Rollout", name).get("status") or {})

    def set_image(self, image: str, name: str = "web") -> None:
        """Push a new candidate: the user changes the Deployment's image."""
        deployment = self.get("Deployment", name)
        containers = deployment["spec"]["template"]["spec"]["containers"]
        patch = {
            "spec": {"template": {"spec": {"containers": [{**containers[0], "image": image}]}}}
        }
        self.user.patch(kind("Deployment"), name=name, namespace=self.namespace, patch=patch)

    def settle(self, *, quiet: float = 0.25, timeout: float = 20.0) -> None:
        """Wait until the controller has had nothing to do for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        calm_since: float | None = None
        while time.monotonic() < deadline:
            if self.controller.queue.idle():
                calm_since = calm_since or time.monotonic()
                if time.monotonic() - calm_since >= quiet:
                    return
            else:
                calm_since = None
            time.sleep(0.02)
        raise AssertionError(f"the controller did not settle within {timeout}s")

    def run_until(
        self,
        done: Callable[[], bool],
        *,
        what: str,
        limit: timedelta = timedelta(hours=2),
        jumps: int = 200,
        quiet: float = 0.25,
    ) -> None:
        """Settle (`quiet` seconds idle); if not `done`, jump to the next wake-up; repeat."""
        start = self.clock()
        for _ in range(jumps):
            self.settle(quiet=quiet)
            if done():
                return
            wake = self.controller.timers.next_wake()
            now = self.clock()
            target = wake if wake is not None and wake > now else now + timedelta(seconds=15)
            if target - start > limit:
                break
            self.clock.set(target)
            self.controller.timers.fire_due()
        raise AssertionError(f"not reached: {what}; status: {self.status()}")

    def canary_weight(self, vs: str = "web") -> int:
        from rollout_engine.api.rollout import Rollout

        rollout = Rollout.model_validate(
            {k: v for k, v in self.get("Rollout", "web").items() if k != "status"}
        )
        routing = rollout.spec.strategy.canary or rollout.spec.strategy.ab_test
        assert routing is not None and routing.traffic_routing is not None
        istio = routing.traffic_routing.istio
        assert istio is not None
        ref = istio.all_virtual_services()[0]
        report = read_virtual_service(
            self.get("VirtualService", vs), ref=ref, targets=IstioTargets.for_rollout(rollout)
        )
        return report.canary_weight


def secret(name: str, **data: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


@contextmanager
def running_controller(
    api: FakeApiServer,
    *,
    start: datetime,
    prometheus: str | None = None,
    slack: SlackReceiver | None = None,
    namespace: str = NAMESPACE,
    installed: bool = False,
    resync_seconds: float = 3600,
    watch: WatchSettings | None = None,
) -> Iterator[Harness]:
    """A cluster with our CRDs and Istio's, a namespace, and a started controller.

    `installed`: the test already applied the install manifests (our CRDs) and
    will create the namespace itself.
    """
    if not installed:
        for crd in ("rollouts", "analysistemplates", "clusteranalysistemplates", "analysisruns"):
            api.install_crds(CRDS / f"{crd}.yaml")
    api.install_crds()
    api.admission.enable_istio_validation()
    api.world.enable()
    user = Objects(api.api_client("user"))
    if not installed:
        user.create(kind("Namespace"), {"metadata": {"name": namespace}})
    clock = FakeClock(start)
    policy = DestinationPolicy(allowed_hosts=frozenset({slack.host_port} if slack else set()))
    config = ControllerConfig(
        resync_seconds=resync_seconds,
        workers=2,
        prometheus_address=prometheus,
        notify=NotifyConfig(destinations=policy, defaults_namespace=namespace),
        watch=watch or WatchSettings(inactivity_timeout=10, server_timeout=60),
    )
    controller = Controller(api.api_client("controller"), config=config, clock=clock)
    harness = Harness(api=api, clock=clock, controller=controller, user=user, namespace=namespace)

    def record_weight(record: Any) -> None:
        # NB: runs on the API server's request thread: it must never raise
        if record.identity != "controller" or not (record.is_write and record.succeeded):
            return
        if record.resource not in ("ingresses", "virtualservices"):
            return
        try:
            weight = _weight_after(api, harness, record)
        except Exception:  # NB: not a router object of this rollout
            return
        rollout = (
            api.store.get(
                "rollout-engine.io/v1alpha1", "Rollout", name="web", namespace=record.namespace
            )
            or {}
        )
        status = rollout.get("status") or {}
        harness.weights.append(weight)
        harness.steps.append((status.get("currentStepIndex"), bool(status.get("abort"))))

    unsubscribe = api.journal.subscribe(record_weight)
    controller.start()
    try:
        yield harness
    finally:
        unsubscribe()
        controller.stop()


def _weight_after(api: FakeApiServer, harness: Harness, record: Any) -> int:
    """The candidate weight the router object says after `record`'s write."""
    if record.resource == "ingresses":
        canary = api.store.get(
            "networking.k8s.io/v1", "Ingress", name=record.name, namespace=record.namespace
        )
        return read_canary_ingress(canary).canary_weight
    vs = api.store.get(
        "networking.istio.io/v1", "VirtualService", name=record.name, namespace=record.namespace
    )
    assert vs is not None
    harness.admission_problems += admission_errors(vs)
    return harness.canary_weight(record.name)

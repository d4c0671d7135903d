"""Deleting a Rollout hands the application back before its stable goes (the finalizer).

The Deployment is scaled back to the service's size and waited for, the Services select its
pods and lose their owner (they outlive the Rollout), traffic returns to the stable host
(Istio) or the canary Ingress goes (NGINX); only then is the finalizer removed and the
garbage collector takes ``web-primary``. At every moment some ready pods serve.
"""

from __future__ import annotations

from typing import Any

import pytest

from rollout_engine.controller.ownership import FINALIZER, SCALED_REPLICAS
from rollout_engine.kube import kind
from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import Harness, running_controller, secret
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.fake import FakePrometheus
from tests.fakes.slack.server import SlackReceiver
from tests.reliability.oracle import vs_weight

pytestmark = pytest.mark.slow

ISTIO = {
    "canary": {
        "trafficRouting": {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}},
        "steps": [{"setWeight": 20}, {"pause": {}}],
    }
}
NGINX = {
    "canary": {
        "trafficRouting": {"nginx": {"stableIngress": "web"}},
        "steps": [{"setWeight": 20}, {"pause": {}}],
    }
}


def _serving(h: Harness) -> list[tuple[int, int]]:
    """(ready pods of web-primary, of web) after every write of the controller."""
    seen: list[tuple[int, int]] = []

    def record(record: Any) -> None:
        if record.identity != "controller" or not record.is_write:
            return
        ready = []
        for name in ("web-primary", "web"):
            found = h.api.store.get("apps/v1", "Deployment", name=name, namespace="shop") or {}
            ready.append(int((found.get("status") or {}).get("readyReplicas") or 0))
        seen.append((ready[0], ready[1]))

    h.api.journal.subscribe(record)
    return seen


def _delete_mid_canary(h: Harness, strategy: dict[str, Any], *docs: dict[str, Any]) -> list[Any]:
    h.create(m.deployment(), *docs, m.rollout(strategy, slack_secret=None))
    h.run_until(lambda: h.status().get("phase") == "Healthy", what="the first deploy")
    assert FINALIZER in h.get("Rollout", "web")["metadata"]["finalizers"]
    h.set_image("web:2.0")
    h.run_until(lambda: h.status().get("phase") == "Paused", what="the pause at 20 %")
    serving = _serving(h)
    h.user.delete(kind("Rollout"), name="web", namespace="shop")
    h.run_until(lambda: h.maybe("Rollout", "web") is None, what="the Rollout to go")
    assert h.maybe("Deployment", "web-primary") is None  # collected once the finalizer was gone
    workload = h.get("Deployment", "web")
    assert workload["spec"]["replicas"] == 4
    assert workload["status"]["readyReplicas"] == 4
    assert SCALED_REPLICAS not in (workload["metadata"].get("annotations") or {})
    assert serving and all(primary + web >= 4 for primary, web in serving), serving
    released = h.api.journal.writes(identity="controller", resource="rollouts", subresource="")[-1]
    assert released.json()["metadata"]["finalizers"] == []
    scaled = h.api.journal.writes(identity="controller", resource="deployments", name="web")[-1]
    assert scaled.seq < released.seq and scaled.json()["spec"]["replicas"] == 4
    for name in ("web", "web-primary", "web-canary"):
        service = h.get("Service", name)
        assert service["spec"]["selector"] == {"app": "web"}, name
        assert not service["metadata"].get("ownerReferences"), name
    return serving


def test_deleting_an_istio_rollout_hands_the_app_back_first(
    apiserver: Any, fake_prom: FakePrometheus
) -> None:
    with running_controller(apiserver, start=at(5), prometheus=fake_prom.url) as h:
        _delete_mid_canary(h, ISTIO, m.virtual_service())
        assert vs_weight(h.get("VirtualService", "web")) == 0


def test_deleting_an_nginx_rollout_removes_the_canary_ingress(
    apiserver: Any, fake_prom: FakePrometheus
) -> None:
    with running_controller(apiserver, start=at(5), prometheus=fake_prom.url) as h:
        _delete_mid_canary(h, NGINX, m.service(), m.ingress())
        assert h.maybe("Ingress", "web-web-canary") is None
        assert h.get("Ingress", "web")["spec"]["rules"][0]["http"]["paths"][0]["backend"] == {
            "service": {"name": "web", "port": {"number": 80}}
        }


def test_a_rollout_whose_deployment_is_gone_is_released_at_once(
    apiserver: Any, fake_prom: FakePrometheus
) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(5), prometheus=fake_prom.url, slack=slack) as h,
    ):
        h.create(secret("slack", url=slack.url()), m.deployment(), m.rollout({"blueGreen": {}}))
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="the first deploy")
        h.user.delete(kind("Deployment"), name="web", namespace="shop")
        h.user.delete(kind("Rollout"), name="web", namespace="shop")
        h.run_until(lambda: h.maybe("Rollout", "web") is None, what="the Rollout to go")
        assert h.maybe("Deployment", "web-primary") is None

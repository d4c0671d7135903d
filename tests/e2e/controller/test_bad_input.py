"""Bad Rollouts: Degraded with a precise message and a Warning Event; no loop; others go on."""

from __future__ import annotations

from typing import Any

import pytest

from rollout_engine.kube import kind
from tests.e2e.controller import checks
from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import Harness, running_controller
from tests.fakes.prometheus.data import at

pytestmark = pytest.mark.slow

ISTIO = {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}}


def _canary(
    *, template: str = "success-rate", routing: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "canary": {
            "trafficRouting": routing or ISTIO,
            "steps": [
                {"setWeight": 20},
                {
                    "analysis": {
                        "templates": [{"templateName": template}],
                        "args": [{"name": "workload", "value": "web-canary"}],
                    }
                },
            ],
        }
    }


def _healthy_neighbour(h: Harness) -> None:
    h.create(
        m.deployment("api", replicas=2), m.rollout({"blueGreen": {}}, name="api", slack_secret=None)
    )


def _degraded(h: Harness, name: str = "web") -> dict[str, Any]:
    status = dict(h.get("Rollout", name).get("status") or {})
    assert status.get("phase") == "Degraded", status
    degraded = next(c for c in status["conditions"] if c["type"] == "Degraded")
    assert degraded["status"] == "True"
    return status


def _warnings(h: Harness, name: str = "web") -> list[dict[str, Any]]:
    events = h.api.store.list("v1", "Event", namespace=h.namespace)
    return [e for e in events if e["type"] == "Warning" and e["involvedObject"]["name"] == name]


def test_missing_deployment_then_fixed(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        _healthy_neighbour(h)
        h.create(m.virtual_service(), m.rollout(_canary(), slack_secret=None))
        h.run_until(lambda: h.status().get("phase") == "Degraded", what="Degraded")
        status = _degraded(h)
        assert status["message"] == "spec.workloadRef: Deployment shop/web not found"
        (warning,) = _warnings(h)
        assert warning["reason"] == "ReferenceNotFound"
        assert warning["message"] == status["message"]
        assert h.status("api")["phase"] == "Healthy"
        reconciles = len(
            h.api.journal.entries(
                identity="controller", resource="rollouts", verb="get", name="web"
            )
        )
        h.settle(quiet=1.0)
        again = len(
            h.api.journal.entries(
                identity="controller", resource="rollouts", verb="get", name="web"
            )
        )
        assert again - reconciles <= 1, "a held rollout must not be retried in a loop"
        h.create(m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"), m.deployment())
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="recovery")
        assert h.maybe("Deployment", "web-primary") is not None


def test_missing_template_holds_only_its_analysis(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        h.create(
            m.deployment(),
            m.virtual_service(),
            m.rollout(_canary(template="nope"), slack_secret=None),
        )
        h.run_until(lambda: h.maybe("Deployment", "web-primary") is not None, what="primary")
        status = _degraded(h)
        assert status["message"] == (
            "spec.strategy.canary.steps[1].analysis.templates[0]: "
            "AnalysisTemplate/nope not found in namespace shop"
        )
        h.set_image("web:2.0")
        h.run_until(lambda: h.status().get("currentStepIndex") == 1, what="the analysis step")
        h.settle(quiet=0.5)
        assert h.api.store.list("rollout-engine.io/v1alpha1", "AnalysisRun", namespace="shop") == []
        assert h.canary_weight() == 20
        assert _degraded(h)["message"].endswith("not found in namespace shop")
        assert [w["reason"] for w in _warnings(h)] == ["ReferenceNotFound"]


def test_invalid_cel_is_reported_with_its_path(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        broken = m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload")
        broken["spec"]["metrics"][0]["successCondition"] = "result[0] >="
        h.create(
            m.deployment(), m.virtual_service(), broken, m.rollout(_canary(), slack_secret=None)
        )
        h.run_until(lambda: h.status().get("phase") == "Degraded", what="Degraded")
        message = _degraded(h)["message"]
        assert message.startswith("AnalysisTemplate/success-rate: spec.metrics[0].successCondition")
        assert _warnings(h)[0]["reason"] == "InvalidTemplate"


def test_unknown_router_is_refused_not_replaced(apiserver: Any) -> None:
    """``smi`` is not a field of the CRD schema: the API server prunes it, and what remains is
    a Rollout without a router, which is refused with the fix rather than routed some other way
    (the registry's own refusal of an unknown key is a unit test)."""
    with running_controller(apiserver, start=at(5)) as h:
        _healthy_neighbour(h)
        h.create(
            m.deployment(),
            m.rollout(_canary(routing={"smi": {"rootService": "web"}}), slack_secret=None),
        )
        h.run_until(lambda: h.status().get("phase") == "Degraded", what="Degraded")
        assert _degraded(h)["message"] == (
            "invalid spec: spec.strategy.canary.trafficRouting: trafficRouting needs exactly one "
            "router (fix: set one of trafficRouting.istio or trafficRouting.nginx)"
        )
        assert h.maybe("Deployment", "web-primary") is None
        assert _warnings(h)[0]["reason"] == "InvalidSpec"
        assert h.status("api")["phase"] == "Healthy"


def test_missing_virtual_service_holds_the_rollout(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        h.create(
            m.deployment(),
            m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"),
            m.rollout(_canary(), slack_secret=None),
        )
        h.run_until(lambda: h.status().get("phase") == "Degraded", what="Degraded")
        status = _degraded(h)
        assert status["message"] == (
            "spec.strategy.canary.trafficRouting.istio.virtualService: "
            "VirtualService shop/web not found"
        )
        assert h.maybe("Deployment", "web-primary") is None
        assert _warnings(h)[0]["reason"] == "RouterError"
        checks.assert_status_writes_use_the_subresource(h)


def test_lint_errors_hold_the_rollout(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        strategy = _canary()
        strategy["canary"]["maxWeight"] = 10
        h.create(
            m.deployment(),
            m.virtual_service(),
            m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"),
            m.rollout(strategy, slack_secret=None),
        )
        h.run_until(lambda: h.status().get("phase") == "Degraded", what="Degraded")
        assert _degraded(h)["message"] == (
            "spec.strategy.canary.steps[0].setWeight: weight 20 is above maxWeight 10 "
            "(fix: lower the weight to at most 10, or raise maxWeight)"
        )


def test_a_problem_found_while_applying_is_reported_once_then_fixed(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        portless = m.deployment()
        del portless["spec"]["template"]["spec"]["containers"][0]["ports"]
        h.create(portless, m.rollout({"blueGreen": {}}, slack_secret=None))
        h.run_until(lambda: h.status().get("phase") == "Degraded", what="Degraded")
        message = _degraded(h)["message"]
        assert message.startswith("Deployment web declares no container port")
        assert [w["reason"] for w in _warnings(h)] == ["ApplyFailed"]
        before = len(h.api.journal.entries(identity="controller"))
        h.settle(quiet=1.0)
        assert len(h.api.journal.entries(identity="controller")) == before, "no retry loop"
        h.user.patch(
            kind("Deployment"),
            name="web",
            namespace="shop",
            patch=[
                {
                    "op": "add",
                    "path": "/spec/template/spec/containers/0/ports",
                    "value": [{"name": "http", "containerPort": 8080}],
                }
            ],
            patch_type="json",
        )
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="recovery")
        assert h.get("Service", "web")["spec"]["ports"][0]["port"] == 8080


def test_a_deleted_rollout_is_forgotten(apiserver: Any) -> None:
    from rollout_engine.controller.metrics import ROLLOUTS
    from rollout_engine.notify import RolloutRef

    with running_controller(apiserver, start=at(5)) as h:
        h.create(
            m.deployment(),
            m.rollout({"blueGreen": {"scaleDownDelaySeconds": 600}}, slack_secret=None),
        )
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="Healthy")
        key = RolloutRef("shop", "web")
        assert h.controller.timers.pending(key), "the scale-down of the drained candidate"
        healthy = ROLLOUTS.labels(phase="Healthy")._value.get()
        h.user.delete(kind("Rollout"), name="web", namespace="shop")
        h.settle()
        assert h.controller.timers.pending(key) == {}
        assert ROLLOUTS.labels(phase="Healthy")._value.get() == healthy - 1
        assert h.maybe("Deployment", "web-primary") is None, "owned objects are collected"
        assert h.get("Deployment", "web")["spec"]["replicas"] == 4, "the workload is left as is"

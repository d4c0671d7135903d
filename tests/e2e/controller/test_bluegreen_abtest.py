"""Blue/green (Services switch) and an A/B test (an Istio match route), promoted and rolled back."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.controller import checks
from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import Harness, running_controller, secret
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.server import RealPrometheus
from tests.fakes.slack.server import SlackReceiver

pytestmark = pytest.mark.slow

ANALYSIS = {
    "templates": [{"templateName": "success-rate"}],
    "args": [{"name": "workload", "value": "web-canary"}],
}
BLUE_GREEN = {
    "blueGreen": {
        "prePromotionAnalysis": ANALYSIS,
        "postPromotionAnalysis": ANALYSIS,
        "scaleDownDelaySeconds": 30,
    }
}
AB_TEST = {
    "abTest": {
        "duration": "2m",
        "match": [{"headerName": "X-Segment", "headerValue": {"exact": "beta"}}],
        "trafficRouting": {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}},
        "analysis": ANALYSIS,
    }
}


def _deployed(h: Harness, slack: SlackReceiver, strategy: dict[str, Any]) -> str:
    h.create(
        secret("slack", url=slack.url()),
        m.deployment(),
        m.virtual_service(),
        m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"),
        m.rollout(strategy),
    )
    h.run_until(
        lambda: (
            h.status().get("phase") == "Healthy"
            and h.get("Deployment", "web")["spec"]["replicas"] == 0
        ),
        what="the first deploy",
    )
    return str(h.status()["stableRevision"])


def _selectors(h: Harness, service: str) -> list[dict[str, str]]:
    """Every selector the controller patched into `service`, in order."""
    out = []
    for write in h.api.journal.writes(identity="controller", resource="services", name=service):
        body = write.json() or {}
        selector = (body.get("spec") or {}).get("selector")
        if selector:
            out.append({k: v for k, v in selector.items() if v is not None})
    return out


def _promoted(h: Harness, first: str) -> bool:
    status = h.status()
    return (
        status.get("stableRevision") != first
        and status.get("phase") == "Healthy"
        and h.get("Deployment", "web")["spec"]["replicas"] == 0
    )


def test_blue_green_switches_then_promotes(apiserver: Any, prometheus: RealPrometheus) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(5), prometheus=prometheus.url, slack=slack) as h,
    ):
        first = _deployed(h, slack, BLUE_GREEN)
        h.set_image("web:2.0")
        h.run_until(lambda: _promoted(h, first), what="the promotion")
        assert _selectors(h, "web") == [{"app": "web"}, {"app": "web-primary"}]
        assert h.get("Service", "web")["spec"]["selector"] == {"app": "web-primary"}
        runs = h.api.store.list("rollout-engine.io/v1alpha1", "AnalysisRun", namespace="shop")
        assert sorted(r["metadata"]["name"].rsplit("-", 1)[1] for r in runs) == ["post", "pre"]
        assert {r["status"]["phase"] for r in runs} == {"Successful"}
        checks.assert_events(h, "ServiceSwitched", "RolloutPromoted")
        checks.assert_one_message_per_verdict(
            h,
            slack,
            ["rollout-promoted", "analysis-successful", "analysis-successful", "rollout-promoted"],
        )


def test_blue_green_failed_preview_never_switches(
    apiserver: Any, prometheus: RealPrometheus
) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(61), prometheus=prometheus.url, slack=slack) as h,
    ):
        _deployed(h, slack, BLUE_GREEN)
        h.set_image("web:2.0-broken")
        h.run_until(
            lambda: (
                h.status().get("abort") is True
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the rollback",
        )
        assert {"app": "web"} not in _selectors(h, "web")
        assert h.get("Service", "web-canary")["spec"]["selector"] == {"app": "web-primary"}
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-failed", "rollout-aborted"]
        )


def _route_names(h: Harness) -> list[str]:
    return [r.get("name") for r in h.get("VirtualService", "web")["spec"]["http"]]


def test_ab_test_routes_the_segment_then_promotes(
    apiserver: Any, prometheus: RealPrometheus
) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(5), prometheus=prometheus.url, slack=slack) as h,
    ):
        first = _deployed(h, slack, AB_TEST)
        h.set_image("web:2.0")
        h.run_until(lambda: "ab-test" in _route_names(h), what="the segment route")
        route = h.get("VirtualService", "web")["spec"]["http"][0]
        assert route["match"] == [{"headers": {"x-segment": {"exact": "beta"}}}]
        assert route["route"] == [{"destination": {"host": "web-canary"}, "weight": 100}]
        assert h.canary_weight() == 0
        h.run_until(lambda: _promoted(h, first), what="the promotion")
        assert _route_names(h) == ["primary"]
        assert h.get("VirtualService", "web")["spec"]["http"][0]["timeout"] == "10s"
        checks.assert_weights_follow_the_plan(h, plan=[0], promoted=True)
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-successful", "rollout-promoted"]
        )


def test_ab_test_regression_removes_the_segment(apiserver: Any, prometheus: RealPrometheus) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(61), prometheus=prometheus.url, slack=slack) as h,
    ):
        _deployed(h, slack, AB_TEST)
        h.set_image("web:2.0-broken")
        h.run_until(
            lambda: (
                h.status().get("abort") is True
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the rollback",
        )
        assert _route_names(h) == ["primary"]
        assert h.canary_weight() == 0
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-failed", "rollout-aborted"]
        )

"""A canary through Istio, end to end: a good candidate is promoted, a regressed one rolled back.

The analysis queries the real Prometheus holding the test story, with the
controller's clock inside the backfilled window: minutes 5–40 are healthy
(success rate 0.98), from minute 60 the canary regresses (0.80).
"""

from __future__ import annotations

from typing import Any

import pytest

from rollout_engine.controller.ownership import REVISION_LABEL
from tests.e2e.controller import checks
from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import Harness, running_controller, secret
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.server import RealPrometheus
from tests.fakes.slack.server import SlackReceiver

pytestmark = pytest.mark.slow

STRATEGY = {
    "canary": {
        "trafficRouting": {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}},
        "steps": [
            {"setWeight": 20},
            {
                "analysis": {
                    "templates": [{"templateName": "success-rate"}],
                    "args": [{"name": "workload", "value": "web-canary"}],
                }
            },
            {"setWeight": 50},
            {"pause": {"duration": "1m"}},
        ],
    }
}


def _deployed(h: Harness, slack: SlackReceiver) -> None:
    h.create(
        secret("slack", url=slack.url()),
        m.deployment(),
        m.virtual_service(),
        m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"),
        m.rollout(STRATEGY),
    )
    h.run_until(
        lambda: (
            h.status().get("phase") == "Healthy"
            and h.get("Deployment", "web")["spec"]["replicas"] == 0
        ),
        what="the first deploy",
    )


def _image(deployment: dict[str, Any]) -> str:
    return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])


def test_first_deploy_creates_the_stable_without_steps(
    apiserver: Any, prometheus: RealPrometheus
) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(5), prometheus=prometheus.url, slack=slack) as h,
    ):
        _deployed(h, slack)
        primary = h.get("Deployment", "web-primary")
        assert primary["spec"]["replicas"] == 4
        assert primary["spec"]["selector"]["matchLabels"] == {"app": "web-primary"}
        labels = primary["spec"]["template"]["metadata"]["labels"]
        assert labels["app"] == "web-primary" and labels["team"] == "shop"
        assert labels[REVISION_LABEL] == h.status()["stableRevision"]
        assert primary["metadata"]["ownerReferences"][0]["kind"] == "Rollout"
        for name, app in (
            ("web", "web-primary"),
            ("web-primary", "web-primary"),
            ("web-canary", "web-primary"),
        ):
            assert h.get("Service", name)["spec"]["selector"] == {"app": app}, name
        assert h.get("Service", "web-canary")["spec"]["ports"][0]["port"] == 8080
        assert h.api.journal.writes(identity="controller", resource="virtualservices") == []
        assert h.api.journal.writes(identity="controller", resource="analysisruns") == []
        checks.assert_one_message_per_verdict(h, slack, ["rollout-promoted"])


def test_good_candidate_is_promoted(apiserver: Any, prometheus: RealPrometheus) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(5), prometheus=prometheus.url, slack=slack) as h,
    ):
        _deployed(h, slack)
        first = h.status()["stableRevision"]
        h.set_image("web:2.0")
        h.run_until(
            lambda: (
                h.status().get("phase") == "Healthy"
                and h.status().get("stableRevision") != first
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the promotion",
        )
        assert _image(h.get("Deployment", "web-primary")) == "web:2.0"
        assert h.canary_weight() == 0
        assert h.status()["previousStableRevision"] == first
        (run,) = h.api.store.list("rollout-engine.io/v1alpha1", "AnalysisRun", namespace="shop")
        assert run["status"]["phase"] == "Successful"
        assert run["metadata"]["ownerReferences"][0]["name"] == "web"
        results = run["status"]["metricResults"][0]
        assert results["count"] == 2 and results["successful"] == 2
        assert results["measurements"][0]["value"] == "[0.98]"
        checks.assert_weights_follow_the_plan(h, plan=[20, 20, 50, 50], promoted=True)
        checks.assert_status_writes_use_the_subresource(h)
        checks.assert_events(
            h,
            "RolloutStarted",
            "RolloutStepCompleted",
            "AnalysisRunSuccessful",
            "RolloutPromoting",
            "RolloutPromoted",
        )
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-successful", "rollout-promoted"]
        )


def test_regressed_candidate_is_rolled_back(apiserver: Any, prometheus: RealPrometheus) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(61), prometheus=prometheus.url, slack=slack) as h,
    ):
        _deployed(h, slack)
        stable = h.status()["stableRevision"]
        h.set_image("web:2.0-broken")
        h.run_until(
            lambda: (
                h.status().get("abort") is True
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the rollback",
        )
        status = h.status()
        assert status["phase"] == "Degraded"
        assert "success-rate" in status["message"] and "Failed" in status["message"]
        assert status["stableRevision"] == stable
        assert _image(h.get("Deployment", "web-primary")) == "web:1.0"
        assert h.canary_weight() == 0
        assert h.get("Service", "web-canary")["spec"]["selector"] == {"app": "web-primary"}
        (run,) = h.api.store.list("rollout-engine.io/v1alpha1", "AnalysisRun", namespace="shop")
        assert run["status"]["phase"] == "Failed"
        assert run["status"]["metricResults"][0]["measurements"][0]["value"] == "[0.8]"
        checks.assert_weights_follow_the_plan(h, plan=[20, 20, 50, 50], promoted=False)
        checks.assert_events(h, "AnalysisRunFailed", "RolloutAborted")
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-failed", "rollout-aborted"]
        )

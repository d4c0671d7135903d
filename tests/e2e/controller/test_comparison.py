"""Comparison metrics in live runs: the controller judges candidate against stable.

The step analysis uses the example template `examples/templates/error-ratio.yaml` (the
sequential count test) unchanged except for a `count`, so the step has a window. The queries go
to the real Prometheus holding the test story's `cart` service: until minute 60 its canary
serves the same 2 % errors as its stable version, from minute 60 three times as many.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.e2e.controller import checks
from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import Harness, running_controller, secret
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.server import RealPrometheus
from tests.fakes.slack.server import SlackReceiver
from tests.paths import EXAMPLES

pytestmark = pytest.mark.slow

STRATEGY = {
    "canary": {
        "trafficRouting": {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}},
        "steps": [
            {"setWeight": 25},
            {
                "analysis": {
                    "templates": [{"templateName": "error-ratio"}],
                    "args": [
                        {"name": "namespace", "value": "shop"},
                        {"name": "candidate", "value": "cart-canary"},
                        {"name": "stable", "value": "cart-stable"},
                    ],
                }
            },
            {"setWeight": 50},
        ],
    }
}


def _error_ratio_template(*, count: int) -> dict[str, Any]:
    template: dict[str, Any] = yaml.safe_load((EXAMPLES / "templates/error-ratio.yaml").read_text())
    template["metadata"].pop("namespace")
    # NB: the controller's --prometheus-address (the story's server) applies to templates
    # without an address; the example names an in-cluster one
    template["spec"]["metrics"][0]["provider"]["prometheus"].pop("address")
    template["spec"]["metrics"][0]["count"] = count
    return template


def _deployed(h: Harness, slack: SlackReceiver) -> str:
    h.create(
        secret("slack", url=slack.url()),
        m.deployment(),
        m.virtual_service(),
        _error_ratio_template(count=6),
        m.rollout(STRATEGY),
    )
    h.run_until(lambda: h.status().get("phase") == "Healthy", what="the first deploy")
    return str(h.status()["stableRevision"])


def _metric(h: Harness) -> dict[str, Any]:
    (run,) = h.api.store.list("rollout-engine.io/v1alpha1", "AnalysisRun", namespace="shop")
    (result,) = run["status"]["metricResults"]
    return {"run": run, **result}


def test_a_candidate_as_good_as_stable_is_promoted_on_shown_non_inferiority(
    apiserver: Any, prometheus: RealPrometheus
) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(5), prometheus=prometheus.url, slack=slack) as h,
    ):
        first = _deployed(h, slack)
        h.set_image("web:2.0")
        h.run_until(
            lambda: (
                h.status().get("phase") == "Healthy" and h.status().get("stableRevision") != first
            ),
            what="the promotion",
        )
        result = _metric(h)
        assert result["run"]["status"]["phase"] == "Successful"
        assert result["phase"] == "Successful" and result["count"] == 6
        last = result["measurements"][-1]
        assert last["phase"] == "Successful"
        assert last["lower"] <= last["estimate"] <= last["upper"] < 1.2
        assert last["candidateSamples"] > 0 and last["stableSamples"] > last["candidateSamples"]
        assert "non-inferiority shown" in last["message"]
        assert h.canary_weight() == 0
        checks.assert_weights_follow_the_plan(h, plan=[25, 25, 50], promoted=True)
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-successful", "rollout-promoted"]
        )


def test_three_times_the_errors_is_rolled_back_with_the_evidence(
    apiserver: Any, prometheus: RealPrometheus
) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(61), prometheus=prometheus.url, slack=slack) as h,
    ):
        stable = _deployed(h, slack)
        h.set_image("web:2.0-broken")
        h.run_until(lambda: h.status().get("abort") is True, what="the rollback")
        result = _metric(h)
        assert result["run"]["status"]["phase"] == "Failed"
        failed = result["measurements"][-1]
        assert failed["phase"] == "Failed"
        assert 1.2 < failed["lower"] <= failed["estimate"] <= failed["upper"]
        assert failed["pValue"] <= 0.01
        assert "worse than allowed 1.2×" in failed["message"]
        status = h.status()
        assert status["phase"] == "Degraded" and status["stableRevision"] == stable
        assert "error-ratio" in status["message"]
        assert h.canary_weight() == 0
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-failed", "rollout-aborted"]
        )
        (message,) = [r.json for r in slack.requests if "analysis failed" in r.json["text"]]
        assert "worse than allowed 1.2×" in str(message["blocks"])

"""A canary through NGINX Ingress, end to end: the canary Ingress is created, weighted, removed.

The user owns Service ``web`` (port 80 → 8080) and the Ingress that routes to
it; the controller takes over only the Service's selector, copies its ports
to ``web-primary`` and ``web-canary``, and clones the Ingress into its own
canary Ingress while a candidate is rolled out.
"""

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

CANARY_INGRESS = "web-web-canary"
PREFIX = "nginx.ingress.kubernetes.io"
STRATEGY = {
    "canary": {
        "trafficRouting": {
            "nginx": {"stableIngress": "web"},
            "managedRoutes": [{"name": "testers"}],
        },
        "steps": [
            {
                "setHeaderRoute": {
                    "name": "testers",
                    "match": [{"headerName": "X-Canary", "headerValue": {"exact": "always"}}],
                }
            },
            {"setWeight": 25},
            {
                "analysis": {
                    "templates": [{"templateName": "success-rate"}],
                    "args": [{"name": "ingress", "value": "web"}],
                }
            },
            {"setWeight": 50},
        ],
    }
}


def _deployed(h: Harness, slack: SlackReceiver) -> None:
    h.create(
        secret("slack", url=slack.url()),
        m.deployment(),
        m.service(),
        m.ingress(),
        m.template("success-rate", query=m.NGINX_SUCCESS, arg="ingress"),
        m.rollout(STRATEGY),
    )
    h.run_until(
        lambda: (
            h.status().get("phase") == "Healthy"
            and h.get("Deployment", "web")["spec"]["replicas"] == 0
        ),
        what="the first deploy",
    )


def _snapshots(h: Harness) -> list[dict[str, str]]:
    """The annotations of every canary Ingress the controller applied."""
    out = []
    for write in h.api.journal.writes(identity="controller", resource="ingresses", verb="patch"):
        body = write.json()
        out.append(body["metadata"]["annotations"] if body else {})
    return out


def test_good_candidate_is_promoted(apiserver: Any, prometheus: RealPrometheus) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(5), prometheus=prometheus.url, slack=slack) as h,
    ):
        _deployed(h, slack)
        assert h.get("Service", "web")["spec"]["selector"] == {"app": "web-primary"}
        assert h.get("Service", "web-canary")["spec"]["ports"][0]["port"] == 80
        assert h.maybe("Ingress", CANARY_INGRESS) is None
        first = h.status()["stableRevision"]
        h.set_image("web:2.0")
        h.run_until(
            lambda: (
                h.status().get("stableRevision") != first
                and h.status().get("phase") == "Healthy"
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the promotion",
        )
        assert h.maybe("Ingress", CANARY_INGRESS) is None
        snapshots = _snapshots(h)
        testers = [s for s in snapshots if s.get(f"{PREFIX}/canary-by-header") == "X-Canary"]
        assert testers and all(s[f"{PREFIX}/canary-by-header-value"] == "always" for s in testers)
        assert testers[0][f"{PREFIX}/canary-weight"] == "0"
        assert {s[f"{PREFIX}/canary-weight"] for s in snapshots} <= {"0", "25", "50", "100"}
        applied = h.api.journal.writes(identity="controller", resource="ingresses", verb="patch")
        assert {w.content_type for w in applied} == {"application/apply-patch+yaml"}
        assert {w.field_manager for w in applied} == {"rollout-engine"}
        deletes = h.api.journal.writes(identity="controller", resource="ingresses", verb="delete")
        assert len(deletes) == 1
        checks.assert_weights_follow_the_plan(h, plan=[0, 25, 25, 50], promoted=True)
        checks.assert_status_writes_use_the_subresource(h)
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-successful", "rollout-promoted"]
        )


def test_regressed_candidate_is_rolled_back(apiserver: Any, prometheus: RealPrometheus) -> None:
    with (
        SlackReceiver() as slack,
        running_controller(apiserver, start=at(61), prometheus=prometheus.url, slack=slack) as h,
    ):
        _deployed(h, slack)
        h.set_image("web:2.0-broken")
        h.run_until(
            lambda: (
                h.status().get("abort") is True
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the rollback",
        )
        canary = h.maybe("Ingress", CANARY_INGRESS)
        weight = canary["metadata"]["annotations"][f"{PREFIX}/canary-weight"] if canary else "0"
        assert weight == "0"
        assert h.status()["phase"] == "Degraded"
        (run,) = h.api.store.list("rollout-engine.io/v1alpha1", "AnalysisRun", namespace="shop")
        assert run["status"]["phase"] == "Failed"
        checks.assert_weights_follow_the_plan(h, plan=[0, 25, 25, 50], promoted=False)
        checks.assert_one_message_per_verdict(
            h, slack, ["rollout-promoted", "analysis-failed", "rollout-aborted"]
        )

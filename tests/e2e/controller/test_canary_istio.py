"""A canary through Istio, end to end: first deploy, a good candidate promoted, a bad one rolled back."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import running_controller, secret
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


def test_good_candidate_is_promoted(apiserver: Any, prometheus: RealPrometheus) -> None:
    with SlackReceiver() as slack, running_controller(
        apiserver, start=at(5), prometheus=prometheus.url, slack=slack
    ) as h:
        h.create(
            secret("slack", url=slack.url()),
            m.deployment(),
            m.virtual_service(),
            m.template("success-rate", query=m.ISTIO_SUCCESS, arg="workload"),
            m.rollout(STRATEGY),
        )
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="first deploy")
        print(h.status())
        h.set_image("web:2.0")
        h.run_until(
            lambda: h.status().get("phase") == "Healthy" and h.status().get("stableRevision")
            == h.status().get("candidateRevision") and h.get("Deployment", "web")["spec"]["replicas"] == 0,
            what="promotion",
        )
        print(h.status())
        print(h.weights)
        print([ (r.verb, r.resource, r.subresource, r.name, r.status) for r in apiserver.journal.writes(identity="controller")])
        print(slack.requests)

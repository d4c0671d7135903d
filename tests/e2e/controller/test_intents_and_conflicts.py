"""Intents written into status (promote, undo), subset routing, and conflicts on the way.

- A pause without a duration waits for a person; ``promote`` written into
  ``status.intent`` (as the plugin does) lets it go on; a status write that
  raced it gets 409 and the reconcile is redone on fresh data.
- ``undo`` mid-rollout puts the stable's template back into the workload.
- With DestinationRule subsets, the subset labels move before the weights,
  and the candidate's pods carry the revision label only while it has pods.
- 409s and 500s injected into the controller's writes are retried with
  back-off until the rollout completes.
"""

from __future__ import annotations

from typing import Any

import pytest

from rollout_engine.controller.ownership import REVISION_LABEL
from rollout_engine.kube import kind
from rollout_engine.notify import RolloutRef
from tests.e2e.controller import checks
from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import Harness, running_controller
from tests.fakes.prometheus.data import at

pytestmark = pytest.mark.slow

ISTIO = {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}}
WAITING = {"canary": {"trafficRouting": ISTIO, "steps": [{"setWeight": 30}, {"pause": {}}]}}


def _deploy(h: Harness, strategy: dict[str, Any], *extra: dict[str, Any]) -> str:
    h.create(m.deployment(), *extra, m.rollout(strategy, slack_secret=None))
    h.run_until(
        lambda: (
            h.status().get("phase") == "Healthy"
            and h.get("Deployment", "web")["spec"]["replicas"] == 0
        ),
        what="the first deploy",
    )
    return str(h.status()["stableRevision"])


def _intent(h: Harness, action: str, ident: str) -> None:
    stamp = h.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    patch = {
        "status": {
            "intent": {"action": action, "id": ident, "requestedAt": stamp, "requestedBy": "alice"}
        }
    }
    h.user.patch(kind("Rollout"), name="web", namespace=h.namespace, patch=patch, status=True)


def test_a_person_promotes_past_a_pause(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        first = _deploy(h, WAITING, m.virtual_service())
        h.set_image("web:2.0")
        h.run_until(lambda: h.status().get("phase") == "Paused", what="the pause")
        assert h.canary_weight() == 30
        _intent(h, "promote", "p-1")
        h.run_until(
            lambda: (
                h.status().get("stableRevision") != first and h.status().get("phase") == "Healthy"
            ),
            what="the promotion",
        )
        assert h.status()["lastIntentId"] == "p-1"
        events = h.api.store.list("v1", "Event", namespace="shop")
        assert any("passed by promote (alice)" in e["message"] for e in events)
        checks.assert_weights_follow_the_plan(h, plan=[30, 30], promoted=True)


def test_undo_mid_rollout_restores_the_stable_template(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        first = _deploy(h, WAITING, m.virtual_service())
        h.set_image("web:2.0")
        h.run_until(lambda: h.status().get("phase") == "Paused", what="the pause")
        _intent(h, "undo", "u-1")
        h.run_until(
            lambda: (
                h.status().get("phase") == "Healthy"
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the undo",
        )
        workload = h.get("Deployment", "web")
        assert workload["spec"]["template"]["spec"]["containers"][0]["image"] == "web:1.0"
        assert workload["spec"]["template"]["metadata"]["labels"] == {"app": "web", "team": "shop"}
        assert h.status()["stableRevision"] == first
        assert h.status().get("undo") is None
        assert h.canary_weight() == 0
        checks.assert_events(h, "RolloutRolledBack")


def test_subset_routing_moves_labels_before_weights(apiserver: Any) -> None:
    strategy = {
        "canary": {
            "trafficRouting": {
                "istio": {
                    "virtualService": {"name": "web", "routes": ["primary"]},
                    "destinationRule": {
                        "name": "web",
                        "stableSubsetName": "stable",
                        "canarySubsetName": "canary",
                    },
                }
            },
            "steps": [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}],
        }
    }
    with running_controller(apiserver, start=at(5)) as h:
        first = _deploy(h, strategy, m.virtual_service(subsets=True), m.destination_rule())
        labels = h.get("Deployment", "web")["spec"]["template"]["metadata"]["labels"]
        assert REVISION_LABEL not in labels
        h.set_image("web:2.0")
        h.run_until(lambda: h.status().get("phase") == "Paused", what="the pause at 25 %")
        assert h.canary_weight() == 25
        candidate = h.status()["candidateRevision"]
        labels = h.get("Deployment", "web")["spec"]["template"]["metadata"]["labels"]
        assert labels[REVISION_LABEL] == candidate
        rule = h.get("DestinationRule", "web")
        assert {s["name"]: s["labels"][REVISION_LABEL] for s in rule["spec"]["subsets"]} == {
            "stable": first,
            "canary": candidate,
        }
        writes = h.api.journal.writes(
            identity="controller", resource={"destinationrules", "virtualservices"}
        )
        assert writes[0].resource == "destinationrules", "the subset moves before any weight"
        _intent(h, "promote", "p-1")
        h.run_until(
            lambda: (
                h.status().get("stableRevision") == candidate
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the promotion",
        )
        labels = h.get("Deployment", "web")["spec"]["template"]["metadata"]["labels"]
        assert REVISION_LABEL not in labels, "no pods: no label that a subset could match"
        rule = h.get("DestinationRule", "web")
        assert {s["labels"][REVISION_LABEL] for s in rule["spec"]["subsets"]} == {candidate}


def test_conflicts_and_server_errors_are_retried_until_done(apiserver: Any) -> None:
    strategy = {
        "canary": {
            "trafficRouting": ISTIO,
            "steps": [{"setWeight": 20}, {"pause": {"duration": "30s"}}, {"setWeight": 60}],
        }
    }
    with running_controller(apiserver, start=at(5)) as h:
        first = _deploy(h, strategy, m.virtual_service())
        faults = apiserver.faults
        faults.fail(409, verb="update", resource="rollouts/status", identity="controller", times=3)
        faults.fail(409, verb="patch", resource="deployments", identity="controller", times=2)
        faults.fail(500, verb="patch", resource="virtualservices", identity="controller", times=2)
        faults.fail(
            429, verb="create", resource="events", identity="controller", times=2, retry_after=1
        )
        h.set_image("web:2.0")
        h.run_until(
            lambda: (
                h.status().get("stableRevision") != first
                and h.status().get("phase") == "Healthy"
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the promotion despite faults",
        )
        injected = [w for w in apiserver.journal.writes(identity="controller") if w.fault]
        assert sorted(w.status for w in injected) == [409] * 5 + [429] * 2 + [500] * 2
        checks.assert_weights_follow_the_plan(h, plan=[20, 20, 60], promoted=True)
        assert h.controller.queue.retries(RolloutRef("shop", "web")) == 0


def test_a_stale_deployment_status_is_never_decided_on(apiserver: Any) -> None:
    with running_controller(apiserver, start=at(5)) as h:
        first = _deploy(h, WAITING, m.virtual_service())
        apiserver.world.enable(mode="manual")
        mark = len(h.api.journal)
        h.set_image("web:2.0")
        h.api.journal.wait_for(
            lambda r: r.identity == "controller" and r.verb == "get" and r.seq > mark + 20,
            timeout=10,
        )
        # NB: the workload's status predates its new template: looked at again and again
        # (every second), never decided on, so nothing is written
        assert h.status()["candidateRevision"] == first
        written = [w for w in h.api.journal.writes(identity="controller") if w.seq > mark]
        assert written == []
        apiserver.world.enable()
        apiserver.world.settle()
        h.run_until(lambda: h.status().get("phase") == "Paused", what="the pause")
        assert h.status()["candidateRevision"] != first
        assert h.canary_weight() == 30

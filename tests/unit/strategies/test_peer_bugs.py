"""The peers' traffic and verdict bugs (reliability.md §1), each a scenario that must not recur."""

from __future__ import annotations

import json
from datetime import timedelta

from rollout_engine.api.base import dump
from rollout_engine.api.routing import VirtualServiceRef
from strategies import RouterReport
from strategies.routers.istio import IstioTargets, render_virtual_service
from strategies.routers.nginx_ingress import NginxTargets, render_canary_ingress
from tests.fakes.rollout_world import World, canary_rollout

ANALYSIS = {"analysis": {"templates": [{"templateName": "t"}]}}
SUBSETS = {
    "istio": {
        "virtualService": {"name": "web", "routes": ["primary"]},
        "destinationRule": {
            "name": "web",
            "canarySubsetName": "canary",
            "stableSubsetName": "stable",
        },
    }
}


def test_w1_abort_returns_the_weight_to_zero_even_with_a_shrunk_stable() -> None:
    world = World(canary_rollout([{"setWeight": 60}, {"pause": {}}]), replicas=10)
    world.settle()
    world.stable_cap = 5  # an HPA shrank the stable
    world.reconcile()
    world.intent("abort")
    world.reconcile()
    assert world.weight == 50  # only as much as the stable can take returns at once
    world.stable_cap = None
    world.settle()
    assert world.weight == 0


def test_w2_after_abort_subset_and_selector_leave_the_canary_revision() -> None:
    world = World(canary_rollout([{"setWeight": 30}, {"pause": {}}], trafficRouting=SUBSETS))
    world.settle()
    assert {s.name: s.revision for s in world.desired.subsets} == {"stable": "s1", "canary": "c1"}
    world.intent("abort")
    decision = world.reconcile()
    assert {s.name: s.revision for s in decision.desired.subsets} == {
        "stable": "s1",
        "canary": "s1",
    }
    assert world.service("web-canary") == "stable"
    assert (
        decision.status.canary is None or decision.status.canary.current_step_analysis_run is None
    )


def test_w3_weight_never_runs_ahead_of_the_candidate_capacity() -> None:
    world = World(
        canary_rollout([{"setWeight": 5}, {"pause": {}}, {"setWeight": 70}, {"pause": {}}]),
        replicas=20,
    )
    world.settle()
    world.candidate_cap = 1  # scaled for 5 %, the next pods never come
    world.intent("promote", step=1)
    for _ in range(5):
        world.reconcile()
    assert world.weight == 5
    assert world.desired.candidate.replicas == 14


def test_w4_the_candidate_keeps_its_pods_until_the_router_has_moved_traffic_away() -> None:
    world = World(canary_rollout([{"setWeight": 50}]))
    while world.status is None or world.status.promotion_started_at is None:
        world.reconcile()
    world.router_frozen = True  # Istio is slow to apply "back to stable"
    for _ in range(5):
        world.reconcile(after=timedelta(minutes=1))
    assert world.traffic == RouterReport(100)
    assert world.desired.candidate.replicas == 4
    assert world.status is not None and world.status.phase != "Healthy"


def test_w5_w6_rollback_onto_an_hpa_shrunk_stable_is_stepwise() -> None:
    world = World(canary_rollout([{"setWeight": 80}, ANALYSIS]), replicas=10)
    world.settle()
    world.stable_cap = 3
    world.reconcile()
    world.verdict("web-c1-1", "Failed")
    world.reconcile()
    assert world.weight == 70  # 30 % back to the 3 ready stable pods
    assert world.desired.candidate.replicas > 0  # never scale away a version carrying traffic
    world.stable_cap = 6
    world.reconcile()  # the world scales …
    world.reconcile()  # … and the engine sees it
    assert world.weight == 40
    world.stable_cap = None
    world.reconcile(after=timedelta(minutes=5))
    world.reconcile()
    assert world.weight == 0 and world.desired.candidate.replicas == 0


def test_w7_zero_weights_are_serialised_everywhere() -> None:
    world = World(canary_rollout([{"setWeight": 20}, {"pause": {}}]))
    world.settle()
    world.intent("abort")
    decision = world.reconcile()
    body = json.dumps(dump(decision.status))
    assert '"desiredWeights": {"canary": 0, "stable": 100}' in body
    vs = {
        "metadata": {"name": "web"},
        "spec": {
            "http": [
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": "web-primary"}},
                        {"destination": {"host": "web-canary"}},
                    ],
                }
            ]
        },
    }
    traffic = decision.desired.traffic
    assert traffic is not None
    out = render_virtual_service(
        vs,
        ref=VirtualServiceRef(name="web", routes=["primary"]),
        targets=IstioTargets.for_rollout(world.rollout),
        traffic=traffic,
    )
    assert [d["weight"] for d in out["spec"]["http"][0]["route"]] == [100, 0]
    nginx = canary_rollout([{"setWeight": 20}], trafficRouting={"nginx": {"stableIngress": "web"}})
    ingress = {
        "metadata": {"name": "web"},
        "spec": {"rules": [{"http": {"paths": [{"backend": {"service": {"name": "web"}}}]}}]},
    }
    canary = render_canary_ingress(
        ingress, targets=NginxTargets.for_rollout(nginx), traffic=traffic
    )
    assert (
        canary is not None
        and canary["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == "0"
    )


def test_a3_a_run_cut_short_is_never_taken_as_successful() -> None:
    world = World(
        canary_rollout(
            [{"setWeight": 20}, {"pause": {"duration": "1m"}}],
            analysis={"templates": [{"templateName": "bg"}]},
        )
    )
    world.settle()
    world.reconcile(after=timedelta(minutes=1))
    world.settle()
    assert world.desired.terminate == ("web-c1-bg",)  # asked to end …
    for _ in range(5):
        world.reconcile(after=timedelta(minutes=10))
    assert world.status is not None and world.status.stable_revision == "s1"  # … but not a pass
    world.verdict("web-c1-bg", "Inconclusive", "terminated before count was reached")
    decision = world.reconcile()
    assert decision.status.phase == "Paused"
    assert decision.status.stable_revision == "s1"


def test_a4_an_inconclusive_background_run_holds_even_a_timed_pause() -> None:
    world = World(
        canary_rollout(
            [{"setWeight": 20}, {"pause": {"duration": "1m"}}, {"setWeight": 40}],
            analysis={"templates": [{"templateName": "bg"}]},
        )
    )
    world.settle()
    world.verdict("web-c1-bg", "Inconclusive")
    world.reconcile()
    world.reconcile(after=timedelta(minutes=5))
    assert world.step == 1 and world.weight == 20
    assert world.status is not None and world.status.phase == "Paused"


def test_s4_a_promote_after_inconclusive_is_neither_stuck_nor_paused_again() -> None:
    world = World(canary_rollout([{"setWeight": 20}, ANALYSIS, {"setWeight": 40}, {"pause": {}}]))
    world.settle()
    world.verdict("web-c1-1", "Inconclusive")
    world.reconcile()
    world.intent("promote", step=1)
    world.settle()
    assert world.step == 3
    assert world.status is not None
    assert [c.reason for c in world.status.pause_conditions] == ["CanaryPauseStep"]
    assert world.reconcile(after=timedelta(hours=1)).events == ()


def test_h4_a_revision_change_during_analysis_never_promotes_the_unvalidated_one() -> None:
    world = World(canary_rollout([{"setWeight": 20}, ANALYSIS]))
    world.settle()
    world.candidate_revision = "c2"
    world.reconcile()
    world.verdict("web-c1-1", "Successful")  # the verdict on the old candidate arrives late
    decision = world.settle()
    assert world.step == 1
    assert [a.name for a in decision.desired.analyses] == ["web-c2-1"]
    assert decision.status.stable_revision == "s1"

"""A/B tests: the segment goes to the candidate for a while, the verdict decides."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rollout_engine.api.rollout import Rollout
from tests.fakes.rollout_world import World

MATCH = [
    {"headerName": "X-Segment", "headerValue": {"exact": "beta"}},
    {"cookieName": "beta", "cookieValue": "always"},
]


def _rollout(match: list[Any] = MATCH, **ab: Any) -> Rollout:
    ab.setdefault("duration", "30m")
    return Rollout.model_validate(
        {
            "apiVersion": "rollout-engine.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "search"},
            "spec": {
                "workloadRef": {"name": "search"},
                "strategy": {
                    "abTest": {
                        "match": match,
                        "analysis": {"templates": [{"templateName": "error-ratio"}]},
                        "trafficRouting": {"istio": {"virtualService": {"name": "search"}}},
                        **ab,
                    }
                },
            },
        }
    )


def test_the_segment_is_routed_only_once_every_candidate_pod_is_ready() -> None:
    world = World(_rollout(), candidate_cap=3)
    decision = world.settle()
    assert decision.desired.traffic is not None
    assert decision.desired.traffic.routes == ()
    assert decision.desired.candidate.replicas == 4
    assert "before routing the segment (3 ready)" in (decision.status.message or "")
    world.candidate_cap = None
    decision = world.settle()
    [route] = decision.desired.traffic.routes  # type: ignore[union-attr]
    assert route.name == "ab-test" and len(route.matches) == 2
    assert world.weight == 0  # everyone else stays on stable
    assert [a.name for a in decision.desired.analyses] == ["search-c1-ab"]
    assert decision.desired.analyses[0].kind == "abtest"
    assert decision.status.ab_test is not None and decision.status.ab_test.started_at == world.now


def test_at_the_end_the_run_is_asked_to_finish_and_its_verdict_decides() -> None:
    world = World(_rollout())
    world.settle()
    decision = world.reconcile(after=timedelta(minutes=29))
    assert decision.requeue_at == world.now + timedelta(minutes=1)
    decision = world.reconcile(after=timedelta(minutes=1))
    assert decision.desired.analyses == ()
    assert decision.desired.terminate == ("search-c1-ab",)
    assert "waiting for the final verdict" in (decision.status.message or "")
    assert world.step == 0  # ending the run is not a pass
    world.verdict("search-c1-ab", "Successful")
    world.settle()
    assert world.status is not None and world.status.phase == "Healthy"
    assert world.status.stable_revision == "c1"


def test_inconclusive_at_the_end_waits_for_a_person_who_may_promote() -> None:
    world = World(_rollout())
    world.settle()
    world.reconcile(after=timedelta(minutes=30))
    world.verdict("search-c1-ab", "Inconclusive", "too few requests in the segment")
    decision = world.reconcile()
    assert decision.status.phase == "Paused"
    world.reconcile(after=timedelta(hours=1))
    assert world.step == 0
    world.intent("promote", step=0)
    world.settle()
    assert world.status is not None and world.status.stable_revision == "c1"


def test_a_failed_verdict_mid_test_aborts_and_removes_the_segment_route() -> None:
    world = World(_rollout())
    world.settle()
    world.verdict("search-c1-ab", "Failed", "segment errors 4x control")
    decision = world.reconcile(after=timedelta(minutes=5))
    assert decision.status.abort
    assert decision.desired.traffic is not None and decision.desired.traffic.routes == ()
    assert world.weight == 0


def test_iterations_times_interval_and_progress_in_status() -> None:
    world = World(_rollout(duration=None, iterations=3, interval="5m"))
    world.settle()
    world.reconcile(after=timedelta(minutes=11))
    assert world.status is not None and world.status.ab_test is not None
    assert world.status.ab_test.iterations == 2
    world.reconcile(after=timedelta(minutes=4))
    assert world.last.desired.terminate == ("search-c1-ab",)


def test_changing_the_match_mid_test_restarts_the_test() -> None:
    """Flagger re-rendered routes without restarting analysis (reliability.md W8)."""
    world = World(_rollout())
    world.settle()
    world.reconcile(after=timedelta(minutes=10))
    world.rollout = _rollout(match=[{"headerName": "X-Segment", "headerValue": {"exact": "gamma"}}])
    decision = world.reconcile()
    assert decision.status.attempt == 2
    assert "search-c1-ab" in decision.desired.terminate
    decision = world.settle()
    assert [a.name for a in decision.desired.analyses] == ["search-c1-try2-ab"]
    assert decision.status.ab_test is not None and decision.status.ab_test.started_at == world.now

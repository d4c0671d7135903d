"""Blue/green: preview, pre-promotion analysis, promotion gate, switch, post-promotion, commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rollout_engine.api.rollout import Rollout
from tests.fakes.rollout_world import World

ANALYSIS = {"templates": [{"templateName": "smoke"}]}


def _rollout(**blue_green: Any) -> Rollout:
    return Rollout.model_validate(
        {
            "apiVersion": "rollout-engine.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "checkout"},
            "spec": {
                "workloadRef": {"name": "checkout"},
                "strategy": {"blueGreen": {"previewService": "checkout-preview", **blue_green}},
            },
        }
    )


def test_the_full_path_with_manual_promotion() -> None:
    rollout = _rollout(
        autoPromotionEnabled=False,
        prePromotionAnalysis=ANALYSIS,
        postPromotionAnalysis=ANALYSIS,
        scaleDownDelaySeconds=60,
        previewReplicaCount=1,
    )
    world = World(rollout)
    decision = world.settle()
    assert decision.desired.traffic is None  # blue/green moves Services, not weights
    assert world.service("checkout-preview") == "candidate"
    assert world.service("checkout") == "stable"
    assert decision.desired.candidate.replicas == 1  # previewReplicaCount
    assert [a.name for a in decision.desired.analyses] == ["checkout-c1-pre"]
    assert decision.desired.analyses[0].kind == "pre"
    world.verdict("checkout-c1-pre", "Successful")
    decision = world.settle()
    assert decision.status.phase == "Paused"
    assert [c.reason for c in decision.status.pause_conditions] == ["BlueGreenPause"]
    assert world.service("checkout") == "stable"
    world.intent("promote", step=world.step)
    decision = world.settle()
    assert world.service("checkout") == "candidate"
    assert decision.status.blue_green is not None
    assert decision.status.blue_green.active_revision == "c1"
    assert [a.name for a in decision.desired.analyses] == ["checkout-c1-post"]
    world.verdict("checkout-c1-post", "Successful")
    decision = world.settle()
    assert "instant switch back" in (decision.status.message or "")
    assert decision.desired.stable.revision == "s1"  # the old version stays for the window
    decision = world.reconcile(after=timedelta(seconds=60))
    world.settle()
    assert world.status is not None and world.status.phase == "Healthy"
    assert world.status.stable_revision == "c1"
    assert world.service("checkout") == "stable"  # back on the (updated) primary
    assert world.desired.stable.revision == "c1"


def test_the_switch_waits_for_every_candidate_pod() -> None:
    world = World(_rollout(previewReplicaCount=1), candidate_cap=3)
    decision = world.settle()
    assert world.service("checkout") == "stable"
    assert "before the active Service moves (3 ready)" in (decision.status.message or "")
    world.candidate_cap = None
    world.settle()
    assert world.service("checkout") == "candidate"


def test_abort_during_post_promotion_switches_back_at_once() -> None:
    world = World(_rollout(postPromotionAnalysis=ANALYSIS))
    world.settle()
    assert world.service("checkout") == "candidate"
    world.verdict("checkout-c1-post", "Failed", "5xx rate 12%")
    decision = world.reconcile()
    assert decision.status.abort
    assert world.service("checkout") == "stable"
    assert world.service("checkout-preview") == "stable"
    assert decision.desired.stable.revision == "s1"


def test_a_failed_pre_promotion_analysis_aborts_before_the_switch() -> None:
    world = World(_rollout(prePromotionAnalysis=ANALYSIS))
    world.settle()
    world.verdict("checkout-c1-pre", "Failed")
    decision = world.reconcile()
    assert decision.status.abort
    active = [s.slot for d in world.decisions for s in d.desired.services if s.name == "checkout"]
    assert set(active) == {"stable"}


def test_auto_promotion_after_seconds() -> None:
    world = World(_rollout(autoPromotionSeconds=120))
    decision = world.settle()
    assert decision.status.phase == "Paused"
    assert decision.requeue_at == world.now + timedelta(seconds=120)
    world.reconcile(after=timedelta(seconds=119))
    assert world.service("checkout") == "stable"
    world.reconcile(after=timedelta(seconds=1))
    world.settle()
    assert world.service("checkout") == "candidate"


def test_a_pre_promotion_run_still_running_is_not_a_pass_when_the_timer_ends() -> None:
    """Argo counts a still-running pre-promotion run as successful here; we do not."""
    world = World(_rollout(prePromotionAnalysis=ANALYSIS, autoPromotionSeconds=30))
    world.settle()
    world.reconcile(after=timedelta(minutes=10))
    world.settle()
    assert world.service("checkout") == "stable"
    assert world.step == 1


def test_promote_does_not_skip_the_capacity_wait_of_the_switch() -> None:
    world = World(_rollout(), candidate_cap=2)
    world.settle()
    world.intent("promote", step=world.step)
    world.reconcile()
    assert "waits for candidate capacity" in world.last.events[0].message
    assert world.service("checkout") == "stable"


def test_promote_full_goes_to_the_switch_and_skips_post_promotion_analysis() -> None:
    world = World(_rollout(autoPromotionEnabled=False, postPromotionAnalysis=ANALYSIS))
    world.settle()
    world.intent("promote-full")
    world.settle()
    assert world.desired.analyses == ()
    world.reconcile(after=timedelta(seconds=30))
    world.settle()
    assert world.status is not None and world.status.phase == "Healthy"

"""Intents from the plugin: each applies once, stale ones are ignored with a reason."""

from __future__ import annotations

from datetime import timedelta

from strategies import RouterReport
from tests.fakes.rollout_world import World, canary_rollout

STEPS = [
    {"setWeight": 10},
    {"pause": {}},
    {"setWeight": 30},
    {"analysis": {"templates": [{"templateName": "t"}]}},
    {"setWeight": 60},
    {"pause": {}},
]


def _world(**kwargs: object) -> World:
    world = World(canary_rollout(STEPS, **kwargs))  # type: ignore[arg-type]
    world.settle()
    assert world.step == 1
    return world


def _reasons(world: World) -> list[str]:
    return [e.reason for e in world.last.events]


def test_promote_advances_one_step_and_is_consumed_once() -> None:
    world = _world()
    world.intent("promote", step=1)
    world.reconcile()
    assert world.status is not None
    assert world.status.last_intent_id == world.status.intent.id  # type: ignore[union-attr]
    world.settle()
    assert world.step == 3  # 2 (setWeight 30) completes by itself, 3 waits for its analysis
    assert not any(e.reason == "IntentIgnored" for d in world.decisions for e in d.events)


def test_a_double_promote_advances_at_most_one_step() -> None:
    world = _world()
    world.intent("promote", step=1)
    world.settle()
    assert world.step == 3
    world.intent("promote", step=1)  # the second click, meant for the same step
    world.reconcile()
    assert world.step == 3
    assert _reasons(world) == ["IntentIgnored"]
    assert "meant for step 1; the rollout is at step 3" in world.last.events[0].message


def test_promote_past_a_running_analysis_terminates_the_run_without_calling_it_successful() -> None:
    world = _world()
    world.intent("promote", step=1)
    world.settle()
    assert world.runs["web-c1-3"].phase == "Running"
    world.intent("promote", step=3)
    decision = world.reconcile()
    assert "web-c1-3" in decision.desired.terminate
    completed = [e for e in decision.events if e.reason == "RolloutStepCompleted"]
    assert "skipped by promote" in completed[0].message
    assert not any(v.phase == "Successful" for v in decision.status.runs if v.run == "web-c1-3")


def test_an_intent_for_another_revision_is_ignored() -> None:
    world = _world()
    world.intent("promote", step=1, revision="c0")
    world.reconcile()
    assert world.step == 1
    assert "meant for revision c0" in world.last.events[0].message


def test_promote_full_skips_the_remaining_steps_and_analyses() -> None:
    world = _world()
    world.intent("promote-full")
    decision = world.reconcile()
    assert decision.status.promote_full
    assert decision.status.current_step_index == len(STEPS)
    world.settle()
    assert world.status is not None and world.status.phase == "Healthy"
    assert world.status.stable_revision == "c1"


def test_abort_sends_traffic_back_at_once_and_stops_the_runs() -> None:
    world = _world(analysis={"templates": [{"templateName": "bg"}]})
    world.intent("promote", step=1)
    world.settle()
    assert world.weight == 30
    world.intent("abort")
    decision = world.reconcile()
    assert decision.status.abort and decision.status.phase == "Degraded"
    assert world.weight == 0
    assert set(decision.desired.terminate) == {"web-c1-3", "web-c1-bg"}
    assert world.service("web-canary") == "stable"
    assert decision.desired.candidate.replicas == 2  # kept for abortScaleDownDelaySeconds
    later = world.reconcile(after=timedelta(seconds=30))
    assert later.desired.candidate.replicas == 0
    assert "aborted: aborted by a person" in (later.status.message or "")


def test_abort_while_paused_completes_in_one_reconcile() -> None:
    world = _world()
    world.intent("pause")
    world.reconcile()
    world.intent("abort")
    decision = world.reconcile()
    assert decision.status.abort
    assert decision.status.pause_conditions == []
    assert decision.status.phase == "Degraded"
    assert world.reconcile().events == ()  # and stays put: no reconcile loop (S3)


def test_retry_restarts_from_step_zero_with_fresh_run_names() -> None:
    world = _world()
    world.intent("promote", step=1)
    world.settle()
    world.verdict("web-c1-3", "Failed")
    world.reconcile()
    assert world.status is not None and world.status.abort
    world.intent("retry")
    decision = world.reconcile()
    assert not decision.status.abort
    assert decision.status.attempt == 2
    assert "RolloutRetried" in [e.reason for e in decision.events]
    world.settle()
    world.intent("promote", step=1)
    world.settle()
    assert [a.name for a in world.desired.analyses] == ["web-c1-try2-3"]


def test_retry_and_promote_are_refused_where_they_make_no_sense() -> None:
    world = _world()
    world.intent("retry")
    world.reconcile()
    assert "only an aborted rollout can be retried" in world.last.events[0].message
    world.intent("abort")
    world.reconcile()
    world.intent("promote")
    world.reconcile()
    assert "aborted; retry it" in world.last.events[0].message


def test_pause_and_resume() -> None:
    world = _world()
    world.intent("promote", step=1)
    world.candidate_cap = 1  # hold step 2 (30% needs 2 pods)
    world.reconcile()
    world.intent("pause")
    decision = world.reconcile()
    assert decision.status.phase == "Paused"
    assert [c.reason for c in decision.status.pause_conditions] == ["UserPause"]
    world.candidate_cap = None
    world.reconcile()
    world.reconcile()
    assert world.step == 2  # capacity is there, but a person said wait
    world.intent("resume")
    world.settle()
    assert world.step == 3


def test_resume_does_not_pass_an_inconclusive_verdict() -> None:
    world = _world()
    world.intent("promote", step=1)
    world.settle()
    world.verdict("web-c1-3", "Inconclusive")
    world.reconcile()
    world.intent("resume")
    world.reconcile()
    assert "not paused by a person" in world.last.events[0].message
    assert world.step == 3


def test_undo_mid_rollout_aborts_and_asks_for_the_stable_template() -> None:
    world = _world()
    world.intent("undo")
    decision = world.reconcile()
    assert decision.status.abort
    assert decision.desired.rollback is not None
    assert decision.desired.rollback.revision == "s1"
    assert world.weight == 0
    world.candidate_revision = "s1"  # the controller rewrote the workload's template
    decision = world.reconcile()
    assert decision.desired.rollback is None
    assert decision.status.phase == "Healthy"


def test_undo_when_healthy_rolls_out_the_previous_stable() -> None:
    world = World(canary_rollout([{"setWeight": 50}]))
    world.settle()
    assert world.status is not None and world.status.stable_revision == "c1"
    world.intent("undo")
    decision = world.reconcile()
    assert decision.desired.rollback is not None
    assert decision.desired.rollback.revision == "s1"
    assert not decision.status.abort
    world.candidate_revision = "s1"
    decision = world.reconcile()
    assert decision.status.candidate_revision == "s1"
    assert decision.status.current_step_index == 0  # an old template goes through the plan again


def test_undo_to_a_revision_number_is_passed_to_the_controller() -> None:
    world = _world()
    world.intent("undo", toRevision=3)
    decision = world.reconcile()
    assert decision.desired.rollback is not None
    assert (decision.desired.rollback.revision, decision.desired.rollback.to_revision) == (None, 3)


def test_an_intent_without_a_rollout_in_flight_is_ignored() -> None:
    world = World(canary_rollout([{"setWeight": 50}]), candidate_revision="s1")
    world.reconcile()
    world.intent("promote")
    world.reconcile()
    assert world.last.events[0].reason == "IntentIgnored"
    assert "no rollout in progress" in world.last.events[0].message


def test_promote_after_an_inconclusive_background_run_starts_a_fresh_one() -> None:
    world = _world(analysis={"templates": [{"templateName": "bg"}]})
    world.verdict("web-c1-bg", "Inconclusive")
    world.reconcile()
    world.intent("promote", step=1)
    decision = world.settle()
    names = [a.name for a in decision.desired.analyses]
    assert "web-c1-bg-2" in names and "web-c1-bg" not in names
    assert world.traffic == RouterReport(30)

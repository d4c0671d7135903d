"""The canary state machine, one step type and one situation at a time."""

from __future__ import annotations

from datetime import timedelta

from strategies import Observed, RouterReport, VersionState, advance
from tests.fakes.rollout_world import T0, World, canary_rollout

ISTIO = {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}}


def test_first_deploy_skips_the_steps_and_makes_the_candidate_the_stable() -> None:
    world = World(canary_rollout([{"setWeight": 20}, {"pause": {}}]), stable_revision=None)
    first = world.reconcile()
    assert first.desired.stable.revision == "c1"
    assert first.desired.candidate.replicas == 0
    assert first.desired.analyses == ()
    assert first.status.phase == "Progressing"
    assert "first deploy" in (first.status.message or "")
    done = world.reconcile()
    assert done.status.phase == "Healthy"
    assert done.status.stable_revision == "c1"
    assert [e.reason for e in done.events] == ["RolloutPromoted"]
    assert world.weight == 0


def test_set_weight_holds_until_the_candidate_has_capacity() -> None:
    world = World(canary_rollout([{"setWeight": 50}, {"pause": {}}]), candidate_cap=0)
    decision = world.settle()
    assert world.step == 0
    assert world.weight == 0
    assert decision.desired.candidate.replicas == 2  # scaled for the target, ahead of traffic
    assert "waiting for candidate capacity: 0/2" in (decision.status.message or "")
    world.candidate_cap = 1
    world.settle()
    assert world.weight == 0  # one pod of four could take 25 %: the weight waits for all 50 %
    assert world.step == 0
    world.candidate_cap = None
    world.settle()
    assert world.weight == 50
    assert world.step == 1


def test_a_step_moves_the_weight_once_while_pods_become_ready_one_by_one() -> None:
    steps = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]
    world = World(canary_rollout(steps))
    world.settle()
    world.intent("promote", step=1)
    weights = []
    for cap in (1, 2):  # 75 % of 4 pods needs 3
        world.candidate_cap = cap
        world.settle()
        weights.append(world.weight)
    assert weights == [25, 25]
    world.candidate_cap = None
    world.settle()
    assert world.weight == 75
    world.candidate_cap = 2  # a pod is lost: the weight follows capacity down at once
    world.settle()
    assert world.weight == 50


def test_set_weight_completes_only_when_the_router_reports_it() -> None:
    world = World(canary_rollout([{"setWeight": 30}, {"pause": {}}]), router_frozen=True)
    world.traffic = RouterReport(0)  # the router reports, but does not apply yet
    decision = world.settle()
    assert world.weight == 30
    assert world.step == 0
    assert "router to report 30%" in (decision.status.message or "")
    world.router_frozen = False
    world.settle()
    assert world.step == 1


def test_a_timed_pause_survives_a_restart_and_ends_on_time() -> None:
    world = World(
        canary_rollout([{"setWeight": 10}, {"pause": {"duration": "2m"}}, {"setWeight": 20}])
    )
    decision = world.settle()
    assert world.step == 1
    assert decision.status.phase == "Paused"
    assert decision.requeue_at == T0 + timedelta(minutes=2)
    [condition] = decision.status.pause_conditions
    assert (condition.reason, condition.start_time) == ("CanaryPauseStep", T0)
    # A new controller process reads the same status later: the timer is in status.
    restarted = World(world.rollout, now=world.now)
    restarted.status, restarted.traffic = world.status, world.traffic
    restarted.candidate, restarted.runs = world.candidate, world.runs
    restarted.reconcile(after=timedelta(seconds=119))
    assert restarted.step == 1
    ended = restarted.reconcile(after=timedelta(seconds=1))
    assert ended.status.current_step_index == 2
    assert ended.status.pause_conditions == []
    assert restarted.weight == 20


def test_a_pause_without_duration_waits_for_a_person() -> None:
    world = World(canary_rollout([{"setWeight": 10}, {"pause": {}}, {"setWeight": 20}]))
    decision = world.settle()
    assert decision.status.phase == "Paused"
    assert decision.requeue_at is None
    assert decision.waiting_for == "person"
    paused = [e for d in world.decisions for e in d.events if e.reason == "RolloutPaused"]
    assert [(e.step, e.notification) for e in paused] == [(1, "rollout-paused")]
    world.reconcile(after=timedelta(days=3))
    assert world.step == 1
    world.intent("promote", step=1)
    world.settle()
    assert world.step is None  # promoted
    assert world.status is not None and world.status.phase == "Healthy"


def test_inline_analysis_blocks_the_step_until_its_verdict() -> None:
    world = World(
        canary_rollout(
            [
                {"setWeight": 20},
                {"analysis": {"templates": [{"templateName": "t"}]}},
                {"setWeight": 40},
            ]
        )
    )
    decision = world.settle()
    assert world.step == 1
    [request] = decision.desired.analyses
    assert (request.name, request.kind, request.step) == ("web-c1-1", "step", 1)
    assert world.runs["web-c1-1"].phase == "Running"
    world.reconcile(after=timedelta(hours=1))
    assert world.step == 1
    world.verdict("web-c1-1", "Successful")
    world.settle()
    assert world.step is None or world.step >= 2
    assert any(e.reason == "AnalysisRunSuccessful" for d in world.decisions for e in d.events)


def test_a_failed_or_errored_analysis_aborts_with_weight_to_zero_at_once() -> None:
    for phase in ("Failed", "Error"):
        world = World(
            canary_rollout(
                [{"setWeight": 40}, {"analysis": {"templates": [{"templateName": "t"}]}}]
            )
        )
        world.settle()
        assert world.weight == 40
        world.verdict("web-c1-1", phase, "error ratio 0.2 above 0.05")
        decision = world.reconcile()
        assert decision.status.abort
        assert decision.status.phase == "Degraded"
        assert world.weight == 0
        assert decision.desired.traffic is not None and decision.desired.traffic.routes == ()
        assert decision.desired.analyses == ()
        assert f"web-c1-1 ended {phase}: error ratio 0.2" in (decision.status.message or "")
        degraded = next(c for c in decision.status.conditions if c.type == "Degraded")
        assert (degraded.status, degraded.reason) == ("True", "RolloutAborted")


def test_inconclusive_pauses_for_a_person_and_a_promote_advances_exactly_one_step() -> None:
    steps = [
        {"setWeight": 20},
        {"analysis": {"templates": [{"templateName": "t"}]}},
        {"setWeight": 40},
        {"pause": {}},
    ]
    world = World(canary_rollout(steps))
    world.settle()
    world.verdict("web-c1-1", "Inconclusive", "not enough data")
    decision = world.settle()
    assert decision.status.phase == "Paused"
    assert [c.reason for c in decision.status.pause_conditions] == ["InconclusiveAnalysisRun"]
    assert world.step == 1 and world.weight == 20
    paused = next(c for c in decision.status.conditions if c.type == "Paused")
    assert paused.reason == "InconclusiveAnalysisRun"
    world.reconcile(after=timedelta(hours=2))
    assert world.step == 1  # never auto-promoted
    world.intent("promote", step=1)
    world.settle()
    assert world.step == 3  # 1 → 2 (setWeight 40, completes at once) → 3 (pause): one promote
    assert world.weight == 40


def test_header_and_cookie_routes_follow_the_steps_and_need_a_ready_candidate() -> None:
    steps = [
        {
            "setHeaderRoute": {
                "name": "testers",
                "match": [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}],
            }
        },
        {"setCookieRoute": {"name": "beta", "match": [{"cookieName": "beta"}]}},
        {"pause": {}},
        {"setHeaderRoute": {"name": "testers"}},
        {"pause": {}},
    ]
    routing = {**ISTIO, "managedRoutes": [{"name": "beta"}, {"name": "testers"}]}
    world = World(canary_rollout(steps, trafficRouting=routing), candidate_cap=0)
    decision = world.settle()
    assert decision.desired.traffic is not None and decision.desired.traffic.routes == ()
    assert "ready candidate pod" in (decision.status.message or "")
    world.candidate_cap = None
    decision = world.settle()
    assert world.step == 2
    assert decision.desired.traffic is not None
    assert [r.name for r in decision.desired.traffic.routes] == ["beta", "testers"]  # precedence
    world.intent("promote", step=2)
    decision = world.settle()
    assert world.step == 4
    assert decision.desired.traffic is not None
    assert [r.name for r in decision.desired.traffic.routes] == ["beta"]
    assert world.weight == 0


def test_background_analysis_starts_at_its_step_and_gates_the_promotion() -> None:
    steps = [{"setWeight": 10}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": "1m"}}]
    background = {"startingStep": 2, "templates": [{"templateName": "bg"}]}
    world = World(canary_rollout(steps, analysis=background))
    decision = world.settle()
    assert decision.desired.analyses == ()  # step 1: not yet
    world.intent("promote", step=1)
    decision = world.settle()
    assert [a.name for a in decision.desired.analyses] == ["web-c1-bg"]
    assert decision.desired.analyses[0].kind == "background"
    decision = world.reconcile(after=timedelta(minutes=1))
    decision = world.settle()
    # All steps done, but the run has not finished: it is asked to end and judged.
    assert world.step == 4
    assert decision.desired.terminate == ("web-c1-bg",)
    assert "final verdict of background analysis web-c1-bg" in (decision.status.message or "")
    assert world.weight == 50
    world.verdict("web-c1-bg", "Successful")
    world.settle()
    assert world.status is not None and world.status.phase == "Healthy"


def test_a_failed_background_run_aborts_from_any_step() -> None:
    steps = [{"setWeight": 10}, {"pause": {}}]
    world = World(canary_rollout(steps, analysis={"templates": [{"templateName": "bg"}]}))
    world.settle()
    world.verdict("web-c1-bg", "Failed")
    decision = world.reconcile()
    assert decision.status.abort and world.weight == 0


def test_promotion_moves_traffic_to_the_candidate_then_updates_the_stable_then_returns() -> None:
    world = World(canary_rollout([{"setWeight": 25}]), candidate_cap=None)
    weights, stables = [], []
    for _ in range(12):
        decision = world.reconcile()
        weights.append(world.weight)
        stables.append(decision.desired.stable.revision)
    assert weights[:1] == [0] and 25 in weights and 100 in weights
    first_new_stable = stables.index("c1")
    assert weights[first_new_stable - 1] == 100  # all traffic on the candidate first
    assert weights[-1] == 0
    assert world.status is not None
    assert world.status.stable_revision == "c1"
    assert world.status.previous_stable_revision == "s1"
    assert world.status.phase == "Healthy"
    assert world.desired.candidate.replicas == 4  # drains for scaleDownDelaySeconds
    decision = world.reconcile(after=timedelta(seconds=30))
    assert decision.desired.candidate.replicas == 0


def test_an_updated_stable_that_never_gets_ready_keeps_traffic_on_the_candidate() -> None:
    rollout = canary_rollout(
        [{"setWeight": 25}, {"pause": {}}], spec={"progressDeadlineSeconds": 60}
    )
    world = World(rollout)
    world.settle()
    world.intent("promote", step=1)
    while world.status is not None and world.status.promotion_started_at is None:
        world.reconcile()
    assert world.weight == 100
    world.stable_cap = 0  # the updated stable crash-loops (reliability.md W5)
    for _ in range(5):
        world.reconcile()
    assert world.weight == 100
    assert world.desired.stable.revision == "c1"
    assert world.desired.candidate.replicas == 4  # the only healthy copy stays
    decision = world.reconcile(after=timedelta(seconds=61))
    assert decision.status.phase == "Degraded"
    assert "progress deadline (60s) exceeded" in (decision.status.message or "")
    assert "updating stable to c1 (0/4 ready)" in (decision.status.message or "")
    assert world.weight == 100 and decision.desired.candidate.replicas == 4
    assert [e.reason for e in decision.events] == ["ProgressDeadlineExceeded"]
    assert world.reconcile(after=timedelta(minutes=5)).events == ()
    world.stable_cap = None
    world.settle()
    assert world.status is not None and world.status.phase == "Healthy"
    assert world.weight == 0


def test_a_new_revision_mid_rollout_restarts_from_step_zero_with_weights_reset() -> None:
    steps = [
        {"setWeight": 10},
        {"analysis": {"templates": [{"templateName": "t"}]}},
        {"setWeight": 60},
        {"pause": {}},
    ]
    world = World(canary_rollout(steps))
    world.settle()
    world.verdict("web-c1-1", "Successful")
    world.settle()
    assert world.step == 3 and world.weight == 60
    world.candidate_revision = "c2"
    decision = world.reconcile()
    assert decision.status.current_step_index == 0
    assert decision.status.candidate_revision == "c2"
    assert world.weight == 0  # the new candidate has no ready pod yet
    assert "supersedes c1 at step 3" in decision.events[0].message
    world.settle()
    assert world.step == 1 and world.weight == 10
    assert [a.name for a in world.desired.analyses] == ["web-c2-1"]


def test_a_changed_plan_restarts_and_its_runs_get_new_names() -> None:
    world = World(
        canary_rollout([{"setWeight": 10}, {"analysis": {"templates": [{"templateName": "t"}]}}])
    )
    world.settle()
    assert [a.name for a in world.desired.analyses] == ["web-c1-1"]
    world.rollout = canary_rollout(
        [{"setWeight": 5}, {"analysis": {"templates": [{"templateName": "t"}]}}]
    )
    decision = world.reconcile()
    assert decision.status.attempt == 2
    assert decision.desired.terminate == ("web-c1-1",)
    world.settle()
    assert [a.name for a in world.desired.analyses] == ["web-c1-try2-1"]
    assert world.weight == 5


def test_reverting_the_workload_to_the_stable_is_a_rollback_without_steps() -> None:
    world = World(canary_rollout([{"setWeight": 30}, {"pause": {}}]))
    world.settle()
    world.candidate_revision = "s1"
    decision = world.reconcile()
    assert [e.reason for e in decision.events] == ["RolloutRolledBack"]
    assert world.weight == 0
    assert decision.status.phase == "Healthy"


def test_status_lost_mid_rollout_runs_the_plan_again_instead_of_promoting() -> None:
    world = World(canary_rollout([{"setWeight": 30}, {"pause": {}}]))
    world.settle()
    world.status = None  # the cluster was rebuilt (reliability.md G5)
    decision = world.reconcile()
    assert decision.status.stable_revision == "s1"
    assert decision.events[0].reason == "RolloutStarted"
    assert decision.desired.stable.revision == "s1"
    # The world already carries step 0's weight, so step 0 completes at once.
    assert decision.status.current_step_index == 1
    assert decision.status.phase == "Paused"


def test_the_deadline_counts_stalls_on_the_world_not_pauses() -> None:
    rollout = canary_rollout(
        [{"setWeight": 20}, {"pause": {}}, {"setWeight": 40}], spec={"progressDeadlineSeconds": 120}
    )
    world = World(rollout)
    world.settle()
    world.reconcile(after=timedelta(hours=5))
    assert world.status is not None and world.status.phase == "Paused"
    world.candidate_cap = 1  # 40% needs 2 pods
    world.intent("promote", step=1)
    world.reconcile()
    assert world.status is not None and world.status.stalled_since == world.now
    assert world.reconcile(after=timedelta(seconds=119)).status.phase == "Progressing"
    decision = world.reconcile(after=timedelta(seconds=1))
    assert decision.status.phase == "Degraded"
    assert "waiting for candidate capacity: 1/2" in (decision.status.message or "")
    assert not decision.status.abort


def test_progress_deadline_abort_aborts_the_stalled_rollout() -> None:
    spec = {"progressDeadlineSeconds": 30, "progressDeadlineAbort": True}
    rollout = canary_rollout([{"setWeight": 20}], spec=spec)
    world = World(rollout, candidate_cap=0)
    world.reconcile()
    decision = world.reconcile(after=timedelta(seconds=31))
    assert decision.status.abort
    assert "progress deadline of 30s exceeded" in (decision.status.abort_reason or "")


def test_an_invalid_spec_is_degraded_and_holds_everything() -> None:
    rollout = canary_rollout([{"setWeight": 20}, {"pause": {"duration": "soon"}}])
    observed = Observed(VersionState("c1", 1, 1), VersionState("s1", 4, 4), 4)
    decision = advance(rollout=rollout, observed=observed, now=T0)
    assert decision.status.phase == "Degraded"
    assert "steps[1].pause.duration" in (decision.status.message or "")
    assert decision.desired.services == ()
    assert decision.desired.candidate.replicas == 1
    assert [e.reason for e in decision.events] == ["InvalidSpec"]
    again = advance(
        rollout=rollout.model_copy(update={"status": decision.status}), observed=observed, now=T0
    )
    assert again.events == ()


def test_the_same_inputs_give_the_same_decision_and_no_new_events() -> None:
    world = World(
        canary_rollout(
            [{"setWeight": 20}, {"pause": {"duration": "1m"}}],
            analysis={"templates": [{"templateName": "bg"}]},
        )
    )
    decision = world.settle()
    rollout = world.rollout.model_copy(update={"status": decision.status})
    observed = world.observed[-1]
    again = advance(rollout=rollout, observed=observed, now=world.now)
    assert again.status == decision.status
    assert again.desired == decision.desired
    assert again.events == ()

"""Properties of the state machine and the renderers, over random plans and random worlds.

A random canary plan is driven through a random sequence of world changes
(pods that lag or crash, a router that lags, verdicts, intents from people,
new revisions, time). After every reconcile the invariants of
reliability.md T1/T6/T7 must hold.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout_engine.api.routing import VirtualServiceRef
from rollout_engine.api.status import RolloutStatus
from strategies import Decision, Observed, RouterReport, advance, build_plan, run_name
from strategies.capacity import ready_share
from strategies.routers.istio import IstioTargets, render_destination_rule, render_virtual_service
from strategies.routers.nginx_ingress import NginxTargets, render_canary_ingress
from tests.fakes.istio_admission import admission_errors, owned_weights_sum_to_100
from tests.fakes.rollout_world import World, canary_rollout

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = {"headerName": "X-Canary", "headerValue": {"exact": "yes"}}
ROUTING = {
    "istio": {
        "virtualService": {"name": "web", "routes": ["primary"]},
        "destinationRule": {
            "name": "web",
            "canarySubsetName": "canary",
            "stableSubsetName": "stable",
        },
    },
    "managedRoutes": [{"name": "testers"}],
}

step = st.one_of(
    st.integers(0, 100).map(lambda w: {"setWeight": w}),
    st.sampled_from([{"pause": {}}, {"pause": {"duration": "30s"}}, {"pause": {"duration": 0}}]),
    st.just({"analysis": {"templates": [{"templateName": "t"}]}}),
    st.sampled_from(
        [
            {"setHeaderRoute": {"name": "testers", "match": [HEADER]}},
            {"setHeaderRoute": {"name": "testers"}},
        ]
    ),
)


@st.composite
def rollouts(draw: st.DrawFn) -> Any:
    steps = draw(st.lists(step, min_size=1, max_size=6))
    extra: dict[str, Any] = {"maxWeight": draw(st.integers(1, 100))}
    if draw(st.booleans()):
        extra["analysis"] = {
            "templates": [{"templateName": "bg"}],
            "startingStep": draw(st.integers(0, len(steps) - 1)),
        }
    return canary_rollout(steps, trafficRouting=ROUTING, **extra)


action = st.one_of(
    st.tuples(st.just("wait"), st.sampled_from([0, 1, 30, 45, 700])),
    st.tuples(st.just("candidate_cap"), st.sampled_from([None, None, 0, 1, 2, 3])),
    st.tuples(st.just("stable_cap"), st.sampled_from([None, None, None, 2, 4])),
    st.tuples(st.just("router_frozen"), st.booleans()),
    st.tuples(
        st.just("verdict"),
        st.sampled_from(["Successful", "Successful", "Failed", "Inconclusive", "Error"]),
    ),
    st.tuples(
        st.just("intent"),
        st.sampled_from(
            ["promote", "promote", "promote-full", "abort", "retry", "pause", "resume"]
        ),
    ),
    st.tuples(st.just("new_revision"), st.just(0)),
)


def _vs() -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "web"},
        "spec": {
            "hosts": ["web"],
            "http": [
                {
                    "name": "health",
                    "match": [{"uri": {"exact": "/healthz"}}],
                    "route": [{"destination": {"host": "web-primary"}}],
                },
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": "web", "subset": "stable"}, "weight": 100},
                        {"destination": {"host": "web", "subset": "canary"}, "weight": 0},
                    ],
                },
                {
                    "name": "legacy",
                    "route": [{"destination": {"host": "web-legacy"}, "weight": 100}],
                },
            ],
        },
    }


def _plan_bound(world: World, status: RolloutStatus) -> int:
    """The most the plan allows at this position: the step's weight, or 100 while promoting.

    Once the candidate is the stable, its pods run the stable revision and may
    carry what a faltering stable cannot (T8): only capacity bounds them.
    """
    if status.candidate_revision == status.stable_revision:
        return 100
    if status.abort:
        return 0
    plan = build_plan(world.rollout)
    index = status.current_step_index or 0
    return plan.steps[index].weight if index < len(plan.steps) else 100


def _apply(world: World, kind: str, value: Any) -> None:
    if kind == "wait":
        world.now += timedelta(seconds=value)
    elif kind == "candidate_cap":
        world.candidate_cap = value
    elif kind == "stable_cap":
        world.stable_cap = value
    elif kind == "router_frozen":
        world.router_frozen = value
    elif kind == "verdict":
        running = [name for name, run in world.runs.items() if not run.terminal]
        if running:
            world.verdict(sorted(running)[0], value)
    elif kind == "intent" and world.status is not None:
        world.intent(value, step=world.status.current_step_index)
    elif kind == "new_revision":
        world.candidate_revision = world.candidate_revision + "x"


@dataclass
class Checker:
    """Checks every decision of a walk."""

    world: World
    vs: dict[str, Any]
    previous_weight: int = 0

    def check(self, decision: Decision, observed: Observed) -> None:
        traffic = decision.desired.traffic
        assert traffic is not None
        weight = traffic.canary_weight
        status = decision.status
        assert 0 <= weight <= 100
        assert status.desired_weights is not None
        assert status.desired_weights.canary + status.desired_weights.stable == 100
        assert weight <= ready_share(observed.candidate.ready, observed.replicas), (
            "weight above ready share"
        )
        bound = _plan_bound(self.world, status)
        current = observed.traffic.canary_weight if observed.traffic else self.previous_weight
        assert weight <= max(bound, current), "weight above the plan"
        plan = build_plan(self.world.rollout)
        if (status.current_step_index or 0) < len(plan.steps) and bound < 100:
            assert weight <= max(plan.max_weight, current), "weight above maxWeight"
        if weight > current and status.candidate_revision != status.stable_revision:
            named = {s.weight for s in plan.steps} | {100}
            assert weight in named, f"an increase to {weight}%, a weight the plan does not name"
        if observed.stable.ready >= observed.replicas:
            assert weight <= bound, "weight above the plan with a fully ready stable"
            if status.phase == "Healthy":
                assert weight == 0
        if status.abort:
            assert traffic.routes == () and decision.desired.analyses == ()
        self._check_analysis_gates(decision, observed)
        self._check_idempotent(decision, observed)
        self._check_rendering(decision)
        self.previous_weight = weight

    def _check_analysis_gates(self, decision: Decision, observed: Observed) -> None:
        """An analysis step completes only on a Successful run, or by a person's promote."""
        plan = build_plan(self.world.rollout)
        for event in decision.events:
            if event.reason != "RolloutStepCompleted" or event.step is None:
                continue
            step = plan.steps[event.step]
            if step.analysis is None or "by promote" in event.message:
                continue
            name = run_name(
                rollout="web",
                revision=observed.candidate_revision,
                attempt=decision.status.attempt or 1,
                suffix=step.analysis.suffix,
            )
            run = observed.run(name)
            assert decision.status.promote_full or (run is not None and run.phase == "Successful")

    def _check_idempotent(self, decision: Decision, observed: Observed) -> None:
        rollout = self.world.rollout.model_copy(update={"status": decision.status})
        again = advance(rollout=rollout, observed=observed, now=self.world.now)
        assert again.status == decision.status
        assert again.desired == decision.desired
        assert again.events == ()

    def _check_rendering(self, decision: Decision) -> None:
        traffic = decision.desired.traffic
        assert traffic is not None
        targets = IstioTargets.for_rollout(self.world.rollout)
        ref = VirtualServiceRef(name="web", routes=["primary"])
        before = copy.deepcopy(self.vs)
        self.vs = render_virtual_service(self.vs, ref=ref, targets=targets, traffic=traffic)
        assert render_virtual_service(self.vs, ref=ref, targets=targets, traffic=traffic) == self.vs
        assert admission_errors(self.vs) == []
        assert owned_weights_sum_to_100(self.vs, ["primary"])
        unrelated = [r for r in self.vs["spec"]["http"] if r.get("name") in ("health", "legacy")]
        assert unrelated == [
            r for r in before["spec"]["http"] if r.get("name") in ("health", "legacy")
        ]
        assert self.vs["spec"]["hosts"] == ["web"]


@SETTINGS
@given(rollout=rollouts(), actions=st.lists(action, max_size=25))
def test_invariants_hold_at_every_reconcile(rollout: Any, actions: list[tuple[str, Any]]) -> None:
    world = World(rollout)
    checker = Checker(world, _vs())
    for kind, value in [("wait", 0), *actions, ("wait", 0)]:
        _apply(world, kind, value)
        decision = world.reconcile()
        checker.check(decision, world.observed[-1])


def _canary_index_before(world: World) -> int | None:
    return world.status.current_step_index if world.status else None


@SETTINGS
@given(rollout=rollouts(), reconciles=st.integers(1, 8), waits=st.integers(0, 3))
def test_abort_from_any_step_puts_all_traffic_back_on_stable(
    rollout: Any, reconciles: int, waits: int
) -> None:
    world = World(rollout, auto_verdict="Successful")
    for _ in range(reconciles):
        world.reconcile(after=timedelta(seconds=30 * waits))
    assert world.status is not None
    in_flight = world.status.candidate_revision != world.status.stable_revision
    world.intent("abort")
    decision = world.reconcile()
    if not in_flight:
        assert decision.events[0].reason == "IntentIgnored"
        return
    assert decision.status.abort and decision.status.phase == "Degraded"
    assert world.weight == 0
    assert decision.desired.traffic is not None and decision.desired.traffic.routes == ()
    assert decision.desired.analyses == ()
    assert world.service("web-canary") == "stable"
    subsets = {s.name: s.revision for s in decision.desired.subsets}
    assert subsets == {"stable": "s1", "canary": "s1"}  # W2: the DR leaves the canary revision
    assert decision.desired.stable.revision == "s1"
    rule = {
        "spec": {"subsets": [{"name": "stable", "labels": {}}, {"name": "canary", "labels": {}}]}
    }
    canary = world.rollout.spec.strategy.canary
    assert canary is not None and canary.traffic_routing is not None
    assert canary.traffic_routing.istio is not None
    ref = canary.traffic_routing.istio.destination_rule
    assert ref is not None
    rendered = render_destination_rule(rule, ref=ref, subsets=decision.desired.subsets)
    assert all("s1" in s["labels"].values() for s in rendered["spec"]["subsets"])


@SETTINGS
@given(rollout=rollouts(), reconciles=st.integers(1, 8))
def test_a_new_revision_resets_the_plan(rollout: Any, reconciles: int) -> None:
    world = World(rollout, auto_verdict="Successful")
    for _ in range(reconciles):
        world.reconcile(after=timedelta(seconds=30))
    world.candidate_revision = "c2"
    decision = world.reconcile()
    assert decision.status.candidate_revision == "c2"
    assert decision.status.attempt == 1 and not decision.status.abort
    assert {e.reason for e in decision.events} & {"RolloutStarted", "RolloutRestarted"}
    assert all("-c2-" in a.name for a in decision.desired.analyses)
    assert world.weight == 0  # none of the new pods is ready yet
    assert decision.status.current_step_index is not None
    # Only steps that need nothing from the new pods may complete at once: no
    # analysis is skipped and no weight given to pods that are not ready.
    plan = build_plan(world.rollout)
    passed = plan.steps[: decision.status.current_step_index]
    assert all(s.analysis is None and s.weight == 0 for s in passed)


@SETTINGS
@given(rollout=rollouts(), reconciles=st.integers(0, 6))
def test_promote_advances_exactly_one_step(rollout: Any, reconciles: int) -> None:
    world = World(rollout)
    for _ in range(reconciles):
        world.reconcile(after=timedelta(seconds=10))
    # Freeze the world: nothing completes by itself any more.
    world.candidate_cap, world.router_frozen = 0, True
    world.traffic = RouterReport(0, frozenset({"unexpected"}), uniform=False)
    world.reconcile()
    assert world.status is not None
    plan = build_plan(world.rollout)
    index = world.status.current_step_index
    if index is None or index >= len(plan.steps) or world.status.abort:
        return
    if any(c.reason == "UserPause" for c in world.status.pause_conditions):
        return
    world.intent("promote", step=index)
    decision = world.reconcile()
    by_promote = [
        e
        for e in decision.events
        if e.reason == "RolloutStepCompleted" and "by promote" in e.message
    ]
    assert [e.step for e in by_promote] == [index]
    after = decision.status.current_step_index
    assert after is not None and after >= index + 1
    # Whatever else completed did so by itself (a zero pause), not by the promote.
    assert all(
        s.pause is not None and s.pause.duration == timedelta(0)
        for s in plan.steps[index + 1 : after]
    )
    world.intent("promote", step=index)  # the same click again
    decision = world.reconcile()
    assert decision.status.current_step_index == after
    assert decision.events[0].reason == "IntentIgnored"


@SETTINGS
@given(weight=st.integers(0, 100), header=st.booleans(), in_progress=st.booleans())
def test_nginx_rendering_twice_changes_nothing(
    weight: int, header: bool, in_progress: bool
) -> None:
    rollout = canary_rollout(
        [{"setHeaderRoute": {"name": "testers", "match": [HEADER]}}, {"setWeight": weight}],
        trafficRouting={"nginx": {"stableIngress": "web"}, "managedRoutes": [{"name": "testers"}]},
    )
    plan = build_plan(rollout)
    from strategies import TrafficState

    traffic = TrafficState(weight, plan.steps[1].routes if header else (), in_progress=in_progress)
    ingress = {
        "metadata": {"name": "web"},
        "spec": {
            "rules": [{"http": {"paths": [{"path": "/", "backend": {"service": {"name": "web"}}}]}}]
        },
    }
    targets = NginxTargets.for_rollout(rollout)
    first = render_canary_ingress(ingress, targets=targets, traffic=traffic)
    assert render_canary_ingress(ingress, targets=targets, traffic=traffic) == first
    assert (first is None) == (not in_progress)
    if first is not None:
        assert first["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == str(
            weight
        )

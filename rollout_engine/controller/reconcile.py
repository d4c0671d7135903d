"""One reconcile of one Rollout, as a short sequence of named steps.

``read_world`` → ``observe_router`` → ``build_observed`` → (the finalizer) → ``decide``
(``strategies.advance``) → ``record_status`` (one write, with the outbox) →
``announce`` (Events, notifications) → ``apply_desired`` in the safe order
(scale up → Services → traffic → analysis runs → scale down → undo) →
``arm_timers``.

Level-triggered and idempotent: each step reads what it needs from the
world read at the start, and writes absolute values only when they differ.
Status is written *before* acting (the engine's contract): a crash after
acting repeats the same decision instead of undoing the step it completed.
A rollout whose references are broken is *held* (status says why, nothing
is applied); one whose world is still settling (a Deployment status older
than its spec) is looked at again in a second, without deciding anything.
A Rollout being deleted gets the hand-back of ``finalizer`` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rollout_engine.api.routing import TrafficRouting
from rollout_engine.api.status import RolloutStatus
from rollout_engine.controller.clock import Clock
from rollout_engine.controller.events import EventRecorder
from rollout_engine.controller.finalizer import Finalizer, deleting
from rollout_engine.controller.measuring import Measurer, RunContext
from rollout_engine.controller.metrics import PhaseBook
from rollout_engine.controller.ownership import owner_reference
from rollout_engine.controller.problems import Problem
from rollout_engine.controller.routers import TrafficRouter, router_for, routing_of
from rollout_engine.controller.runs import build_run, ensure_run, template_ids
from rollout_engine.controller.services import Services
from rollout_engine.controller.status import StatusBook
from rollout_engine.controller.timers import Timers
from rollout_engine.controller.workload import (
    ready_of,
    replicas_of,
    revision_of,
    service_size,
    template_of,
)
from rollout_engine.controller.workloads import Workloads, primary_revision
from rollout_engine.controller.world import World, WorldReader
from rollout_engine.controller.writes import Writer
from rollout_engine.engine import run_state
from rollout_engine.errors import Forbidden, SpecError
from rollout_engine.kube import Objects
from rollout_engine.notify import RolloutRef, has_pending
from strategies import (
    AnalysisRequest,
    Decision,
    Observed,
    RouterReport,
    RunState,
    VersionState,
    advance,
)

__all__ = ["Outcome", "Reconciler"]

log = logging.getLogger("rollout_engine.controller.reconcile")


@dataclass(frozen=True)
class Outcome:
    """What the worker does next with the key: look again at once, in a while, or not."""

    again: bool = False
    after: float | None = None


class Reconciler:
    """The reconcile steps, wired to one API connection."""

    def __init__(
        self,
        *,
        objects: Objects,
        writer: Writer,
        clock: Clock,
        timers: Timers,
        recorder: EventRecorder,
        status: StatusBook,
        measurer: Measurer,
        submit: Callable[[RolloutRef], object],
        phases: PhaseBook,
        cluster_templates: bool = True,
    ) -> None:
        self._objects, self._writer, self._clock = objects, writer, clock
        self._timers, self._recorder, self._status = timers, recorder, status
        self._measurer, self._submit, self._phases = measurer, submit, phases
        self._reader = WorldReader(objects, cluster_templates=cluster_templates)
        self._workloads = Workloads(writer)
        self._services = Services(writer)
        self._finalizer = Finalizer(writer)
        self._failed_applies: dict[RolloutRef, Problem] = {}

    def reconcile(self, key: RolloutRef) -> Outcome:
        """Bring `key` one step closer to what its spec and status ask for."""
        world = self.read_world(key)
        if world is None:
            return self.forget(key)
        if deleting(world.raw) or world.held:  # NB: a Rollout being deleted is handed back
            return self.finalize(world) if deleting(world.raw) else self.hold(world)
        router, traffic = self.observe_router(world)
        if world.held:
            return self.hold(world)
        observed = self.build_observed(world, traffic)
        if observed is None:
            return Outcome(after=1.0)
        self._finalizer.ensure(world)  # NB: before the status write: it moves the version
        now = self._clock()
        decision = self.decide(world, observed, now=now)
        self.record_status(world, decision, now=now)
        self.announce(world, decision)
        try:
            changed, run_wakes = self.apply_desired(world, decision, observed, router)
        except SpecError as exc:
            return self.report_failed_apply(world, exc)
        self.arm_timers(key, decision, run_wakes)
        return Outcome(again=changed)

    # -- the steps ---------------------------------------------------------------------

    def read_world(self, key: RolloutRef) -> World | None:
        """Step 1: the Rollout and everything it references, fresh."""
        world = self._reader.read(key)
        if world is not None and key in self._failed_applies:
            world.problems.append(self._failed_applies[key])
        return world

    def observe_router(self, world: World) -> tuple[TrafficRouter | None, RouterReport | None]:
        """Step 2: the router named by the spec, and what it reports now."""
        assert world.rollout is not None
        owner = owner_reference(world.raw)
        try:
            router = router_for(
                world.rollout, objects=self._objects, writer=self._writer, owner=owner
            )
            return router, (router.observe(rollout=world.rollout) if router else None)
        except (SpecError, Forbidden) as exc:
            world.problems.append(Problem("RouterError", str(exc)))
            return None, None

    def build_observed(self, world: World, traffic: RouterReport | None) -> Observed | None:
        """Step 3: the engine's view of the world; None while a Deployment status is stale."""
        candidate, primary = world.candidate, world.primary
        assert candidate is not None
        ready, stable_ready = ready_of(candidate), ready_of(primary)
        if ready is None or stable_ready is None:
            return None
        runs = {name: _run_state(obj) for name, obj in world.runs.items()}
        return Observed(
            candidate=VersionState(
                revision_of(template_of(candidate)), ready, replicas_of(candidate)
            ),
            stable=VersionState(primary_revision(primary), stable_ready, replicas_of(primary)),
            replicas=service_size(candidate, primary),
            runs=runs,
            traffic=traffic,
        )

    def decide(self, world: World, observed: Observed, *, now: datetime) -> Decision:
        """Step 4: the strategy engine's decision (pure)."""
        assert world.rollout is not None
        return advance(rollout=world.rollout, observed=observed, now=now)

    def record_status(self, world: World, decision: Decision, *, now: datetime) -> None:
        """Step 5: one status write with the transitions and their outbox entries."""
        composed = self._status.compose(
            world, decision.status, events=decision.events, problems=world.problems, now=now
        )
        self._write_status(world, composed)

    def announce(self, world: World, decision: Decision) -> None:
        """Step 6: a Kubernetes Event per transition; pending notifications to the dispatcher."""
        for event in decision.events:
            log.info(
                event.message,
                extra={
                    "rollout": f"{world.key.namespace}/{world.key.name}",
                    "reason": event.reason,
                    "step": event.step,
                    "run": event.run,
                },
            )
            self._recorder.emit(
                world.raw, type=event.type, reason=event.reason, message=event.message
            )
        if has_pending(world.stored):
            self._submit(world.key)

    def apply_desired(
        self, world: World, decision: Decision, observed: Observed, router: TrafficRouter | None
    ) -> tuple[bool, dict[str, datetime | None]]:
        """Step 7: the desired state, in the safe order; returns (changed, run wake-ups).

        Raises:
            SpecError: something only a person can fix (no ports for a Service, an undo
                to a template no longer kept, a run name taken by someone else).
        """
        desired, status = decision.desired, decision.status
        changed = self._scale(world, decision, observed, phase="up")
        changed |= self._services.apply(world, desired.services)
        if router is not None and desired.traffic is not None:
            assert world.rollout is not None
            changed |= router.apply(
                rollout=world.rollout, desired=desired.traffic, subsets=desired.subsets
            )
        ran, wakes = self.run_analyses(world, decision, observed)
        changed |= ran
        changed |= self._scale(world, decision, observed, phase="down")
        if desired.rollback is not None and status.undo is not None:
            changed |= self._workloads.undo(world, desired.rollback)
        self._failed_applies.pop(world.key, None)
        return changed, wakes

    def run_analyses(
        self, world: World, decision: Decision, observed: Observed
    ) -> tuple[bool, dict[str, datetime | None]]:
        """Step 7d: create the runs the engine wants, measure what is due, stop the rest."""
        desired = decision.desired
        stable = decision.status.stable_revision or observed.candidate_revision
        changed = self._create_runs(
            world, desired.analyses, stable=stable, candidate=observed.candidate_revision
        )
        uid = str((world.raw.get("metadata") or {}).get("uid"))
        ctx = RunContext(world.namespace, world.key.name, uid, stable, observed.candidate_revision)
        wanted = {a.name for a in desired.analyses}
        wakes: dict[str, datetime | None] = {}
        for name, obj in world.runs.items():
            stop = "the rollout no longer needs it" if name in desired.terminate else None
            if name not in wanted and stop is None:
                continue
            outcome = self._measurer.advance(obj, ctx, stop=stop)
            changed |= outcome.written
            wakes[f"run:{name}"] = outcome.next_at
        return changed, wakes

    def _create_runs(
        self, world: World, requests: Sequence[AnalysisRequest], *, stable: str, candidate: str
    ) -> bool:
        """Create (or adopt) each requested run whose templates are all present and valid."""
        assert world.rollout is not None
        bad = {p.template for p in world.problems if p.template}
        changed = False
        for request in requests:
            ids = template_ids(request)
            if request.name in world.runs or any(t in bad or t not in world.templates for t in ids):
                continue
            body = build_run(
                request,
                templates=world.templates,
                rollout=world.rollout,
                raw=world.raw,
                stable=stable,
                candidate=candidate,
            )
            world.runs[request.name] = ensure_run(
                self._writer, self._objects, body, owner=world.raw
            )
            changed = True
        return changed

    def arm_timers(
        self, key: RolloutRef, decision: Decision, run_wakes: dict[str, datetime | None]
    ) -> None:
        """Step 8: wake up when the engine or an analysis run asks to."""
        self._timers.set(key, {"rollout": decision.requeue_at, **run_wakes})

    # -- the other outcomes ------------------------------------------------------------

    def hold(self, world: World) -> Outcome:
        """Report why the rollout cannot be reconciled; apply nothing."""
        composed = self._status.compose(
            world, world.stored, problems=world.problems, now=self._clock()
        )
        self._write_status(world, composed)
        if has_pending(world.stored):
            self._submit(world.key)  # NB: messages recorded before the hold still go out
        return Outcome()

    def report_failed_apply(self, world: World, error: SpecError) -> Outcome:
        """Something only a person can fix stopped the apply: say so, and do not loop on it.

        The problem is remembered (in memory: a restart finds it again) and laid over
        every status until an apply succeeds; the next event or the resync tries again.
        """
        problem = Problem("ApplyFailed", str(error), hold=False)
        self._failed_applies[world.key] = problem
        if problem not in world.problems:
            world.problems.append(problem)
        composed = self._status.compose(
            world, world.stored, problems=world.problems, now=self._clock()
        )
        self._write_status(world, composed)
        return Outcome()

    def finalize(self, world: World) -> Outcome:
        """The Rollout is being deleted: one step of handing the app back (``finalizer``)."""
        router = self.observe_router(world)[0] if world.rollout is not None else None
        waiting = self._finalizer.finalize(world, router)
        if waiting is None:
            self._timers.cancel(world.key)
            return Outcome()
        status = world.stored.model_copy(update={"message": f"deleting: {waiting}"})
        self._write_status(world, status)
        return Outcome(after=1.0)

    def forget(self, key: RolloutRef) -> Outcome:
        """The Rollout is gone: drop its timers and its place in the metrics."""
        self._timers.cancel(key)
        self._phases.set(key, None)
        self._failed_applies.pop(key, None)
        return Outcome()

    def _write_status(self, world: World, status: RolloutStatus) -> None:
        before = world.stored.message
        self._status.write(world, status)
        self._phases.set(world.key, status.phase)
        if world.problems and status.message != before:
            self._recorder.emit(
                world.raw,
                type="Warning",
                reason=world.problems[0].reason,
                message=status.message or world.problems[0].message,
            )

    def _scale(self, world: World, decision: Decision, observed: Observed, *, phase: str) -> bool:
        desired = decision.desired
        labelled = _subset_routing(world)
        first_deploy = decision.status.stable_revision is None
        if phase == "up":
            changed = self._workloads.primary(world, desired.stable, phase="up")
            return changed | self._workloads.candidate(
                world,
                desired.candidate.replicas,
                phase="up",
                size=observed.replicas,
                labelled=labelled,
                hold=False,
            )
        changed = self._workloads.candidate(
            world,
            desired.candidate.replicas,
            phase="down",
            size=observed.replicas,
            labelled=labelled,
            hold=first_deploy,
        )
        return changed | self._workloads.primary(world, desired.stable, phase="down")


def _run_state(run: dict[str, object]) -> RunState:
    status = run.get("status")
    fields = status if isinstance(status, dict) else {}
    return run_state(fields.get("phase"), fields.get("message"))


def _subset_routing(world: World) -> bool:
    """DestinationRule subsets select pods by the revision label, so candidate pods need it."""
    assert world.rollout is not None
    routing: TrafficRouting | None = routing_of(world.rollout)[0]
    return (
        routing is not None
        and routing.istio is not None
        and (routing.istio.destination_rule is not None)
    )

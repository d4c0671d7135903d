"""The sandbox's engine loop: the controller's reconcile, on one machine, in real time.

Each tick is one reconcile, in the controller's order:

1. **observe** — each version's process up and answering ``/healthz``
   (its readiness; one "replica" per version), the runs' verdicts from
   memory (:class:`~.runs.LocalRuns`), and the routing last applied to nginx
   (:class:`~.router.LocalRouter`);
2. **decide** — ``strategies.advance``, the same pure function the
   controller calls; its status is kept in memory;
3. **apply** the desired state in the safe order: versions first (a
   promotion asks for the stable to run the candidate's build: a new
   process starts on the stable track and takes over without dropping a
   request), then traffic (render + nginx reload), then the analysis runs
   (create, measure what is due at ``now``, terminate what is no longer
   wanted) — their verdicts reach the strategy engine at the next tick.

The loop sleeps until the next tick (or an earlier wake-up the engine or a
run asks for) and stops once the rollout has settled: **Promoted** (Healthy,
the stable runs the candidate), **RolledBack** (aborted and all traffic back
on the stable), or **Paused** (waiting for a person, e.g. after an
Inconclusive verdict: the demo has nobody to promote or abort). A run that
exceeds its time limit ends **TimedOut**.

Children are spawned from the calling thread (the main one), as the
sandbox's parent-death signal requires.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import RolloutStatus
from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.manifests import Manifests
from rollout_engine.sandbox.net import http_get
from rollout_engine.sandbox.processes import CANDIDATE, STABLE, AppSpec, RunningApp, Sandbox
from rollout_engine.sandbox.router import LocalRouter
from rollout_engine.sandbox.runs import LocalRuns
from rollout_engine.sandbox.signals import sleep_or_exit
from strategies import Decision, DesiredState, Observed, VersionState, advance

__all__ = ["Outcome", "SandboxEngine", "Tick", "answers_healthz"]

Settled = Literal["Promoted", "RolledBack", "Paused", "TimedOut"]
Tick = Callable[[datetime, Decision], None]
REPLICAS = 1  # NB: one process per version; every share of traffic is within its capacity


@dataclass(frozen=True)
class Outcome:
    """How a rollout settled, when, and why (the evidence is in the reason)."""

    verdict: Settled
    at: datetime
    reason: str
    metric: str | None
    status: RolloutStatus


def answers_healthz(app: RunningApp) -> bool:
    """A version is ready while its process runs and answers ``/healthz``."""
    if not app.child.alive():
        return False
    reply = http_get(f"http://{app.address}/healthz", timeout=1.0)
    return reply is not None and reply.status == 200


class SandboxEngine:
    """Drives one Rollout over the sandbox's two tracks until it settles."""

    def __init__(
        self,
        box: Sandbox,
        manifests: Manifests,
        *,
        builds: Mapping[str, AppSpec],
        router: LocalRouter,
        runs: LocalRuns,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = sleep_or_exit,
        ready: Callable[[RunningApp], bool] | None = None,
    ) -> None:
        self._box, self._manifests, self._builds = box, manifests, dict(builds)
        self._router, self._runs = router, runs
        self._clock, self._sleep = clock, sleep
        self._ready = ready or answers_healthz
        self.status: RolloutStatus | None = None
        self._desired_candidate = REPLICAS

    @property
    def rollout(self) -> Rollout:
        """The Rollout with the status as it stands."""
        return self._manifests.rollout.model_copy(update={"status": self.status})

    def first_deploy(self) -> Decision:
        """Adopt the stable track's build as the Rollout's first revision (its stable)."""
        stable = self._version(STABLE)
        observed = Observed(candidate=stable, stable=stable, replicas=REPLICAS)
        decision = advance(rollout=self.rollout, observed=observed, now=self._clock())
        self.status = decision.status
        if self.status.stable_revision != stable.revision:
            raise SandboxError(f"the first deploy did not settle: {self.status.message}")
        return decision

    def reconcile(self) -> Decision:
        """One tick: observe, decide, apply."""
        observed = self.observe()
        decision = advance(rollout=self.rollout, observed=observed, now=self._clock())
        self.status = decision.status
        self.apply(decision, observed)
        return decision

    def observe(self) -> Observed:
        """The world as the engine is told it, read fresh."""
        return Observed(
            candidate=self._version(CANDIDATE, desired=self._desired_candidate),
            stable=self._version(STABLE),
            replicas=REPLICAS,
            runs=self._runs.states(),
            traffic=self._router.observe(),
        )

    def apply(self, decision: Decision, observed: Observed) -> None:
        """The desired state, in the safe order: versions, traffic, analysis runs."""
        desired = decision.desired
        self._versions(desired)
        self._router.apply(desired)
        stable = decision.status.stable_revision or observed.candidate_revision
        self._runs.sync(
            desired, rollout=self.rollout, stable=stable, candidate=observed.candidate_revision
        )

    def run(self, *, timeout: timedelta, tick_s: float, on_tick: Tick | None = None) -> Outcome:
        """Reconcile every `tick_s` (or sooner when asked) until the rollout settles."""
        deadline = self._clock() + timeout
        while True:
            decision = self.reconcile()
            now = self._clock()
            if on_tick is not None:
                on_tick(now, decision)
            settled = self.settled(decision, now=now)
            if settled is not None:
                return settled
            if now >= deadline:
                return self._outcome("TimedOut", now, f"not settled after {timeout}: "
                                     f"{decision.status.message}")  # fmt: skip
            self._sleep(self._pause(now, decision, tick_s))

    def settled(self, decision: Decision, *, now: datetime) -> Outcome | None:
        """The outcome, once the rollout has nothing left to do without a person."""
        status = decision.status
        candidate = self._box.apps[CANDIDATE].spec.version
        if status.abort and self._router.on_stable():
            metric = self._culprit(status)
            return self._outcome("RolledBack", now, status.abort_reason or "aborted", metric)
        if status.phase == "Healthy" and status.stable_revision == candidate:
            return self._outcome("Promoted", now, self._evidence(candidate))
        if decision.waiting_for == "person" and not status.abort:
            return self._outcome("Paused", now, f"waiting for a person: {status.message}")
        return None

    # -- internals ----------------------------------------------------------

    def _version(self, track: str, *, desired: int = REPLICAS) -> VersionState:
        app = self._box.apps[track]
        return VersionState(app.spec.version, ready=int(self._ready(app)), desired=desired)

    def _versions(self, desired: DesiredState) -> None:
        """Scale up: the stable track runs the build the engine asks for."""
        self._desired_candidate = desired.candidate.replicas
        wanted = desired.stable.revision
        if self._box.apps[STABLE].spec.version != wanted:
            spec = self._builds.get(wanted)
            if spec is None:
                raise SandboxError(f"no build {wanted!r} to run on the stable track")
            self._box.replace_app(STABLE, spec, render=self._router.render)

    def _pause(self, now: datetime, decision: Decision, tick_s: float) -> float:
        wake = [t for t in (decision.requeue_at, self._runs.next_at()) if t is not None]
        soonest = min([now + timedelta(seconds=tick_s), *wake])
        return max(0.05, (soonest - now).total_seconds())

    def _culprit(self, status: RolloutStatus) -> str | None:
        """The metric whose verdict ended the run that aborted the rollout."""
        verdict = status.last_verdict
        run = self._runs.get(verdict.run) if verdict is not None else None
        if run is None or run.status is None:
            return None
        phase = run.status.phase  # NB: the run's verdict is its worst decisive metric's
        found = next(
            (r for r in run.status.metric_results if r.phase == phase and not r.dry_run), None
        )
        return found.name if found is not None else None

    def _evidence(self, candidate: str) -> str:
        """Why the candidate was promoted: every run of it, with each metric's last look."""
        parts = []
        for run in self._runs:
            if run.status is None or run.candidate != candidate:
                continue
            looks = [
                f"{r.name}: {r.measurements[-1].message}"
                for r in run.status.metric_results
                if r.measurements and r.measurements[-1].message
            ]
            parts.append(f"analysis {run.name} {run.status.phase} ({'; '.join(looks)})")
        stable = self.status.previous_stable_revision if self.status else None
        return f"{candidate} is the stable now (was {stable}); " + "; ".join(parts)

    def _outcome(
        self, verdict: Settled, at: datetime, reason: str, metric: str | None = None
    ) -> Outcome:
        return Outcome(verdict, at, reason, metric, self.status or RolloutStatus())

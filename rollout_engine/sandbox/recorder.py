"""From the engine's reconciles to a :class:`~.timeline.Timeline`: what the views show.

After each reconcile of the sandbox's engine loop, :class:`Recorder` notes

- a step mark when the plan position, the weight or the routes changed;
- every new measurement of every run, with its estimate, bound and the
  metric's allowed ratio (the limit the bound is judged against);
- each running metric's value per version (:mod:`.probes`);
- the requests served per version since the scenario started, as the load
  generator counted them from the apps' own ``X-Sandbox-Version`` header.

Traffic is counted per *build*: once the promotion has put the candidate's
build on the stable track too, the two can no longer be told apart, and the
traffic series stops there.
"""

from __future__ import annotations

from datetime import datetime

from analysis.providers.base import MetricProvider
from rollout_engine.api.metric import Comparison
from rollout_engine.api.status import RolloutStatus
from rollout_engine.sandbox.loadgen import LoadGenerator
from rollout_engine.sandbox.probes import probe, unit_of
from rollout_engine.sandbox.runs import LocalRun, LocalRuns
from rollout_engine.sandbox.timeline import StepMark, Timeline, TrafficSample, measurement_from_api
from strategies import Plan, TrafficState
from strategies.transitions import step_label

__all__ = ["Recorder", "plan_labels", "position"]


def plan_labels(plan: Plan) -> tuple[str, ...]:
    """The plan as the views list it: each step, then the promotion."""
    return (*(step_label(s) for s in plan.steps), "promotion")


def position(plan: Plan, status: RolloutStatus) -> tuple[int, str]:
    """Where the rollout is, as (plan index, description)."""
    index = status.current_step_index
    if status.abort:
        return (index or 0, "aborted: traffic back to the stable")
    if index is None:
        return (len(plan.steps), f"done: the stable runs {status.stable_revision}")
    if index < len(plan.steps):
        return (index, step_label(plan.steps[index]))
    return (len(plan.steps), "promotion")


class Recorder:
    """Feeds one scenario's timeline from the engine loop."""

    def __init__(
        self,
        timeline: Timeline,
        *,
        plan: Plan,
        runs: LocalRuns,
        load: LoadGenerator,
        provider: MetricProvider,
        candidate: str,
    ) -> None:
        self.timeline = timeline
        self._plan, self._runs, self._load, self._provider = plan, runs, load, provider
        self._candidate = candidate
        self._since = load.mark()
        self._last: tuple[int, str, int, tuple[str, ...]] | None = None
        self._seen: set[tuple[str, str, datetime]] = set()

    def record(
        self, *, now: datetime, status: RolloutStatus, applied: TrafficState, stable: str
    ) -> None:
        """Note what this reconcile changed, measured and served."""
        self._step(now, status, applied)
        for run in self._runs:
            if run.candidate != self._candidate:
                continue  # NB: an earlier scenario's runs are in its own timeline
            self._measurements(run)
            if run.status is not None and run.status.phase == "Running":
                self._values(run, now=now)
        self._traffic(now, stable=stable)

    def _step(self, now: datetime, status: RolloutStatus, applied: TrafficState) -> None:
        index, description = position(self._plan, status)
        routes = tuple(r.name for r in applied.routes)
        key = (index, description, applied.canary_weight, routes)
        if key != self._last:
            self._last = key
            self.timeline.step(
                StepMark(index, now, description, applied.canary_weight, routes=routes)
            )

    def _measurements(self, run: LocalRun) -> None:
        if run.status is None:
            return
        limits = {m.name: _limit(m.comparison) for m in run.spec.metrics}
        for result in run.status.metric_results:
            for m in result.measurements:
                key = (run.name, result.name, m.started_at)
                if key not in self._seen:
                    self._seen.add(key)
                    row = measurement_from_api(result.name, m, limit=limits.get(result.name))
                    self.timeline.measurement(row)

    def _values(self, run: LocalRun, *, now: datetime) -> None:
        compiled = self._runs.compiled(run)
        if compiled is None or run.status is None or run.status.started_at is None:
            return
        for metric in compiled.metrics:
            self.timeline.declare_metric(metric.name, unit=unit_of(metric))
            values = probe(metric, self._provider, now=now, started_at=run.status.started_at)
            for track, value in values.items():
                self.timeline.point(metric.name, track=track, at=now, value=value)

    def _traffic(self, now: datetime, *, stable: str) -> None:
        if stable == self._candidate:
            return  # NB: both tracks run the candidate's build now
        counts = self._load.counts(since=self._since)
        served = {"stable": counts.served.get(stable, 0)}
        served["candidate"] = counts.served.get(self._candidate, 0)
        self.timeline.traffic(TrafficSample(now, served, errors=counts.errors))


def _limit(comparison: Comparison | None) -> float | None:
    """The allowed ratio a comparison's bound is judged against."""
    if comparison is None:
        return None
    effect = comparison.effect_size
    if comparison.direction == "decrease":
        return effect.allowed_decrease
    return effect.allowed_increase

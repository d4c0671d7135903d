"""An analysis run as a pure state machine over `AnalysisRunStatus`.

The controller (APScheduler, status persisted between measurements) and the
replay command (a simulated clock) drive the same four functions::

    status = start(run, now=t0)
    while status.phase == "Running":
        schedule = due(run, status, now=clock)         # which metrics, and when next
        for name in schedule.due:
            measured = measure(run.metric(name), provider, now=clock, …)
            status = record(run, status, metric=name, measured=measured, now=clock)
        clock = schedule.next_at                       # sleep / advance until then
    # or, at any time: status = terminate(run, status, now=…, reason="promoted")

No state lives outside the status, so a restarted controller resumes exactly.
Scheduling follows Argo Rollouts: a metric's first measurement is due at
``startedAt + initialDelay``; the next one ``interval`` after the previous
finished, or 10 s after an Error.

The run's verdict is the worst decisive (non-dry-run) metric's, in Argo's
order ``Successful < Running < Pending < Inconclusive < Error < Failed``. The
first metric to end Failed, Error or Inconclusive ends the run at once and
stops the others; otherwise the run ends when every decisive metric has
ended. Dry-run metrics are measured and recorded but never decide; a run with
only dry-run metrics ends Successful when they have all ended ("nothing was
judged"). A run cut short is Successful only where every decisive metric's
criteria were met (`analysis.verdict.cut_short`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from analysis.measured import Measured
from analysis.spec import CompiledMetric, CompiledRun
from analysis.verdict import TERMINAL, cut_short, fold
from rollout_engine.api.analysisrun import AnalysisPhase, AnalysisRunStatus, MetricResult

__all__ = [
    "ERROR_RETRY",
    "Schedule",
    "due",
    "failed_start",
    "is_final_look",
    "next_due",
    "record",
    "start",
    "terminate",
    "worst",
]

ERROR_RETRY: Final = timedelta(seconds=10)
"""Argo's ``DefaultErrorRetryInterval``: an errored measurement is retried this soon."""

_ORDER: Final[dict[str, int]] = {
    p: i
    for i, p in enumerate(("Successful", "Running", "Pending", "Inconclusive", "Error", "Failed"))
}


@dataclass(frozen=True)
class Schedule:
    """What to measure now, and when something is due next (None: nothing is pending)."""

    due: tuple[str, ...]
    next_at: datetime | None


def start(run: CompiledRun, *, now: datetime) -> AnalysisRunStatus:
    """A Running status with every metric Pending."""
    results = [MetricResult(name=m.name, phase="Pending", dry_run=m.dry_run) for m in run.metrics]
    return AnalysisRunStatus(phase="Running", started_at=now, metric_results=results)


def failed_start(*, now: datetime, message: str) -> AnalysisRunStatus:
    """A run that is Error at once (an argument that does not resolve, a bad template)."""
    return AnalysisRunStatus(phase="Error", message=message, started_at=now, completed_at=now)


def next_due(
    metric: CompiledMetric, result: MetricResult, *, started_at: datetime
) -> datetime | None:
    """When `metric` should be measured next; None when it takes no more measurements."""
    if result.phase in TERMINAL:
        return None
    if not result.measurements:
        return started_at + metric.initial_delay
    last = result.measurements[-1]
    finished = last.finished_at or last.started_at
    if last.phase == "Error":
        return finished + ERROR_RETRY
    return finished + (metric.interval or timedelta(0))


def due(run: CompiledRun, status: AnalysisRunStatus, *, now: datetime) -> Schedule:
    """The metrics due at `now` and the earliest later due time."""
    if status.phase in TERMINAL or status.started_at is None:
        return Schedule(due=(), next_at=None)
    names: list[str] = []
    later: list[datetime] = []
    for metric, result in zip(run.metrics, status.metric_results, strict=True):
        when = next_due(metric, result, started_at=status.started_at)
        if when is not None and when <= now:
            names.append(metric.name)
        elif when is not None:
            later.append(when)
    return Schedule(due=tuple(names), next_at=min(later, default=None))


def is_final_look(metric: CompiledMetric, result: MetricResult) -> bool:
    """Whether the next counted measurement reaches ``count`` (for comparison judges)."""
    return metric.count is not None and result.count + 1 >= metric.count


def record(
    run: CompiledRun,
    status: AnalysisRunStatus,
    *,
    metric: str,
    measured: Measured,
    now: datetime,
) -> AnalysisRunStatus:
    """`status` after `metric` took `measured`; a late measurement on an ended run is ignored."""
    name = metric
    if status.phase in TERMINAL:
        return status
    results = list(status.metric_results)
    index = next((i for i, r in enumerate(results) if r.name == name), None)
    if index is None:
        raise KeyError(f"the run has no metric {name!r}")
    if results[index].phase in TERMINAL:
        return status
    results[index] = fold(
        run.metric(name), results[index], measurement=measured.measurement, state=measured.state
    )
    return _settle(run, status.model_copy(update={"metric_results": results}), now=now)


def terminate(
    run: CompiledRun, status: AnalysisRunStatus, *, now: datetime, reason: str
) -> AnalysisRunStatus:
    """End the run now (promotion, abort, a new revision…); unmet criteria are never success."""
    if status.phase in TERMINAL:
        return status
    results = [
        cut_short(m, r, why=f"terminated ({reason})")
        for m, r in zip(run.metrics, status.metric_results, strict=True)
    ]
    return _finish(status, results, now=now, lead=f"terminated ({reason})")


def worst(phases: list[AnalysisPhase]) -> AnalysisPhase:
    """The worst phase in Argo's order; Successful for an empty list."""
    return max(phases, key=lambda p: _ORDER[p], default="Successful")


def _settle(run: CompiledRun, status: AnalysisRunStatus, *, now: datetime) -> AnalysisRunStatus:
    results = status.metric_results
    decisive = [r for r in results if not r.dry_run]
    stopper = next((r for r in decisive if r.phase in ("Failed", "Error", "Inconclusive")), None)
    if stopper is not None:
        why = f"stopped: metric {stopper.name!r} is {stopper.phase}"
        stopped = [cut_short(m, r, why=why) for m, r in zip(run.metrics, results, strict=True)]
        return _finish(status, stopped, now=now, lead=None)
    pending = decisive if decisive else results
    if all(r.phase in TERMINAL for r in pending):
        why = "stopped: the run ended"
        ended = [cut_short(m, r, why=why) for m, r in zip(run.metrics, results, strict=True)]
        return _finish(status, ended, now=now, lead=None)
    return status


def _finish(
    status: AnalysisRunStatus, results: list[MetricResult], *, now: datetime, lead: str | None
) -> AnalysisRunStatus:
    decisive = [r for r in results if not r.dry_run]
    phase = worst([r.phase for r in decisive])
    message = _message(decisive, phase)
    if lead:
        message = f"{lead}: {message}"
    return status.model_copy(
        update={"phase": phase, "message": message, "completed_at": now, "metric_results": results}
    )


def _message(decisive: list[MetricResult], phase: AnalysisPhase) -> str:
    if not decisive:
        return "every metric is a dry run: measured, nothing judged"
    if phase == "Successful":
        return f"{len(decisive)} of {len(decisive)} metric(s) Successful"
    culprit = next(r for r in decisive if r.phase == phase)
    return f"metric {culprit.name!r} {phase}: {culprit.message or ''}".rstrip(": ")

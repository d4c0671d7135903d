"""Replay a run over a past window on a simulated clock: the engine of ``rollout-engine analyze``.

The clock starts at the window's start (the run's ``startedAt``) and jumps to
each due time the run's own schedule gives (`analysis.run.due`); every query is
evaluated at that simulated time. So a replay takes exactly the measurements
the live engine would have taken, with the same code, and reaches the same
verdict. If the window ends first, the run is terminated at its end, which is
Successful only where the criteria were met.

Every measurement is kept in the replay's own list, whatever the metrics'
retention, so the CLI can show them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from analysis.measure import measure
from analysis.providers.base import MetricProvider
from analysis.run import due, is_final_look, record, start, terminate
from analysis.spec import CompiledRun
from rollout_engine.api.analysisrun import AnalysisRunStatus, Measurement

__all__ = ["MAX_MEASUREMENTS", "Replay", "ReplayStep", "replay"]

MAX_MEASUREMENTS: Final = 100_000


@dataclass(frozen=True)
class ReplayStep:
    """One measurement taken during the replay."""

    metric: str
    measurement: Measurement


@dataclass(frozen=True)
class Replay:
    """The final status and every measurement, in the order they were taken."""

    status: AnalysisRunStatus
    steps: tuple[ReplayStep, ...]


def replay(
    run: CompiledRun,
    providers: Mapping[str, MetricProvider],
    *,
    start_at: datetime,
    end_at: datetime,
    max_measurements: int = MAX_MEASUREMENTS,
) -> Replay:
    """Drive `run` from `start_at` to at most `end_at`; `providers` maps metric name → provider."""
    if end_at < start_at:
        raise ValueError("the window ends before it starts")
    status = start(run, now=start_at)
    steps: list[ReplayStep] = []
    clock = start_at
    while status.phase == "Running":
        for name in due(run, status, now=clock).due:
            metric = run.metric(name)
            result = next(r for r in status.metric_results if r.name == name)
            measured = measure(
                metric,
                providers[name],
                now=clock,
                started_at=start_at,
                state=result.state,
                final=is_final_look(metric, result),
            )
            steps.append(ReplayStep(name, measured.measurement))
            status = record(run, status, metric=name, measured=measured, now=clock)
        following = due(run, status, now=clock).next_at
        if status.phase != "Running":
            break
        if following is None or following > end_at or len(steps) >= max_measurements:
            reason = "the replay window ended" if len(steps) < max_measurements else "too long"
            status = terminate(run, status, now=min(end_at, following or end_at), reason=reason)
            break
        clock = following
    return Replay(status=status, steps=tuple(steps))

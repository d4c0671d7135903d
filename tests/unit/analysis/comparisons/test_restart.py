"""A controller restart between looks continues the same test: all it has is the status."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from analysis.measure import measure
from analysis.providers.base import QueryResult
from analysis.replay import replay
from analysis.run import due, is_final_look, record, start
from analysis.spec import CompiledRun
from rollout_engine.api.analysisrun import AnalysisRunStatus
from rollout_engine.api.base import dump
from tests.fakes.metrics import QueryProvider
from tests.unit.analysis.comparisons.test_latency import HEALTHY, SLOW_TAIL, histogram
from tests.unit.analysis.comparisons.test_plan import latency
from tests.unit.analysis.comparisons.world import T0, World, counts_metric, minutes, run_of


def restarted_run(run: CompiledRun, provider: QueryProvider, *, end: datetime) -> AnalysisRunStatus:
    """The run driven look by look, its status written to JSON and read back before each look."""
    status = start(run, now=T0)
    clock = T0
    while status.phase == "Running" and clock <= end:
        status = AnalysisRunStatus.model_validate(json.loads(json.dumps(dump(status))))
        for name in due(run, status, now=clock).due:
            result = next(r for r in status.metric_results if r.name == name)
            measured = measure(
                run.metric(name), provider, now=clock, started_at=T0,
                state=result.state, final=is_final_look(run.metric(name), result),
            )  # fmt: skip
            status = record(run, status, metric=name, measured=measured, now=clock)
        following = due(run, status, now=clock).next_at
        if following is None:
            break
        clock = following
    return status


@pytest.mark.parametrize(("error", "phase"), [(0.05, "Successful"), (0.08, "Failed")])
def test_a_restart_between_every_look_changes_nothing(error: float, phase: str) -> None:
    world = World().steady(v="c", rate=50, error=error).steady(v="s", rate=50, error=0.05)
    run = run_of(counts_metric(count=20), counts_metric("again", count=20))
    straight = replay(
        run, {m.name: QueryProvider(world.answer) for m in run.metrics},
        start_at=T0, end_at=T0 + minutes(60),
    )  # fmt: skip
    restarted = restarted_run(run, QueryProvider(world.answer), end=T0 + minutes(60))
    assert restarted.phase == straight.status.phase == phase
    assert restarted.completed_at == straight.status.completed_at
    for mine, theirs in zip(restarted.metric_results, straight.status.metric_results, strict=True):
        assert mine.state == theirs.state
        assert [m.p_value for m in mine.measurements] == [m.p_value for m in theirs.measurements]


def test_a_latency_test_survives_the_round_trip_too() -> None:
    def answer(expr: str, at: datetime) -> QueryResult:
        seconds = (at - T0).total_seconds()
        if 'v="c"' in expr:
            return histogram(100 * seconds, SLOW_TAIL)
        return histogram(900 * seconds, HEALTHY)

    run = run_of({**latency(), "count": 20})
    straight = replay(run, {"latency": QueryProvider(answer)}, start_at=T0, end_at=T0 + minutes(30))
    restarted = restarted_run(run, QueryProvider(answer), end=T0 + minutes(30))
    assert (restarted.phase, restarted.completed_at) == (
        straight.status.phase,
        straight.status.completed_at,
    )
    assert restarted.phase == "Failed"

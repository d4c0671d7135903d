"""``sequential-counts`` in a run: cumulative queries → increments → judge → measurement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from analysis.comparisons.counts import measure_counts
from analysis.comparisons.state import decode_counts
from analysis.judges.mixture import Grid
from analysis.judges.sequential_counts import CountsConfig, CountsObservation, judge_counts
from analysis.measured import Measured
from analysis.providers.base import Matrix, Sample, Scalar, Series, Vector
from analysis.replay import replay
from analysis.spec import CompiledMetric
from rollout_engine.errors import ProviderUnavailable
from tests.fakes.metrics import QueryProvider
from tests.unit.analysis.comparisons.world import T0, World, counts_metric, minutes, run_of

GRID = CountsConfig().grid


def metric(**fields: Any) -> CompiledMetric:
    return run_of(counts_metric(**fields)).metrics[0]


def look(
    compiled: CompiledMetric,
    provider: QueryProvider,
    at: datetime,
    *,
    state: str | None = None,
    final: bool = False,
) -> Measured:
    return measure_counts(compiled, provider, now=at, started_at=T0, state=state, final=final)


def fed(state: str | None, grid: Grid = GRID) -> tuple[int, int, int, int]:
    decoded = decode_counts(state, grid)
    assert decoded is not None
    return (
        decoded.candidate_bad,
        decoded.candidate_total,
        decoded.stable_bad,
        decoded.stable_total,
    )


def test_both_sides_are_asked_at_the_same_time_for_counts_since_the_start() -> None:
    world = World().steady(v="c", rate=10, error=0.01).steady(v="s", rate=90, error=0.01)
    provider = QueryProvider(world.answer)
    look(metric(), provider, T0 + minutes(5))
    assert {a.at for a in provider.asked} == {T0 + minutes(5)}
    assert len(provider.asked) == 4
    assert all("[300s]" in a.expr for a in provider.asked)


def test_the_judge_is_fed_what_is_new_since_its_previous_look() -> None:
    world = World().steady(v="c", rate=10, error=0.02).steady(v="s", rate=90, error=0.01)
    provider, compiled, state = QueryProvider(world.answer), metric(), None
    for minute in (1, 2, 3):
        state = look(compiled, provider, T0 + minutes(minute), state=state).state
    assert fed(state) == (36, 1800, 162, 16200)


def test_the_same_judges_in_memory_reach_the_same_statistics() -> None:
    """The state string round-trips at every look; in memory it never does."""
    world = World().steady(v="c", rate=10, error=0.03).steady(v="s", rate=90, error=0.01)
    provider, compiled = QueryProvider(world.answer), metric()
    state, memory = None, None
    previous = (0, 0, 0, 0)
    for minute in range(1, 8):
        measured = look(compiled, provider, T0 + minutes(minute), state=state)
        state = measured.state
        now = fed(state)
        step = [b - a for a, b in zip(previous, now, strict=True)]
        previous = now
        assert compiled.plan is not None and compiled.plan.alpha is not None
        result = judge_counts(
            CountsConfig(), CountsObservation(*map(float, step)), state=memory,
            alpha=compiled.plan.alpha, final=False,
        )  # fmt: skip
        memory = result.state
        m = measured.measurement
        assert m.phase == result.outcome
        assert m.p_value == pytest.approx(result.p_value, rel=1e-4)
        assert m.estimate == pytest.approx(result.estimate, rel=1e-4)


def test_a_side_without_traffic_has_no_data_and_its_events_wait() -> None:
    world = World().steady(v="c", rate=10, error=0.01)
    provider = QueryProvider(world.answer)
    first = look(metric(), provider, T0 + minutes(1))
    assert first.measurement.phase == "Running"
    assert "no data yet from stable" in (first.measurement.message or "")
    assert fed(first.state) == (0, 0, 0, 0)
    world.steady(v="s", rate=90, error=0.01)
    second = look(metric(), provider, T0 + minutes(2), state=first.state)
    assert fed(second.state) == (12, 1200, 108, 10800)


def test_no_data_at_the_final_look_is_inconclusive_never_successful() -> None:
    provider = QueryProvider(World().answer)
    m = look(metric(), provider, T0 + minutes(1), final=True).measurement
    assert m.phase == "Inconclusive"
    assert m.value == "no data"


def test_a_bad_event_series_that_does_not_exist_yet_counts_zero_errors() -> None:
    world = World().steady(v="c", rate=10, error=0.0).steady(v="s", rate=90, error=0.01)
    del world.counters[("bad", "c")]
    measured = look(metric(), QueryProvider(world.answer), T0 + minutes(1))
    assert measured.measurement.phase != "Error"
    assert fed(measured.state) == (0, 600, 54, 5400)


def test_a_count_that_falls_is_never_fed_twice() -> None:
    world = World().steady(v="c", rate=10, error=0.01).steady(v="s", rate=90, error=0.01)
    provider, compiled = QueryProvider(world.answer), metric()
    state = look(compiled, provider, T0 + minutes(2)).state
    world.counters[("all", "s")] = lambda t: 100.0 * t  # cumulative count falls at minute 3
    fell = look(compiled, provider, T0 + minutes(3), state=state)
    assert "fell" not in (fell.measurement.message or "")
    assert fed(fell.state)[3] == 18000
    world.counters[("all", "s")] = lambda t: 50.0 * t
    again = look(compiled, provider, T0 + minutes(4), state=fell.state)
    assert "stable.totalQuery fell from 18000 to 12000" in (again.measurement.message or "")
    assert fed(again.state)[3] == 18000


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Vector((Sample({"pod": "a"}, 1.0), Sample({"pod": "b"}, 2.0))), "returned 2 series"),
        (Matrix((Series({}, ((0.0, 1.0),)),)), "returned a range result"),
        (Scalar(-3.0), "returned -3, which is not a count"),
        (Scalar(float("nan")), "returned nan, which is not a count"),
        (ProviderUnavailable("connection refused"), "connection refused"),
    ],
)
def test_unusable_answers_are_errors_and_leave_the_state_alone(
    answer: object, message: str
) -> None:
    provider = QueryProvider(lambda expr, at: answer)  # type: ignore[arg-type,return-value]
    measured = look(metric(), provider, T0 + minutes(1), state="kept")
    assert measured.measurement.phase == "Error"
    assert message in (measured.measurement.message or "")
    assert measured.state is None  # the run keeps "kept"


def test_an_unreadable_state_is_an_error_not_a_fresh_test() -> None:
    world = World().steady(v="c", rate=10, error=0.01).steady(v="s", rate=90, error=0.01)
    measured = look(metric(), QueryProvider(world.answer), T0 + minutes(1), state="{}")
    assert measured.measurement.phase == "Error"
    assert "not version 1 judge state" in (measured.measurement.message or "")


def test_a_worse_candidate_fails_with_estimate_bound_samples_and_reason() -> None:
    world = World().steady(v="c", rate=20, error=0.06).steady(v="s", rate=80, error=0.01)
    m = look(metric(), QueryProvider(world.answer), T0 + minutes(5)).measurement
    assert m.phase == "Failed"
    assert m.estimate == pytest.approx(6.0, rel=0.1)
    assert m.lower is not None and m.lower > 1.5
    assert (m.candidate_samples, m.stable_samples) == (6000, 24000)
    assert m.confidence == 0.95 and m.p_value is not None and m.p_value <= 0.01
    assert m.statistic is not None and m.statistic.startswith("log e-value ")
    assert m.message is not None and m.message.startswith("errors ratio 6")
    assert "worse than allowed 1.5×" in m.message
    assert m.metadata["alpha"] == "0.01"
    assert m.value is not None and m.value.endswith("n=6000/24000")


def test_min_samples_holds_back_a_success() -> None:
    world = World().steady(v="c", rate=500, error=0.05).steady(v="s", rate=500, error=0.05)
    compiled = metric(comparison={"minSamples": 10**9})
    m = look(compiled, QueryProvider(world.answer), T0 + minutes(30)).measurement
    assert m.phase == "Running"
    assert "fewer than minSamples 1000000000" in (m.message or "")
    final = look(compiled, QueryProvider(world.answer), T0 + minutes(30), final=True)
    assert final.measurement.phase == "Inconclusive"


def test_the_traffic_split_is_reported_and_can_fail_the_metric() -> None:
    world = World().steady(v="c", rate=30, error=0.01).steady(v="s", rate=70, error=0.01)
    split = {"trafficSplit": {"expectedWeight": 10}}
    reported = look(metric(comparison=split), QueryProvider(world.answer), T0 + minutes(5))
    srm = reported.measurement.metadata["srm"]
    assert srm.startswith("candidate share 0.3, expected 0.1") and srm.endswith("(mismatch)")
    assert reported.measurement.phase != "Failed"
    assert "sample ratio mismatch: candidate share 0.3, expected 0.1" in (
        reported.measurement.message or ""
    )
    fine = {"trafficSplit": {"expectedWeight": 30}}
    ok = look(metric(comparison=fine), QueryProvider(world.answer), T0 + minutes(5))
    assert "traffic split as expected (0.3 of 0.3)" in (ok.measurement.message or "")
    strict = {"trafficSplit": {"expectedWeight": 10, "failOnMismatch": True}}
    failed = look(metric(comparison=strict), QueryProvider(world.answer), T0 + minutes(5))
    assert failed.measurement.phase == "Failed"
    assert "SRM" in (failed.measurement.message or "")


def test_secret_arguments_never_reach_the_measurement() -> None:
    from analysis.args import ArgValue
    from analysis.spec import compile_run
    from rollout_engine.api.template import AnalysisTemplateSpec

    body = counts_metric()
    body["comparison"]["candidate"]["query"] = (
        'sum(increase(bad{v="c",token="{{args.token}}"}[{{elapsed}}]))'
    )
    spec = AnalysisTemplateSpec.model_validate({"metrics": [body], "args": [{"name": "token"}]})
    compiled = compile_run(spec, args={"token": ArgValue("hunter2", secret=True)}).metrics[0]
    provider = QueryProvider(lambda expr, at: ProviderUnavailable(f"bad query {expr}"))
    m = look(compiled, provider, T0 + minutes(1)).measurement
    assert "hunter2" not in (m.message or "") + (m.query or "")
    assert 'token="***"' in (m.query or "")


def test_a_replay_fails_a_regression_and_passes_a_good_candidate_at_the_final_look() -> None:
    bad = World().steady(v="c", rate=10, error=0.05).steady(v="s", rate=90, error=0.01)
    good = World().steady(v="c", rate=50, error=0.05).steady(v="s", rate=50, error=0.05)
    for world, phase in ((bad, "Failed"), (good, "Successful")):
        run = run_of(counts_metric(count=30))
        done = replay(
            run, {"errors": QueryProvider(world.answer)}, start_at=T0, end_at=T0 + minutes(60)
        )
        assert done.status.phase == phase, done.status.message
    passed = replay(
        run_of(counts_metric(count=30)), {"errors": QueryProvider(good.answer)},
        start_at=T0, end_at=T0 + minutes(60),
    )  # fmt: skip
    phases = [s.measurement.phase for s in passed.steps]
    assert len(phases) == 30 and phases[-1] == "Successful"
    assert "Successful" in phases[:-1]  # shown early, yet the run waited for its window
    assert passed.status.completed_at == T0 + minutes(29)

"""How a comparison metric's looks fold into its verdict (`analysis.verdict`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from analysis.run import is_final_look
from analysis.spec import CompiledMetric
from analysis.verdict import cut_short, fold
from rollout_engine.api.analysisrun import Measurement, MeasurementPhase, MetricResult
from tests.unit.analysis.comparisons.world import T0, counts_metric, run_of


def metric(**fields: Any) -> CompiledMetric:
    return run_of(counts_metric(**fields)).metrics[0]


def looks(compiled: CompiledMetric, *phases: MeasurementPhase) -> MetricResult:
    result = MetricResult(name=compiled.name, phase="Pending")
    for i, phase in enumerate(phases):
        at = T0 + timedelta(minutes=i)
        m = Measurement(phase=phase, started_at=at, message=f"look {i + 1}")
        result = fold(compiled, result, measurement=m, state=f"s{i + 1}")
    return result


def test_a_look_without_a_decision_counts_toward_count() -> None:
    compiled = metric(count=3)
    result = looks(compiled, "Running", "Running")
    assert (result.phase, result.count, result.successful) == ("Running", 2, 0)
    assert is_final_look(compiled, result)
    assert result.state == "s2"


def test_a_running_look_resets_the_error_streak() -> None:
    result = looks(metric(count=5), "Error", "Error", "Running", "Error")
    assert (result.consecutive_error, result.error, result.count) == (1, 3, 1)


def test_failing_at_any_look_fails_at_once() -> None:
    result = looks(metric(count=10), "Running", "Failed")
    assert result.phase == "Failed"


def test_an_early_success_does_not_end_the_window() -> None:
    result = looks(metric(count=4), "Running", "Successful", "Running")
    assert (result.phase, result.successful) == ("Running", 1)


@pytest.mark.parametrize(
    ("last", "phase", "why"),
    [
        ("Successful", "Successful", "the final look (of 3) showed non-inferiority"),
        ("Inconclusive", "Inconclusive", "1 inconclusive > inconclusiveLimit 0"),
    ],
)
def test_the_final_look_decides(last: MeasurementPhase, phase: str, why: str) -> None:
    result = looks(metric(count=3), "Successful", "Running", last)
    assert result.phase == phase
    assert (result.message or "").startswith(why)


def test_earlier_successes_do_not_carry_a_tolerated_inconclusive_final_look() -> None:
    compiled = metric(count=3, inconclusiveLimit=1)
    result = looks(compiled, "Successful", "Successful", "Inconclusive")
    assert result.phase == "Inconclusive"
    assert (result.message or "").startswith("the final look (of 3) did not show non-inferiority")


def test_an_unbounded_comparison_cut_short_stands_on_its_latest_look() -> None:
    compiled = metric()
    shown = cut_short(compiled, looks(compiled, "Running", "Successful"), why="terminated (x)")
    assert shown.phase == "Successful"
    lapsed = looks(compiled, "Successful", "Running")
    after = cut_short(compiled, lapsed, why="terminated (x)")
    assert after.phase == "Inconclusive"
    assert "its latest look did not show non-inferiority" in (after.message or "")


def test_a_bounded_comparison_cut_short_is_inconclusive() -> None:
    compiled = metric(count=5)
    result = cut_short(compiled, looks(compiled, "Successful"), why="terminated (x)")
    assert result.phase == "Inconclusive"

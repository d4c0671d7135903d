"""Replays drive the run on a simulated clock: queries at the live engine's times, same verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from analysis.providers.base import Sample, Vector
from analysis.replay import replay
from analysis.spec import CompiledRun, compile_run
from rollout_engine.api.template import AnalysisTemplateSpec
from rollout_engine.errors import ProviderUnavailable
from tests.fakes.metrics import ScriptedProvider

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def compiled(**fields: Any) -> CompiledRun:
    body = {
        "name": "m",
        "successCondition": "result[0] >= 0.95",
        "provider": {"prometheus": {"address": "http://p", "query": "q"}},
        **fields,
    }
    return compile_run(AnalysisTemplateSpec.model_validate({"metrics": [body]}), args={})


def good(at: datetime) -> Vector:
    return Vector((Sample({}, 0.99),))


def test_queries_are_evaluated_at_each_due_time() -> None:
    provider = ScriptedProvider(good)
    run = compiled(interval="1m", count=3, initialDelay="30s")
    outcome = replay(run, {"m": provider}, start_at=T0, end_at=T0 + timedelta(hours=1))
    times = [a.at - T0 for a in provider.asked]
    assert times == [timedelta(seconds=30), timedelta(seconds=90), timedelta(seconds=150)]
    assert outcome.status.phase == "Successful"
    assert outcome.status.completed_at == T0 + timedelta(seconds=150)
    assert [s.measurement.started_at for s in outcome.steps] == [a.at for a in provider.asked]


def test_errors_are_retried_every_ten_seconds_until_the_limit() -> None:
    provider = ScriptedProvider(lambda at: ProviderUnavailable("down"))
    outcome = replay(
        compiled(interval="1m", count=3),
        {"m": provider},
        start_at=T0,
        end_at=T0 + timedelta(hours=1),
    )
    assert [int((a.at - T0).total_seconds()) for a in provider.asked] == [0, 10, 20, 30, 40]
    assert outcome.status.phase == "Error"


def test_a_window_too_short_for_the_criteria_ends_inconclusive_at_its_end() -> None:
    end = T0 + timedelta(minutes=2, seconds=30)
    outcome = replay(
        compiled(interval="1m", count=5), {"m": ScriptedProvider(good)}, start_at=T0, end_at=end
    )
    assert len(outcome.steps) == 3
    assert outcome.status.phase == "Inconclusive"
    assert outcome.status.completed_at == end
    assert "the replay window ended" in (outcome.status.message or "")


def test_an_unbounded_metric_ends_successful_at_the_window_end_with_evidence() -> None:
    end = T0 + timedelta(minutes=10)
    outcome = replay(
        compiled(interval="2m"), {"m": ScriptedProvider(good)}, start_at=T0, end_at=end
    )
    assert len(outcome.steps) == 6
    assert outcome.status.phase == "Successful"


def test_every_measurement_is_kept_whatever_the_retention() -> None:
    spec = AnalysisTemplateSpec.model_validate(
        {
            "metrics": [
                {
                    "name": "m",
                    "interval": "1m",
                    "count": 20,
                    "provider": {"prometheus": {"address": "http://p", "query": "q"}},
                }
            ],
            "measurementRetention": [{"metricName": "m", "limit": 2}],
        }
    )
    outcome = replay(
        compile_run(spec, args={}),
        {"m": ScriptedProvider(good)},
        start_at=T0,
        end_at=T0 + timedelta(hours=1),
    )
    assert len(outcome.steps) == 20
    assert len(outcome.status.metric_results[0].measurements) == 2


def test_a_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before"):
        replay(
            compiled(), {"m": ScriptedProvider(good)}, start_at=T0, end_at=T0 - timedelta(seconds=1)
        )

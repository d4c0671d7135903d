"""Verdict properties: Successful only with the evidence the limits demand, never on no data."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.measured import Measured
from analysis.providers.base import QueryResult, Sample, Scalar, Vector
from analysis.replay import replay
from analysis.run import next_due, record, start, terminate
from analysis.spec import compile_run
from analysis.verdict import required_successes
from rollout_engine.api.analysisrun import Measurement
from rollout_engine.api.template import AnalysisTemplateSpec
from rollout_engine.errors import ProviderUnavailable
from tests.fakes.metrics import ScriptedProvider

T0 = datetime(2024, 5, 1, tzinfo=UTC)
PHASES = ("Successful", "Failed", "Inconclusive", "Error")
CONDITIONS = [
    None,
    "result[0] >= 0.95",
    "result >= 0.95",
    "len(result) == 0 || result[0] >= 0.95",
    "len(result) > 0 && result[0] >= 0.95",
    "isNaN(result) || result >= 0.95",
    "default(result, 1.0) >= 0.95",
    "result.all(x, x >= 0.95)",
    "size(result) == 0",
    "true",
]
FAILURES = [None, "result[0] < 0.9", "result < 0.9", "len(result) > 0 && result[0] < 0.9", "false"]


@st.composite
def metrics(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 6))
    return {
        "name": "m",
        "interval": "1m",
        "count": count,
        "failureLimit": draw(st.integers(-1, count)),
        "inconclusiveLimit": draw(st.integers(0, count)),
        "consecutiveErrorLimit": draw(st.integers(0, 5)),
        "provider": {"prometheus": {"address": "http://p", "query": "q"}},
    }


def _run(metric: dict[str, Any]) -> Any:
    return compile_run(AnalysisTemplateSpec.model_validate({"metrics": [metric]}), args={})


@settings(max_examples=300, deadline=None)
@given(
    metric=metrics(), phases=st.lists(st.sampled_from(PHASES), max_size=25), cut=st.integers(0, 25)
)
def test_successful_implies_the_evidence_the_limits_demand(
    metric: dict[str, Any], phases: list[str], cut: int
) -> None:
    run = _run(metric)
    compiled = run.metric("m")
    status = start(run, now=T0)
    now = T0
    recorded: list[str] = []
    for i, phase in enumerate(phases):
        if i == cut:
            status = terminate(run, status, now=now, reason="promoted")
        when = next_due(compiled, status.metric_results[0], started_at=T0)
        if when is None:
            break
        now = when
        measured = Measured(Measurement(phase=phase, started_at=now, finished_at=now))
        if status.phase == "Running":
            recorded.append(phase)
        status = record(run, status, metric="m", measured=measured, now=now)
    result = status.metric_results[0]
    if status.phase == "Successful":
        assert result.phase == "Successful"
        assert result.count >= (compiled.count or 1)
        assert result.successful >= required_successes(compiled)
        assert compiled.failure_limit < 0 or result.failed <= compiled.failure_limit
        assert result.inconclusive <= compiled.inconclusive_limit
        assert result.consecutive_error <= compiled.consecutive_error_limit
    if set(recorded) <= {"Error"}:
        assert status.phase != "Successful"


NO_DATA: list[QueryResult | Exception] = [
    Scalar(math.nan),
    Vector(()),
    Vector((Sample({}, math.nan),)),
    Vector((Sample({"a": "1"}, 0.99), Sample({"a": "2"}, math.nan))),
    ProviderUnavailable("down"),
]


@settings(max_examples=200, deadline=None)
@given(
    metric=metrics(),
    success=st.sampled_from(CONDITIONS),
    failure=st.sampled_from(FAILURES),
    answers=st.lists(st.sampled_from(NO_DATA), min_size=1, max_size=8),
    minutes=st.integers(0, 30),
)
def test_no_data_or_errors_alone_never_make_a_run_successful(
    metric: dict[str, Any],
    success: str | None,
    failure: str | None,
    answers: list[Any],
    minutes: int,
) -> None:
    conditions = {"successCondition": success, "failureCondition": failure}
    run = _run({**metric, **{k: v for k, v in conditions.items() if v}})
    calls = iter(range(10_000))
    provider = ScriptedProvider(lambda at: answers[next(calls) % len(answers)])
    outcome = replay(run, {"m": provider}, start_at=T0, end_at=T0 + timedelta(minutes=minutes))
    assert outcome.status.phase != "Successful"
    assert all(step.measurement.phase != "Successful" for step in outcome.steps)

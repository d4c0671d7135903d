"""Taking one measurement: the query at `now`, every failure an Error, secrets never recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from analysis import comparison
from analysis.args import ArgValue
from analysis.measure import measure
from analysis.measured import Measured
from analysis.providers.base import Matrix, Sample, Scalar, Series, Vector
from analysis.spec import CompiledMetric, compile_run
from rollout_engine.api.analysisrun import Measurement
from rollout_engine.api.template import AnalysisTemplateSpec
from rollout_engine.errors import BadResult, ProviderUnavailable, QueryError
from tests.fakes.metrics import ScriptedProvider

T0 = datetime(2024, 5, 1, tzinfo=UTC)
NOW = T0 + timedelta(minutes=5)


def metric(args: dict[str, ArgValue] | None = None, **fields: Any) -> CompiledMetric:
    prometheus = {"address": "http://p", "query": 'sum(x{t="{{args.token}}"}[{{elapsed}}])'}
    prometheus.update(fields.pop("prometheus", {}))
    body = {"name": "m", "provider": {"prometheus": prometheus}, **fields}
    spec = AnalysisTemplateSpec.model_validate({"metrics": [body]})
    values = args if args is not None else {"token": ArgValue("hunter2", secret=True)}
    return compile_run(spec, args=values).metrics[0]


def test_a_threshold_measurement_records_time_query_value_outcome_and_reason() -> None:
    provider = ScriptedProvider(lambda at: Vector((Sample({}, 0.97),), warnings=("hunter2 slow",)))
    finished = NOW + timedelta(seconds=2)
    measured = measure(
        metric(successCondition="result[0] >= 0.95"),
        provider,
        now=NOW,
        started_at=T0,
        clock=lambda: finished,
    )
    m = measured.measurement
    assert (m.phase, m.started_at, m.finished_at, m.value) == (
        "Successful",
        NOW,
        finished,
        "[0.97]",
    )
    assert m.query == 'sum(x{t="***"}[300s])'
    assert m.message == "m 0.97 >= 0.95 (successCondition result[0] >= 0.95)"
    assert m.metadata == {"resultType": "vector", "warnings": "*** slow"}
    assert provider.asked[0].expr == 'sum(x{t="hunter2"}[300s])'
    assert provider.asked[0].at == NOW
    assert measured.state is None


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            QueryError('http://p rejected the query: bad_data: unexpected "}" in x{t="hunter2"}'),
            "rejected the query",
        ),
        (ProviderUnavailable("http://p did not answer within 30s"), "did not answer"),
        (BadResult("the answer is larger than the 10485760-byte limit"), "larger than"),
    ],
)
def test_provider_failures_become_error_measurements_scrubbed_of_secrets(
    error: Exception, text: str
) -> None:
    measured = measure(metric(), ScriptedProvider(lambda at: error), now=NOW, started_at=T0)
    m = measured.measurement
    assert m.phase == "Error"
    assert text in (m.message or "")
    assert "hunter2" not in m.model_dump_json()


def test_an_unexpected_provider_exception_is_an_error_without_its_text() -> None:
    boom = RuntimeError("hunter2 in a traceback")
    m = measure(metric(), ScriptedProvider(lambda at: boom), now=NOW, started_at=T0).measurement
    assert m.phase == "Error"
    assert m.message == "m: the provider failed unexpectedly (RuntimeError)"


def test_a_range_query_asks_for_the_window_at_the_measurement_time() -> None:
    provider = ScriptedProvider(lambda at: Matrix((Series({}, ((1.0, 0.1), (2.0, 0.2))),)))
    compiled = metric(
        {},
        successCondition="result.all(x, x < 0.5)",
        prometheus={
            "query": "x",
            "rangeQuery": {"start": 'now() - duration("10m")', "end": "now()", "step": "1m"},
        },
    )
    m = measure(compiled, provider, now=NOW, started_at=T0).measurement
    assert m.phase == "Successful" and m.metadata["resultType"] == "matrix"
    assert provider.asked[0].window == (NOW - timedelta(minutes=10), NOW, timedelta(minutes=1))


def test_a_window_that_ends_before_it_starts_is_an_error_measurement() -> None:
    compiled = metric(
        {},
        prometheus={
            "query": "x",
            "rangeQuery": {"start": "now()", "end": 'now() - duration("1m")', "step": "1m"},
        },
    )
    m = measure(
        compiled, ScriptedProvider(lambda at: Scalar(1.0)), now=NOW, started_at=T0
    ).measurement
    assert m.phase == "Error" and "after it ends" in (m.message or "")


COMPARISON = {
    "name": "ratio",
    "provider": {"prometheus": {"address": "http://p"}},
    "comparison": {
        "method": "sequential-counts",
        "candidate": {"query": "c", "totalQuery": "ct"},
        "stable": {"query": "s", "totalQuery": "st"},
    },
}


def _comparison_metric() -> CompiledMetric:
    spec = AnalysisTemplateSpec.model_validate({"metrics": [COMPARISON]})
    return compile_run(spec, args={}).metrics[0]


@pytest.fixture
def registry() -> Iterator[None]:
    saved = dict(comparison.COMPARISONS)
    yield
    comparison.COMPARISONS.clear()
    comparison.COMPARISONS.update(saved)


def test_a_method_without_a_measurer_is_an_error_never_a_pass(registry: None) -> None:
    del comparison.COMPARISONS["sequential-counts"]
    m = measure(
        _comparison_metric(), ScriptedProvider(lambda at: Scalar(1.0)), now=NOW, started_at=T0
    )
    assert m.measurement.phase == "Error"
    assert "'sequential-counts' is not supported yet" in (m.measurement.message or "")


def test_the_three_methods_are_registered() -> None:
    assert set(comparison.COMPARISONS) >= {
        "sequential-counts",
        "sequential-latency",
        "mann-whitney",
    }


def test_a_registered_judge_gets_its_state_and_the_final_flag(registry: None) -> None:
    calls: list[dict[str, Any]] = []

    def judge(metric: CompiledMetric, provider: Any, **kw: Any) -> Measured:
        calls.append(kw)
        return Measured(
            Measurement(phase="Successful", started_at=kw["now"], statistic="ratio"), state="s2"
        )

    comparison.register_comparison("sequential-counts", judge)
    measured = measure(
        _comparison_metric(),
        ScriptedProvider(lambda at: Scalar(1.0)),
        now=NOW,
        started_at=T0,
        state="s1",
        final=True,
    )
    assert measured.state == "s2" and measured.measurement.statistic == "ratio"
    assert calls == [{"now": NOW, "started_at": T0, "state": "s1", "final": True}]

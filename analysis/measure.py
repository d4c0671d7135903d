"""Take one measurement of a metric: render the query, ask the provider, judge the answer.

This is the only step of a run that waits on the outside world, and it never
raises for anything the world does: a provider failure, a bad answer or a
condition that cannot be evaluated all become a measurement in **Error** with a
one-line message, so the run's limits (``consecutiveErrorLimit``, the 10 s
retry) decide what happens next. Every message is scrubbed of secret argument
values, and the recorded query is the redacted rendering.

The measurement time `now` is also the evaluation time of the query, so a
replay over a past window asks Prometheus exactly what the live engine would
have asked at that moment. `clock` (injected; defaults to `now`) stamps
``finishedAt``, from which the next measurement is scheduled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from analysis.measured import Measured, error_measurement, scrub
from analysis.providers.base import Matrix, MetricProvider, QueryResult, Scalar
from analysis.spec import CompiledMetric
from analysis.threshold import judge_threshold
from rollout_engine.api.analysisrun import Measurement
from rollout_engine.errors import ProviderError, SpecError

__all__ = ["measure"]


def measure(
    metric: CompiledMetric,
    provider: MetricProvider,
    *,
    now: datetime,
    started_at: datetime,
    state: str | None = None,
    final: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> Measured:
    """Measure `metric` at `now` for a run that started at `started_at`.

    `state` and `final` are for comparison judges (their carried state and
    whether this is the last look); threshold metrics ignore them.
    """
    if metric.comparison is not None:
        from analysis.comparison import measure_comparison  # noqa: PLC0415 - scipy, paid only when compared

        return measure_comparison(
            metric, provider, now=now, started_at=started_at, state=state, final=final, clock=clock
        )
    if metric.query is None:
        raise ValueError(f"metric {metric.name!r} has no query")
    rendered = metric.query.render(elapsed=now - started_at)
    finished = clock or (lambda: now)
    try:
        result = _ask(metric, provider, expr=rendered.text, now=now)
    except (ProviderError, SpecError) as exc:
        return _failed(metric, f"{metric.name}: {exc}", now, finished(), rendered.shown)
    except Exception as exc:  # a broken provider must not break the run
        why = f"{metric.name}: the provider failed unexpectedly ({type(exc).__name__})"
        return _failed(metric, why, now, finished(), rendered.shown)
    outcome = judge_threshold(
        name=metric.name, result=result, success=metric.success, failure=metric.failure
    )
    metadata = {"resultType": _kind(result)}
    if result.warnings:
        metadata["warnings"] = scrub("; ".join(result.warnings), metric.secrets)
    return Measured(
        Measurement(
            phase=outcome.phase,
            started_at=now,
            finished_at=finished(),
            value=outcome.value,
            query=rendered.shown,
            message=scrub(outcome.reason, metric.secrets),
            metadata=metadata,
        )
    )


def _failed(
    metric: CompiledMetric, message: str, now: datetime, finished: datetime, query: str
) -> Measured:
    return error_measurement(
        at=now, finished=finished, message=message, query=query, secrets=metric.secrets
    )


def _ask(
    metric: CompiledMetric, provider: MetricProvider, *, expr: str, now: datetime
) -> QueryResult:
    if metric.window is None:
        return provider.query(expr=expr, at=now)
    start, end = metric.window.at(now)
    return provider.query_range(expr=expr, start=start, end=end, step=metric.window.step)


def _kind(result: QueryResult) -> str:
    if isinstance(result, Scalar):
        return "scalar"
    return "matrix" if isinstance(result, Matrix) else "vector"

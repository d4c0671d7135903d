"""Compile a template (or a run's spec) with its arguments into values the run can use.

Everything that can be wrong with a template is found here, once, before the
first measurement: an argument that changes a query's structure, a condition
that does not compile, a duration that is not one, limits that contradict
``count`` (Argo's ``ValidateMetric``). The result, `CompiledRun`, holds parsed
durations, integer limits, compiled CEL and pre-lexed queries, so a
measurement costs only the query and the evaluation.

Defaults are Argo Rollouts': neither ``interval`` nor ``count`` → one
measurement; ``interval`` alone → measure until the run is terminated;
``failureLimit`` 0 (-1 disables it), ``inconclusiveLimit`` 0,
``consecutiveErrorLimit`` 4, retention 10 measurements. ``dryRun`` and
``measurementRetention`` patterns must match the whole metric name (Argo
searches; a partial match silently turning a deciding metric into a dry run
is a fail-open we do not want).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Final

from analysis.args import Args
from analysis.comparisons.plan import ComparisonPlan, PlanInput, plan_run
from analysis.conditions import CompiledCondition, compile_condition
from analysis.schedule_fields import (
    DEFAULT_CONSECUTIVE_ERROR_LIMIT,
    parse_duration_field,
    schedule_of,
)
from analysis.templating import QueryTemplate, compile_query, render_condition, render_field
from analysis.window import RangeWindow, compile_window
from rollout_engine.api.analysisrun import AnalysisRunSpec
from rollout_engine.api.metric import Comparison, Metric, PrometheusProvider
from rollout_engine.api.metric import MetricProvider as ProviderSpec
from rollout_engine.api.template import AnalysisTemplateSpec, DryRun, MeasurementRetention
from rollout_engine.errors import SpecError

__all__ = ["DEFAULT_RETENTION", "CompiledMetric", "CompiledRun", "compile_run"]

DEFAULT_RETENTION: Final = 10


@dataclass(frozen=True)
class CompiledMetric:
    """One metric, ready to measure."""

    name: str
    provider: ProviderSpec
    interval: timedelta | None = None
    initial_delay: timedelta = timedelta(0)
    count: int | None = 1
    """Measurements that decide the metric; None = until the run is terminated."""
    failure_limit: int = 0
    inconclusive_limit: int = 0
    consecutive_error_limit: int = DEFAULT_CONSECUTIVE_ERROR_LIMIT
    dry_run: bool = False
    retention: int = DEFAULT_RETENTION
    success: CompiledCondition | None = None
    failure: CompiledCondition | None = None
    query: QueryTemplate | None = None
    window: RangeWindow | None = None
    comparison: Comparison | None = None
    comparison_queries: Mapping[str, QueryTemplate] = field(default_factory=dict)
    """``candidate.query``, ``stable.totalQuery`` … for the judges, arguments substituted."""
    plan: ComparisonPlan | None = field(default=None, repr=False)
    """A comparison's judge configuration and share of the run's error budget."""
    secrets: tuple[str, ...] = field(default=(), repr=False)
    """Secret argument values, scrubbed from every message a measurement records."""


@dataclass(frozen=True)
class CompiledRun:
    """All metrics of one run, in template order."""

    metrics: tuple[CompiledMetric, ...]

    def metric(self, name: str) -> CompiledMetric:
        """The metric called `name` (KeyError if there is none)."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)


def compile_run(spec: AnalysisTemplateSpec | AnalysisRunSpec, *, args: Args) -> CompiledRun:
    """Compile every metric of `spec` with resolved `args`.

    Raises:
        SpecError: the first problem found, with the field path.
    """
    names = [m.name for m in spec.metrics]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise SpecError(f"metric name {duplicate!r} is used twice", path="spec.metrics")
    secrets = tuple(sorted({a.value for a in args.values() if a.secret and a.value}, key=len))
    metrics = tuple(
        _metric(
            m,
            args=args,
            path=f"spec.metrics[{i}]",
            dry_run=_matches(m.name, spec.dry_run),
            retention=_retention(m.name, spec.measurement_retention),
            secrets=secrets[::-1],
        )
        for i, m in enumerate(spec.metrics)
    )
    return CompiledRun(metrics=_with_plans(metrics, spec=spec, args=args))


def _with_plans(
    metrics: tuple[CompiledMetric, ...],
    *,
    spec: AnalysisTemplateSpec | AnalysisRunSpec,
    args: Args,
) -> tuple[CompiledMetric, ...]:
    """Attach each comparison's plan: the budget and the Kayenta group span the whole run."""
    inputs = [
        PlanInput(
            m.name, m.comparison, m.dry_run, m.comparison_queries, m.window, f"spec.metrics[{i}]"
        )
        for i, m in enumerate(metrics)
        if m.comparison is not None
    ]
    if not inputs:
        return metrics
    plans = plan_run(inputs, kayenta=spec.kayenta, args=args)
    return tuple(replace(m, plan=plans[m.name]) if m.name in plans else m for m in metrics)


def _metric(
    metric: Metric,
    *,
    args: Args,
    path: str,
    dry_run: bool,
    retention: int,
    secrets: tuple[str, ...],
) -> CompiledMetric:
    schedule = schedule_of(metric, args=args, path=path)
    prom = metric.provider.prometheus
    return CompiledMetric(
        name=metric.name,
        provider=_provider(metric.provider, args=args, path=f"{path}.provider"),
        **vars(schedule),
        dry_run=dry_run,
        retention=retention,
        success=_condition(metric.success_condition, args, f"{path}.successCondition"),
        failure=_condition(metric.failure_condition, args, f"{path}.failureCondition"),
        query=_threshold_query(metric, args=args, path=f"{path}.provider.prometheus.query"),
        window=_window(prom, args=args, path=f"{path}.provider.prometheus.rangeQuery"),
        comparison=metric.comparison,
        comparison_queries=_comparison_queries(metric.comparison, args=args, path=path),
        secrets=secrets,
    )


def _threshold_query(metric: Metric, *, args: Args, path: str) -> QueryTemplate | None:
    prom = metric.provider.prometheus
    if prom is None or not prom.query or metric.comparison is not None:
        return None
    return compile_query(prom.query, args=args, path=path)


def _condition(expr: str | None, args: Args, path: str) -> CompiledCondition | None:
    if not expr:
        return None
    rendered = render_condition(expr, args=args, path=path)
    return compile_condition(rendered.text, path=path, shown=rendered.shown)


def _provider(spec: ProviderSpec, *, args: Args, path: str) -> ProviderSpec:
    prom = spec.prometheus
    if prom is None:
        return spec
    address = (
        render_field(prom.address, args=args, path=f"{path}.prometheus.address").text
        if prom.address
        else None
    )
    headers = [
        h.model_copy(
            update={
                "value": render_field(
                    h.value, args=args, path=f"{path}.prometheus.headers[{i}]"
                ).text
            }
        )
        for i, h in enumerate(prom.headers)
    ]
    return spec.model_copy(
        update={"prometheus": prom.model_copy(update={"address": address, "headers": headers})}
    )


def _window(prom: PrometheusProvider | None, *, args: Args, path: str) -> RangeWindow | None:
    if prom is None or prom.range_query is None:
        return None
    rq = prom.range_query
    step = parse_duration_field(rq.step, args=args, path=f"{path}.step") or timedelta(0)
    return compile_window(
        start=render_field(rq.start, args=args, path=f"{path}.start").text,
        end=render_field(rq.end, args=args, path=f"{path}.end").text,
        step=step,
        path=path,
    )


def _comparison_queries(
    comparison: Comparison | None, *, args: Args, path: str
) -> dict[str, QueryTemplate]:
    if comparison is None:
        return {}
    out: dict[str, QueryTemplate] = {}
    for side_name, side in (("candidate", comparison.candidate), ("stable", comparison.stable)):
        for key, text in (("query", side.query), ("totalQuery", side.total_query)):
            if text:
                where = f"{path}.comparison.{side_name}.{key}"
                out[f"{side_name}.{key}"] = compile_query(text, args=args, path=where)
    return out


def _matches(name: str, patterns: Sequence[DryRun]) -> bool:
    return any(_full(p.metric_name, name) for p in patterns)


def _retention(name: str, rules: Sequence[MeasurementRetention]) -> int:
    return next((r.limit for r in rules if _full(r.metric_name, name)), DEFAULT_RETENTION)


def _full(pattern: str, name: str) -> bool:
    try:
        return re.fullmatch(pattern, name) is not None
    except re.error as exc:
        raise SpecError(f"not a valid regular expression: {exc}", path="spec.dryRun") from exc

"""What the report plots: each metric's value per version, from the metric's own queries.

The analysis sees a comparison through its queries — counts since the run
started (``{{elapsed}}``) for each side — so the plots ask the same queries,
at each tick rather than at each look, and show what the judge is judging:

- ``sequential-counts``: ``query / totalQuery`` per side (the error ratio
  since the run started);
- ``sequential-latency``: the 99th percentile of each side's histogram,
  interpolated as PromQL's ``histogram_quantile`` does;
- a threshold metric: its query's single value (series ``value``);
- ``mann-whitney`` (range queries): not plotted, only its measurements.

A probe never fails the run: a query that errors or returns an odd shape
just leaves a gap in the plot.
"""

from __future__ import annotations

import math
from datetime import datetime

from analysis.comparisons.common import BadShape, one_count
from analysis.comparisons.latency import buckets
from analysis.judges.quantile_bands import histogram_quantile
from analysis.providers.base import MetricProvider, QueryResult, Scalar, Vector
from analysis.spec import CompiledMetric
from rollout_engine.errors import ProviderError

__all__ = ["QUANTILE", "probe", "unit_of"]

QUANTILE = 0.99
SIDES = ("stable", "candidate")


def unit_of(metric: CompiledMetric) -> str:
    """The unit of `metric`'s plotted values."""
    if metric.comparison is None:
        return ""
    return {"sequential-counts": "ratio", "sequential-latency": f"s, p{QUANTILE * 100:g}"}.get(
        metric.comparison.method, ""
    )


def probe(
    metric: CompiledMetric, provider: MetricProvider, *, now: datetime, started_at: datetime
) -> dict[str, float]:
    """The metric's value per series (``stable``, ``candidate`` or ``value``) at `now`."""
    try:
        return _probe(metric, provider, now=now, started_at=started_at)
    except (ProviderError, BadShape, ValueError):
        return {}


def _probe(
    metric: CompiledMetric, provider: MetricProvider, *, now: datetime, started_at: datetime
) -> dict[str, float]:
    elapsed = now - started_at
    if metric.comparison is None:
        if metric.query is None or metric.window is not None:
            return {}
        value = _single(provider.query(expr=metric.query.render(elapsed=elapsed).text, at=now))
        return {} if value is None else {"value": value}
    rendered = {k: q.render(elapsed=elapsed).text for k, q in metric.comparison_queries.items()}
    out: dict[str, float] = {}
    for side in SIDES:
        if metric.comparison.method == "sequential-counts":
            bad = one_count(provider.query(expr=rendered[f"{side}.query"], at=now), what=side)
            total = one_count(
                provider.query(expr=rendered[f"{side}.totalQuery"], at=now), what=side
            )
            if total:
                out[side] = (bad or 0.0) / total
        elif metric.comparison.method == "sequential-latency":
            histogram = buckets(provider.query(expr=rendered[f"{side}.query"], at=now), what=side)
            if histogram is not None:
                value = histogram_quantile(QUANTILE, histogram[0], histogram[1])
                if not math.isnan(value):
                    out[side] = value
    return out


def _single(result: QueryResult) -> float | None:
    """A threshold query's single finite value (a scalar or one series), else None."""
    if isinstance(result, Scalar):
        value = result.value
    elif isinstance(result, Vector) and len(result.samples) == 1:
        value = result.samples[0].value
    else:
        return None
    return value if math.isfinite(value) else None

"""The plug point for comparison metrics (candidate vs stable), judged by `analysis.judges`.

A metric with ``comparison`` set is measured by the entry registered for its
``comparison.method`` (``sequential-counts``, ``sequential-latency``,
``mann-whitney``). A measurer gets the compiled metric — its per-side queries
are in `CompiledMetric.comparison_queries`, arguments substituted, awaiting
``{{elapsed}}`` — the provider, the measurement time, the state it returned at
its previous look (`MetricResult.state`, a string it encodes itself) and
whether this look is the last one (``count`` reached), and returns a `Measured`
whose measurement fills ``statistic``, ``estimate``, ``lower``/``upper``,
``confidence``, ``pValue`` and the sample sizes. The run then applies the same
limits and verdict rules as for threshold metrics.

The three built-in methods (`analysis.comparisons`) are registered when this
module is imported; how their looks map onto ``count``, ``interval`` and the
limits is described there. A method without a measurer records **Error** with
a clear message — never Successful — so such a metric errors out after
``consecutiveErrorLimit`` retries and the run is Error.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Final, Protocol

from analysis.comparisons.counts import measure_counts
from analysis.comparisons.kayenta import measure_mann_whitney
from analysis.comparisons.latency import measure_latency
from analysis.measured import Measured, error_measurement
from analysis.providers.base import MetricProvider
from analysis.spec import CompiledMetric

__all__ = ["COMPARISONS", "ComparisonMeasurer", "measure_comparison", "register_comparison"]


class ComparisonMeasurer(Protocol):
    """Measures one look of a comparison metric."""

    def __call__(
        self,
        metric: CompiledMetric,
        provider: MetricProvider,
        *,
        now: datetime,
        started_at: datetime,
        state: str | None,
        final: bool,
    ) -> Measured:
        """Query both sides at `now` and judge them; never raise for bad data."""
        ...


COMPARISONS: Final[MutableMapping[str, ComparisonMeasurer]] = {}
"""``comparison.method`` → measurer; holds the built-in judges once this module is imported."""


def register_comparison(method: str, measurer: ComparisonMeasurer) -> None:
    """Make `method` measurable (the built-ins at import; tests may register their own)."""
    COMPARISONS[method] = measurer


register_comparison("sequential-counts", measure_counts)
register_comparison("sequential-latency", measure_latency)
register_comparison("mann-whitney", measure_mann_whitney)


def measure_comparison(
    metric: CompiledMetric,
    provider: MetricProvider,
    *,
    now: datetime,
    started_at: datetime,
    state: str | None,
    final: bool,
    clock: Callable[[], datetime] | None = None,
) -> Measured:
    """Dispatch to the registered judge, or record a not-supported Error."""
    if metric.comparison is None:
        raise ValueError(f"metric {metric.name!r} is not a comparison")
    method = metric.comparison.method
    measurer = COMPARISONS.get(method)
    if measurer is None:
        return error_measurement(
            at=now,
            finished=clock() if clock else now,
            message=f"comparison method {method!r} is not supported yet: "
            "this metric cannot pass until it is",
            query=None,
            secrets=metric.secrets,
        )
    return measurer(metric, provider, now=now, started_at=started_at, state=state, final=final)

"""What every comparison measurer shares: one evaluation time, result shapes, the measurement.

Both versions are queried at the *same* evaluation time (`now`), so their windows line up
however the scrapes fell; the judge's outcome becomes the measurement's phase by the rules in
`analysis.comparisons` (no data and too few samples can never make a look Successful).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analysis.comparisons.plan import ComparisonPlan
from analysis.judges.result import ComparisonResult, Outcome, format_ratio
from analysis.measured import Measured, error_measurement, scrub
from analysis.providers.base import Matrix, MetricProvider, QueryResult, Scalar, Vector
from analysis.spec import CompiledMetric
from analysis.templating import Rendered
from rollout_engine.api.analysisrun import Measurement, MeasurementPhase
from rollout_engine.errors import ProviderError, SpecError

__all__ = [
    "BadShape",
    "Look",
    "ask",
    "error",
    "finish",
    "one_count",
    "plan_of",
    "rendered",
    "safely",
]


class BadShape(Exception):
    """A result that the judge cannot use (wrong type, several series, a negative count…)."""


@dataclass(frozen=True)
class Look:
    """One look's circumstances, beyond the judge's result."""

    now: datetime
    final: bool
    queries: Mapping[str, Rendered]
    notes: Sequence[str] = ()
    """Short remarks for the reason line (no data on a side, a count that fell…)."""
    missing: bool = False
    """A side had no data at this look: the look cannot be a success."""
    metadata: Mapping[str, str] = field(default_factory=dict)


def plan_of(metric: CompiledMetric) -> ComparisonPlan:
    """The metric's plan (compiled with the run)."""
    if metric.plan is None:
        raise ValueError(f"metric {metric.name!r} has no comparison plan")
    return metric.plan


def rendered(
    metric: CompiledMetric, keys: Sequence[str], *, now: datetime, started_at: datetime
) -> dict[str, Rendered]:
    """The side queries `keys` with ``{{elapsed}}`` = time since the run started."""
    missing = [k for k in keys if k not in metric.comparison_queries]
    if missing:
        raise BadShape(f"{metric.plan.method if metric.plan else 'the method'} needs {missing[0]}")
    return {k: metric.comparison_queries[k].render(elapsed=now - started_at) for k in keys}


def ask(provider: MetricProvider, query: Rendered, *, now: datetime) -> QueryResult:
    """An instant query at `now`."""
    return provider.query(expr=query.text, at=now)


def one_count(result: QueryResult, *, what: str) -> float | None:
    """A single count from a scalar or one-series vector; None for no series at all.

    Raises:
        BadShape: several series, a range result, or a value that is not a count.
    """
    if isinstance(result, Matrix):
        raise BadShape(f"{what} returned a range result; it must be an instant count")
    if isinstance(result, Vector):
        if not result.samples:
            return None
        if len(result.samples) > 1:
            raise BadShape(
                f"{what} returned {len(result.samples)} series; aggregate them, e.g. sum(…)"
            )
        value = result.samples[0].value
    else:
        value = result.value if isinstance(result, Scalar) else math.nan
    if not math.isfinite(value) or value < 0:
        raise BadShape(f"{what} returned {value:g}, which is not a count of events")
    return value


def safely(
    metric: CompiledMetric,
    *,
    now: datetime,
    queries: Mapping[str, Rendered],
    body: Callable[[], Measured],
) -> Measured:
    """Run a measurer's `body`; anything the world does wrong becomes an Error measurement."""
    try:
        return body()
    except (ProviderError, SpecError, BadShape, ValueError) as exc:
        return error(metric, f"{metric.name}: {exc}", now=now, queries=queries)
    except Exception as exc:  # a broken provider must not break the run
        why = f"{metric.name}: the provider failed unexpectedly ({type(exc).__name__})"
        return error(metric, why, now=now, queries=queries)


def error(
    metric: CompiledMetric, message: str, *, now: datetime, queries: Mapping[str, Rendered]
) -> Measured:
    """An Error measurement; the judge state is left as it was (`Measured.state` None)."""
    return error_measurement(
        at=now, finished=now, message=message, query=_shown(queries), secrets=metric.secrets
    )


def finish(
    metric: CompiledMetric,
    result: ComparisonResult[Any],
    *,
    look: Look,
    state: str | None,
    ratio: bool = True,
) -> Measured:
    """The measurement of one judged look, with the phase rules applied."""
    plan = plan_of(metric)
    phase, extra = _phase(result.outcome, result=result, plan=plan, look=look)
    reason = "; ".join([result.reason, *_srm_note(result), *look.notes, *extra])
    metadata = {**_metadata(result, plan), **look.metadata}
    measurement = Measurement(
        phase=phase,
        started_at=look.now,
        finished_at=look.now,
        value=_value(result, ratio=ratio),
        query=_shown(look.queries),
        message=scrub(reason, metric.secrets),
        statistic=_statistic(result),
        estimate=_finite(result.estimate),
        lower=_finite(result.lower),
        upper=_finite(result.upper),
        confidence=result.confidence,
        p_value=result.p_value,
        candidate_samples=round(result.candidate_n),
        stable_samples=round(result.stable_n),
        metadata={k: scrub(v, metric.secrets) for k, v in metadata.items()},
    )
    return Measured(measurement, state=state)


def _phase(
    outcome: Outcome, *, result: ComparisonResult[Any], plan: ComparisonPlan, look: Look
) -> tuple[MeasurementPhase, list[str]]:
    """Outcome → phase: no data, too few samples or a non-final Running never pass."""
    quiet: MeasurementPhase = "Inconclusive" if look.final else "Running"
    if outcome == "Running":
        return quiet, []
    if outcome != "Successful":
        return outcome, []
    if look.missing:
        return quiet, ["no data at this look, so no success"]
    least = plan.min_samples
    if least is not None and min(result.candidate_n, result.stable_n) < least:
        return quiet, [f"fewer than minSamples {least} on a side, so no success yet"]
    return "Successful", []


def _srm_note(result: ComparisonResult[Any]) -> list[str]:
    """The traffic-split check in a few words (unless the judge's reason is already about it)."""
    srm = result.srm
    if srm is None or "(SRM)" in result.reason:
        return []
    if not srm.detected:
        return [f"traffic split as expected ({srm.observed_share:.3g} of {srm.expected_share:.3g})"]
    return [
        f"sample ratio mismatch: candidate share {srm.observed_share:.3g}, expected "
        f"{srm.expected_share:.3g} (anytime p={srm.p_value:.2g})"
    ]


def _metadata(result: ComparisonResult[Any], plan: ComparisonPlan) -> dict[str, str]:
    out = {"method": plan.method}
    if plan.alpha is not None:
        out["alpha"] = f"{plan.alpha:.3g}"
        out["budget"] = plan.budget_note
    if result.critical:
        out["critical"] = "true"
    srm = result.srm
    if srm is not None:
        out["srm"] = (
            f"candidate share {srm.observed_share:.4g}, expected {srm.expected_share:.4g}, "
            f"anytime p={srm.p_value:.3g}" + (" (mismatch)" if srm.detected else "")
        )
    return out


def _value(result: ComparisonResult[Any], *, ratio: bool) -> str:
    if result.candidate_n + result.stable_n == 0:
        return "no data"

    def show(v: float) -> str:
        if ratio:
            return format_ratio(v)
        return "n/a" if math.isnan(v) else f"{v:.4g}"

    return (
        f"{show(result.estimate)} [{show(result.lower)}–{show(result.upper)}] "
        f"n={round(result.candidate_n)}/{round(result.stable_n)}"
    )


def _statistic(result: ComparisonResult[Any]) -> str:
    value = result.statistic_value
    return f"{result.statistic} {value:.4g}" if math.isfinite(value) else result.statistic


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _shown(queries: Mapping[str, Rendered]) -> str | None:
    if not queries:
        return None
    return "\n".join(f"{key}: {q.shown}" for key, q in queries.items())

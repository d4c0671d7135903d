"""``sequential-latency`` in a run: histogram buckets by ``le`` → this look's increments → judge.

Each side's ``query`` returns one series per bucket boundary, counting requests since the run
started — ``sum by (le) (increase(x_bucket[{{elapsed}}]))`` — evaluated at the same time `now`
for both sides. The buckets must be the same on both sides, include ``le="+Inf"`` (all
requests), and stay the same from look to look; anything else is an Error that names the
problem, never a guess.

As for counts, the judge gets what is new since its previous look: per bucket (not cumulative
over ``le``, so every increment stays a valid histogram) the running maximum of the rounded
count, minus what was fed before. A side with no series has no data: nothing is fed, and the
look is Running (Inconclusive if final).
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import numpy.typing as npt

from analysis.comparisons.common import BadShape, Look, ask, finish, plan_of, rendered, safely
from analysis.comparisons.state import decode_latency, encode_latency
from analysis.judges.sequential_latency import (
    LatencyConfig,
    LatencyObservation,
    LatencyState,
    judge_latency,
)
from analysis.measured import Measured
from analysis.providers.base import MetricProvider, QueryResult, Vector
from analysis.spec import CompiledMetric
from analysis.templating import Rendered
from rollout_engine.api.analysisrun import Measurement, MeasurementPhase

__all__ = ["Histogram", "buckets", "increments", "measure_latency"]

KEYS = ("candidate.query", "stable.query")
Histogram = tuple[tuple[float, ...], tuple[float, ...]]
"""(finite bounds, cumulative counts with +Inf last)."""


def measure_latency(
    metric: CompiledMetric,
    provider: MetricProvider,
    *,
    now: datetime,
    started_at: datetime,
    state: str | None,
    final: bool,
) -> Measured:
    """One look of a ``sequential-latency`` metric (the `ComparisonMeasurer` protocol)."""
    queries: dict[str, Rendered] = {}

    def body() -> Measured:
        queries.update(rendered(metric, KEYS, now=now, started_at=started_at))
        plan = plan_of(metric)
        config = plan.config
        if not isinstance(config, LatencyConfig) or plan.alpha is None:
            raise BadShape("the metric is not planned as sequential-latency")
        sides = {k: buckets(ask(provider, q, now=now), what=k) for k, q in queries.items()}
        carried = decode_latency(state, config.grid)
        observation, notes, missing = _observe(sides, carried)
        look = Look(now=now, final=final, queries=queries, notes=notes, missing=missing)
        if observation is None:
            return _no_data_yet(metric, look)
        result = judge_latency(config, observation, state=carried, alpha=plan.alpha, final=final)
        encoded = encode_latency(result.state, config.grid)
        return finish(metric, result, look=look, state=encoded)

    return safely(metric, now=now, queries=queries, body=body)


def buckets(result: QueryResult, *, what: str) -> Histogram | None:
    """Bounds and cumulative counts of a vector with one series per ``le``; None if empty.

    Raises:
        BadShape: not a vector, series without ``le`` or sharing one, no +Inf bucket,
            counts that are not counts.
    """
    if not isinstance(result, Vector):
        raise BadShape(f"{what} must return one series per le, e.g. sum by (le) (increase(…))")
    if not result.samples:
        return None
    by_le: dict[float, float] = {}
    for sample in result.samples:
        raw = sample.labels.get("le")
        if raw is None:
            raise BadShape(f"{what} returned a series without an le label; keep it: sum by (le)")
        le = float(raw)
        if le in by_le:
            raise BadShape(f"{what} returned several series for le={raw}; use sum by (le) (…)")
        if not math.isfinite(sample.value) or sample.value < 0:
            raise BadShape(f"{what} returned {sample.value:g} requests for le={raw}")
        by_le[le] = sample.value
    bounds = sorted(by_le)
    if bounds[-1] != math.inf:
        raise BadShape(f'{what} has no le="+Inf" bucket (all requests)')
    return tuple(bounds[:-1]), tuple(by_le[b] for b in bounds)


def increments(counts: tuple[float, ...], fed: tuple[int, ...]) -> tuple[tuple[int, ...], bool]:
    """Cumulative increments since `fed`, per-bucket running maxima; and whether a count fell."""
    now = np.diff(np.rint(np.asarray(counts, dtype=np.float64)), prepend=0.0).clip(min=0.0)
    before = np.diff(np.asarray(fed, dtype=np.float64), prepend=0.0)
    fresh: npt.NDArray[np.float64] = np.maximum(now, before) - before
    return tuple(int(v) for v in np.cumsum(fresh)), bool(np.any(now < before))


def _observe(
    sides: dict[str, Histogram | None], carried: LatencyState | None
) -> tuple[LatencyObservation | None, list[str], bool]:
    """The observation for the judge (None before any bucket), notes, and a no-data flag."""
    present = {k: v for k, v in sides.items() if v is not None}
    if len({bounds for bounds, _ in present.values()}) > 1:
        raise BadShape("candidate and stable report different buckets (le values)")
    known = carried.bounds if carried is not None else None
    bounds = next(iter(present.values()))[0] if present else known
    if known is not None and bounds != known:
        raise BadShape("the buckets (le values) changed since the previous look")
    if bounds is None:
        return None, ["no data yet from candidate and stable (no series)"], True
    if len(present) < len(sides):
        empty = tuple(0 for _ in range(len(bounds) + 1))
        missing = " and ".join(k.split(".")[0] for k in sides if k not in present)
        return LatencyObservation(bounds, empty, empty), [f"no data yet from {missing}"], True
    fed = carried or LatencyState()
    zeros = tuple(0 for _ in range(len(bounds) + 1))
    notes: list[str] = []
    arms: list[tuple[int, ...]] = []
    for key, already in zip(KEYS, (fed.candidate or zeros, fed.stable or zeros), strict=True):
        counts = present[key][1]
        step, fell = increments(counts, already)
        arms.append(step)
        if fell:
            notes.append(f"a bucket of {key} fell (reset or extrapolation): ignored")
    return LatencyObservation(bounds, arms[0], arms[1]), notes, False


def _no_data_yet(metric: CompiledMetric, look: Look) -> Measured:
    """A look before any bucket was seen: nothing to judge, never a success."""
    phase: MeasurementPhase = "Inconclusive" if look.final else "Running"
    reason = "; ".join(look.notes)
    return Measured(
        Measurement(
            phase=phase,
            started_at=look.now,
            finished_at=look.now,
            value="no data",
            message=f"{reason}: nothing to compare",
            query="\n".join(f"{k}: {q.shown}" for k, q in look.queries.items()),
        )
    )

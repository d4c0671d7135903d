"""`sequential-latency`: anytime-valid comparison of latency histograms, candidate vs stable.

Prometheus keeps latency as cumulative bucket counts, not per-request values. At each bucket
boundary ℓ the requests slower than ℓ are "slow events", and the candidate's share of them is
tested exactly like the error counts (`analysis.judges.mixture`): θ0 = the candidate's share of
all requests at that look, δ = log of the ratio P_candidate(X > ℓ) / P_stable(X > ℓ). The
per-boundary e-values are *averaged* (an average of test martingales is one), so the metric
spends a single alpha however many buckets it has. A tail-only regression — p99 up, median
unchanged — moves the slow-event share at the upper boundaries only, which this sees and a
mean comparison dilutes.

Rule (direction increase): Failed when the averaged anytime p ≤ alpha and the most significant
boundary's slow-request ratio is beyond the allowed ratio, or some boundary's (1 − alpha/K)
lower bound is — counting only boundaries that at least (1 − quantile)/10 of the requests
exceed (up to p99.9 by default), because further out a few per cent of latency scale, one slow
pod, already doubles the ratio; Successful when, at every *guarded* boundary (those whose
pooled slow share lies between 1 − `quantile` and one half: the body-to-tail range a user
means by "p50…p99"), the
upper confidence bound of the slow-request ratio is below the allowed ratio (Bonferroni over
the guarded boundaries); Inconclusive at the final look otherwise. The reported estimate is
the `quantile` ratio from PromQL-style interpolation, with time-uniform quantile bands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from analysis.judges import outcome_rules
from analysis.judges.latency_rules import LatencyEvaluation, evaluate_boundaries
from analysis.judges.mixture import Grid, loglik_increment
from analysis.judges.quantile_bands import histogram_quantile, quantile_bounds
from analysis.judges.result import ComparisonResult, Direction, EffectSize, format_ratio

__all__ = [
    "LatencyConfig",
    "LatencyObservation",
    "LatencyState",
    "judge_latency",
    "slow_increment",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LatencyConfig:
    """What a `comparison` metric with `method: sequential-latency` declares."""

    direction: Direction = "increase"
    effect: EffectSize = field(default_factory=EffectSize)
    quantile: float = 0.99
    confidence: float = 0.95
    prior_scale: float = 1.0
    critical: bool = False
    grid: Grid = field(default_factory=lambda: Grid(step=0.05, half_width=3.0))


@dataclass(frozen=True)
class LatencyObservation:
    """Cumulative bucket counts added since the previous look; the last entry is +Inf."""

    bounds: tuple[float, ...]
    candidate: tuple[float, ...]
    stable: tuple[float, ...]

    def arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        arms = []
        for arm in (self.candidate, self.stable):
            values = np.asarray(arm, dtype=np.float64)
            if values.size != len(self.bounds) + 1 or not np.all(np.isfinite(values)):
                raise ValueError("each arm needs one finite count per bound plus +Inf")
            counts = np.maximum.accumulate(np.maximum(np.rint(values), 0.0))
            arms.append(counts.astype(np.int64))
        if list(self.bounds) != sorted(set(self.bounds)):
            raise ValueError("bucket bounds must be strictly increasing")
        return arms[0], arms[1]


@dataclass(frozen=True)
class LatencyState:
    bounds: tuple[float, ...] = ()
    loglik: tuple[tuple[float, ...], ...] = ()
    p_value: float = 1.0
    candidate: tuple[int, ...] = ()
    stable: tuple[int, ...] = ()
    looks: int = 0


def slow_increment(grid: FloatArray, candidate: npt.ArrayLike, stable: npt.ArrayLike) -> FloatArray:
    """Per-boundary log-likelihood increments [..., K, G] from cumulative counts [..., K+1]."""
    cand = np.asarray(candidate, dtype=np.float64)
    stab = np.asarray(stable, dtype=np.float64)
    slow_c = cand[..., -1:] - cand[..., :-1]
    slow_s = stab[..., -1:] - stab[..., :-1]
    total = cand[..., -1:] + stab[..., -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        theta0 = np.where(total > 0, cand[..., -1:] / np.where(total > 0, total, 1.0), 0.0)
    return loglik_increment(grid, hits=slow_c, total=slow_c + slow_s, theta0=theta0)


def _carried(state: LatencyState, bounds: tuple[float, ...], grid: Grid) -> LatencyState:
    """The state to fold into: fresh for the first look, checked against the buckets after."""
    if not state.bounds:
        zeros = tuple(0 for _ in range(len(bounds) + 1))
        empty = tuple(tuple(0.0 for _ in grid.points) for _ in bounds)
        return LatencyState(bounds, empty, 1.0, zeros, zeros, 0)
    if state.bounds != bounds:
        raise ValueError("bucket bounds changed between looks; restart the comparison")
    return state


def judge_latency(
    config: LatencyConfig,
    observation: LatencyObservation,
    *,
    state: LatencyState | None,
    alpha: float,
    final: bool,
) -> ComparisonResult[LatencyState]:
    """Fold one look of both histograms into the test and decide."""
    carried = _carried(state or LatencyState(), observation.bounds, config.grid)
    cand, stab = observation.arrays()
    loglik = np.asarray(carried.loglik, dtype=np.float64) + slow_increment(
        config.grid.points, cand, stab
    )
    cand_total = np.asarray(carried.candidate, dtype=np.int64) + cand
    stab_total = np.asarray(carried.stable, dtype=np.int64) + stab
    pooled = cand_total + stab_total
    slow_share = (pooled[-1] - pooled[:-1]) / max(int(pooled[-1]), 1)
    ev = evaluate_boundaries(
        config.grid,
        loglik,
        slow_share.astype(np.float64),
        carried.p_value,
        rules=outcome_rules.Rules(config.direction, config.effect, config.prior_scale),
        alpha=alpha,
        confidence=config.confidence,
        quantile=config.quantile,
    )
    new_state = LatencyState(
        bounds=observation.bounds,
        loglik=tuple(tuple(row) for row in loglik.tolist()),
        p_value=float(ev.p_value),
        candidate=tuple(int(v) for v in cand_total),
        stable=tuple(int(v) for v in stab_total),
        looks=carried.looks + 1,
    )
    return _result(config, ev, new_state, alpha=alpha, final=final)


def _quantile_ratio(config: LatencyConfig, state: LatencyState) -> tuple[float, float, float]:
    """The `quantile` ratio candidate/stable with time-uniform bounds (α/2 per arm)."""
    band_alpha = (1.0 - config.confidence) / 2.0
    q = config.quantile
    cand = histogram_quantile(q, state.bounds, state.candidate)
    stab = histogram_quantile(q, state.bounds, state.stable)
    c_low, c_high = quantile_bounds(q, state.bounds, state.candidate, alpha=band_alpha)
    s_low, s_high = quantile_bounds(q, state.bounds, state.stable, alpha=band_alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = float(np.divide(cand, stab))
        lower = float(np.divide(c_low, s_high)) if s_high > 0 else math.nan
        upper = float(np.divide(c_high, s_low)) if s_low > 0 else math.inf
    return estimate, lower, upper


def _deciding_boundary(ev: LatencyEvaluation, outcome: str) -> int:
    """The boundary a reason should name: the one that failed, else the most significant."""
    per = ev.per_boundary
    if outcome == "Failed" and bool(np.any(per.failed)):
        return int(np.argmax(np.where(per.failed, per.lower, -np.inf)))
    if not np.isfinite(np.max(per.log_e)):
        return int(np.argmax(per.log_e))
    return int(ev.best)


def _result(
    config: LatencyConfig, ev: LatencyEvaluation, state: LatencyState, *, alpha: float, final: bool
) -> ComparisonResult[LatencyState]:
    codes = np.where(ev.failed, 2, np.where(ev.shown, 1, 3 if final else 0))
    outcome = outcome_rules.OUTCOMES[int(codes)]
    estimate, lower, upper = _quantile_ratio(config, state)
    per = ev.per_boundary
    best = _deciding_boundary(ev, outcome)
    slow = (
        f"slow-request ratio above {state.bounds[best]:g} "
        f"{format_ratio(math.exp(float(per.estimate[best])))} "
        f"(CS {format_ratio(math.exp(float(per.lower[best])))}–"
        f"{format_ratio(math.exp(float(per.upper[best])))})"
    )
    summary = (
        f"p{config.quantile * 100:g} latency {format_ratio(estimate)} of stable "
        f"({config.confidence:.0%} band {format_ratio(lower)}–{format_ratio(upper)}) after "
        f"{state.candidate[-1]} candidate requests; {slow}"
    )
    why = outcome_rules.explain_values(
        outcome,
        p_value=float(ev.p_value),
        effect=config.effect,
        direction=config.direction,
        alpha=alpha,
    )
    return ComparisonResult(
        outcome=outcome,
        statistic=f"log mean e-value over {len(state.bounds)} bucket boundaries",
        statistic_value=float(ev.log_e),
        p_value=float(ev.p_value),
        estimate=estimate,
        lower=lower,
        upper=upper,
        confidence=config.confidence,
        candidate_n=float(state.candidate[-1]),
        stable_n=float(state.stable[-1]),
        reason=f"{summary}: {why}",
        state=state,
        critical=outcome == "Failed" and (config.critical or bool(ev.critical)),
    )

"""`sequential-counts`: anytime-valid comparison of bad-event counts, candidate vs stable.

The default judge for error (or success) counts. At each look it takes the events counted since
the previous look — bad events and all events on each side, i.e. four `increase()` queries — and
updates a mixture test martingale on the candidate's share of the bad events, with the null
share θ0 = the candidate's share of *all* events at that look (see `analysis.judges.mixture`).
Conditioning on the totals makes it blind to shared load changes and shared incidents, and lets
θ0 follow the steps of the rollout. The same machinery on the totals against the configured
weight is an anytime-valid sample-ratio-mismatch check, reported with every verdict.

Decision rule (direction = increase; decrease and either mirror it), A = allowed ratio:
  Failed        anytime p ≤ alpha (against "no worse") and the estimate is beyond A,
                or the (1 − alpha) lower confidence bound is beyond A;
  Successful    the upper confidence bound is below A: non-inferiority shown;
  Inconclusive  at the final look without either — never Successful for lack of alarm;
  Running       otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from analysis.judges import outcome_rules
from analysis.judges.mixture import Grid, loglik_increment, prior
from analysis.judges.result import ComparisonResult, Direction, EffectSize, SrmInfo, format_ratio

__all__ = ["CountsConfig", "CountsObservation", "CountsState", "judge_counts"]

SRM_GRID = Grid(step=0.01, half_width=1.0)


@dataclass(frozen=True)
class CountsConfig:
    """What a `comparison` metric with `method: sequential-counts` declares."""

    direction: Direction = "increase"
    effect: EffectSize = field(default_factory=EffectSize)
    confidence: float = 0.95
    prior_scale: float = 1.0
    critical: bool = False
    quantity: str = "error ratio"
    srm_alpha: float = 0.001
    srm_fails: bool = False
    grid: Grid = field(default_factory=Grid)


@dataclass(frozen=True)
class CountsObservation:
    """Events counted since the previous look; `configured_weight` is the candidate's share."""

    candidate_bad: float
    candidate_total: float
    stable_bad: float
    stable_total: float
    configured_weight: float | None = None

    def counts(self) -> tuple[int, int, int, int]:
        """Whole, validated counts (Prometheus' `increase()` extrapolates to fractions)."""
        values = [self.candidate_bad, self.candidate_total, self.stable_bad, self.stable_total]
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError(f"counts must be finite and non-negative, got {values}")
        cb, ct, sb, st = (round(v) for v in values)
        return min(cb, ct), ct, min(sb, st), st


@dataclass(frozen=True)
class CountsState:
    """Everything carried between looks: log-likelihood grids, running p-values, totals."""

    loglik: tuple[float, ...] = ()
    srm_loglik: tuple[float, ...] = ()
    p_value: float = 1.0
    srm_p_value: float = 1.0
    candidate_bad: int = 0
    candidate_total: int = 0
    stable_bad: int = 0
    stable_total: int = 0
    looks: int = 0


def _grid_state(stored: tuple[float, ...], grid: Grid) -> npt.NDArray[np.float64]:
    points = grid.points
    if not stored:
        return np.zeros(points.size)
    if len(stored) != points.size:
        raise ValueError("carried state does not match the judge's grid")
    return np.asarray(stored, dtype=np.float64)


def _srm(
    config: CountsConfig,
    observation: CountsObservation,
    state: CountsState,
    totals: tuple[int, int],
) -> tuple[tuple[float, ...], float, SrmInfo | None]:
    """Update the split check; without a configured weight there is nothing to check."""
    srm_loglik = _grid_state(state.srm_loglik, SRM_GRID)
    weight = observation.configured_weight
    if weight is not None:
        srm_loglik = srm_loglik + loglik_increment(
            SRM_GRID.points, hits=totals[0], total=totals[0] + totals[1], theta0=weight
        )
    log_e = outcome_rules.log_e(srm_loglik, prior(SRM_GRID.points, scale=0.2, side="either"))
    p = min(state.srm_p_value, math.exp(-log_e))
    if weight is None:
        return tuple(srm_loglik.tolist()), p, None
    seen = state.candidate_total + totals[0] + state.stable_total + totals[1]
    share = (state.candidate_total + totals[0]) / seen if seen else math.nan
    return tuple(srm_loglik.tolist()), p, SrmInfo(p, share, weight, p <= config.srm_alpha)


def judge_counts(
    config: CountsConfig,
    observation: CountsObservation,
    *,
    state: CountsState | None,
    alpha: float,
    final: bool,
) -> ComparisonResult[CountsState]:
    """Fold one look into the test and decide; pure, so a replay gives the same verdict."""
    state = state or CountsState()
    cb, ct, sb, st = observation.counts()
    grid = config.grid.points
    theta0 = ct / (ct + st) if ct + st else 0.0
    loglik = _grid_state(state.loglik, config.grid) + loglik_increment(
        grid, hits=cb, total=cb + sb, theta0=theta0
    )
    srm_loglik, srm_p, srm = _srm(config, observation, state, (ct, st))
    ev = outcome_rules.evaluate(
        config.grid,
        loglik,
        np.float64(state.p_value),
        rules=outcome_rules.Rules(config.direction, config.effect, config.prior_scale),
        alpha=alpha,
        confidence=config.confidence,
    )
    new_state = CountsState(
        loglik=tuple(loglik.tolist()),
        srm_loglik=srm_loglik,
        p_value=float(ev.p_value),
        srm_p_value=srm_p,
        candidate_bad=state.candidate_bad + cb,
        candidate_total=state.candidate_total + ct,
        stable_bad=state.stable_bad + sb,
        stable_total=state.stable_total + st,
        looks=state.looks + 1,
    )
    return _result(config, ev, new_state, srm=srm, alpha=alpha, final=final)


def _result(
    config: CountsConfig,
    ev: outcome_rules.Evaluation,
    state: CountsState,
    *,
    srm: SrmInfo | None,
    alpha: float,
    final: bool,
) -> ComparisonResult[CountsState]:
    outcome = outcome_rules.outcome(ev, final=final)
    srm_failed = config.srm_fails and srm is not None and srm.detected
    if srm_failed:
        outcome = "Failed"
    has_events = state.candidate_bad + state.stable_bad > 0
    estimate = math.exp(float(ev.estimate)) if has_events else math.nan
    lower, upper = math.exp(float(ev.lower)), math.exp(float(ev.upper))
    summary = (
        f"{config.quantity} {format_ratio(estimate)} ({config.confidence:.0%} CS "
        f"{format_ratio(lower)}–{format_ratio(upper)}) after {state.candidate_total} candidate "
        f"and {state.stable_total} stable events"
    )
    why = outcome_rules.explain(
        ev, outcome=outcome, effect=config.effect, direction=config.direction, alpha=alpha
    )
    if srm_failed and srm is not None:
        why = f"traffic split {srm.observed_share:.3g} instead of {srm.expected_share:.3g} (SRM)"
    return ComparisonResult(
        outcome=outcome,
        statistic="log e-value",
        statistic_value=float(ev.log_e),
        p_value=float(ev.p_value),
        estimate=estimate,
        lower=lower,
        upper=upper,
        confidence=config.confidence,
        candidate_n=float(state.candidate_total),
        stable_n=float(state.stable_total),
        reason=f"{summary}: {why}",
        state=state,
        srm=srm,
        critical=outcome == "Failed" and (config.critical or bool(ev.critical)),
    )

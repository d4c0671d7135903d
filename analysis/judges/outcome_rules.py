"""From a log-likelihood grid to an outcome: the decision rule the sequential judges share.

Kept separate from the judges so that the benchmark applies *this* code, vectorised over
thousands of simulated rollouts, rather than a re-implementation that could drift from it.
Everything is on the log-ratio scale; `Evaluation` fields broadcast over leading axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from analysis.judges.mixture import Grid, confidence_bounds, log_e_value, mle, prior
from analysis.judges.result import Direction, EffectSize, Outcome, format_ratio

__all__ = [
    "OUTCOMES",
    "Evaluation",
    "Rules",
    "evaluate",
    "explain",
    "explain_values",
    "log_e",
    "outcome",
    "outcome_codes",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
RUNNING, SUCCESSFUL, FAILED, INCONCLUSIVE = 0, 1, 2, 3
OUTCOMES: tuple[Outcome, ...] = ("Running", "Successful", "Failed", "Inconclusive")


@dataclass(frozen=True)
class Rules:
    """The parts of a metric's configuration that the decision depends on."""

    direction: Direction
    effect: EffectSize
    prior_scale: float = 1.0


class Evaluation(NamedTuple):
    log_e: FloatArray
    p_value: FloatArray
    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray
    failed: BoolArray
    shown: BoolArray
    critical: BoolArray


@lru_cache(maxsize=64)
def _priors(grid: Grid, scale: float, side: Direction) -> tuple[FloatArray, FloatArray]:
    points = grid.points
    return prior(points, scale=scale, side=side), prior(points, scale=scale, side=None)


def log_e(loglik: FloatArray, log_prior: FloatArray) -> float:
    """Scalar log e-value of one grid (a convenience for the judges)."""
    return float(log_e_value(loglik, log_prior))


def evaluate(
    grid: Grid,
    loglik: FloatArray,
    p_previous: npt.ArrayLike,
    *,
    rules: Rules,
    alpha: float,
    confidence: float,
) -> Evaluation:
    """Test, estimate and bound one or many grids, and apply the fail/promote rule."""
    points = grid.points
    test_prior, cs_prior = _priors(grid, rules.prior_scale, rules.direction)
    log_e_now = log_e_value(loglik, test_prior)
    with np.errstate(over="ignore"):  # NB: a tiny e-value gives exp(+large) = inf; min() keeps p
        p_value = np.minimum(np.asarray(p_previous, dtype=np.float64), np.exp(-log_e_now))
    estimate = mle(points, loglik)
    lower, upper = confidence_bounds(points, loglik, cs_prior, alpha=1.0 - confidence)
    lower_a, upper_a = confidence_bounds(points, loglik, cs_prior, alpha=alpha)
    effect, significant = rules.effect, p_value <= alpha
    up = np.bool_(rules.direction != "decrease")
    down = np.bool_(rules.direction != "increase")
    log_inc, log_dec = math.log(effect.allowed_increase), math.log(effect.allowed_decrease)
    worse_up = up & ((significant & (estimate > log_inc)) | (lower_a > log_inc))
    worse_down = down & ((significant & (estimate < log_dec)) | (upper_a < log_dec))
    shown = (~up | (upper < log_inc)) & (~down | (lower > log_dec))
    with np.errstate(divide="ignore"):
        critical = (up & (lower_a > np.log(effect.critical_increase))) | (
            down & (upper_a < np.log(effect.critical_decrease))
        )
    return Evaluation(
        log_e_now, p_value, estimate, lower, upper, worse_up | worse_down, shown, critical
    )


def outcome_codes(ev: Evaluation, *, final: bool | BoolArray) -> npt.NDArray[np.int64]:
    """0 Running, 1 Successful, 2 Failed, 3 Inconclusive; failure is checked first."""
    quiet = np.where(final, INCONCLUSIVE, RUNNING)
    return np.asarray(
        np.where(ev.failed, FAILED, np.where(ev.shown, SUCCESSFUL, quiet)), dtype=np.int64
    )


def outcome(ev: Evaluation, *, final: bool) -> Outcome:
    return OUTCOMES[int(outcome_codes(ev, final=final))]


def explain(
    ev: Evaluation, *, outcome: Outcome, effect: EffectSize, direction: Direction, alpha: float
) -> str:
    """The second half of a reason line: why this outcome, against which margin."""
    return explain_values(
        outcome, p_value=float(ev.p_value), effect=effect, direction=direction, alpha=alpha
    )


def explain_values(
    outcome: Outcome, *, p_value: float, effect: EffectSize, direction: Direction, alpha: float
) -> str:
    """`explain` from plain values, for judges that combine several evaluations."""
    margin = {
        "increase": f"allowed {format_ratio(effect.allowed_increase)}",
        "decrease": f"allowed {format_ratio(effect.allowed_decrease)}",
        "either": f"allowed {format_ratio(effect.allowed_decrease)}–"
        f"{format_ratio(effect.allowed_increase)}",
    }[direction]
    p = p_value
    if outcome == "Failed":
        return f"worse than {margin} (anytime p={p:.2g} ≤ α={alpha:.2g})"
    if outcome == "Successful":
        return f"within {margin}: non-inferiority shown"
    if outcome == "Inconclusive":
        return f"not enough evidence to show it within {margin} by the end of the window"
    return f"no decision yet (anytime p={p:.2g}, α={alpha:.2g}; {margin})"

"""The latency judge's decision on many boundaries at once, vectorised for the benchmark.

Input: per-boundary log-likelihood grids [..., K, G] and the pooled slow share of each boundary
[..., K]. Output: the averaged-e-value test, which boundary carries the evidence, and the
fail/promote rule described in `analysis.judges.sequential_latency`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import special

from analysis.judges import outcome_rules
from analysis.judges.mixture import Grid

__all__ = ["LatencyEvaluation", "evaluate_boundaries", "guarded"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class LatencyEvaluation(NamedTuple):
    log_e: FloatArray
    p_value: FloatArray
    best: npt.NDArray[np.int64]
    per_boundary: outcome_rules.Evaluation
    failed: BoolArray
    shown: BoolArray
    critical: BoolArray


def guarded(slow_share: FloatArray, *, quantile: float) -> BoolArray:
    """Boundaries whose pooled slow share lies in [1 − quantile, 1/2]: the body-to-tail range."""
    return np.asarray((slow_share >= 1.0 - quantile) & (slow_share <= 0.5), dtype=np.bool_)


def evaluate_boundaries(
    grid: Grid,
    loglik: FloatArray,
    slow_share: FloatArray,
    p_previous: npt.ArrayLike,
    *,
    rules: outcome_rules.Rules,
    alpha: float,
    confidence: float,
    quantile: float,
) -> LatencyEvaluation:
    """Average the boundary e-values, then apply the fail and promote rules."""
    k = loglik.shape[-2]
    guard = guarded(slow_share, quantile=quantile)
    n_guard = np.maximum(guard.sum(axis=-1), 1)
    # NB: Bonferroni over the guarded boundaries only; the level varies per rollout, so the
    # per-boundary bounds are computed at the strictest level any rollout here needs.
    level = 1.0 - (1.0 - confidence) / float(np.max(n_guard))
    per = outcome_rules.evaluate(grid, loglik, 1.0, rules=rules, alpha=alpha / k, confidence=level)
    log_e = special.logsumexp(per.log_e, axis=-1) - np.log(k)
    with np.errstate(over="ignore"):
        p_value = np.minimum(np.asarray(p_previous, dtype=np.float64), np.exp(-log_e))
    # NB: the e-value average runs over *every* boundary (fixed in advance, so valid); the margin
    # is judged only where at least a tenth of the tail share 1 − quantile is slower: beyond
    # p99.9 a few per cent of latency scale (one slow pod) already doubles the slow-request ratio.
    judged = slow_share >= (1.0 - quantile) / 10.0
    best = np.argmax(np.where(judged, per.log_e, -np.inf), axis=-1)
    beyond_best = np.any(judged, axis=-1) & _pick(_beyond(per, rules), best)
    failed = ((p_value <= alpha) & beyond_best) | np.any(judged & per.failed, axis=-1)
    shown = np.any(guard, axis=-1) & np.all(~guard | per.shown, axis=-1)
    critical = np.any(per.critical, axis=-1)
    return LatencyEvaluation(log_e, p_value, best, per, failed, shown, critical)


def _beyond(per: outcome_rules.Evaluation, rules: outcome_rules.Rules) -> BoolArray:
    """Is a boundary's point estimate beyond the allowed ratio in the bad direction?"""
    up = rules.direction != "decrease"
    down = rules.direction != "increase"
    beyond = np.zeros(per.estimate.shape, dtype=np.bool_)
    if up:
        beyond |= per.estimate > np.log(rules.effect.allowed_increase)
    if down:
        beyond |= per.estimate < np.log(rules.effect.allowed_decrease)
    return beyond


def _pick(values: BoolArray, index: npt.NDArray[np.int64]) -> BoolArray:
    return np.asarray(np.take_along_axis(values, index[..., None], axis=-1)[..., 0], dtype=np.bool_)

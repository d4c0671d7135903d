"""Kayenta's Mann-Whitney confidence interval and Hodges-Lehmann-type estimate.

This is R's ``wilcox.test(x, y, conf.int=TRUE, exact=FALSE, correct=TRUE)`` as Kayenta runs it
(statistics.md §1.4.4): the normal approximation of the rank-sum statistic of ``(x − μ) ∪ y``,
with tie and continuity corrections, inverted in μ by R's zeroin at an *absolute* tolerance of
1e-4. x is the experiment (candidate), y the control (baseline), so the interval is for the
shift x − y. `root` returns a bracket end when the function does not change sign across the
bracket, which is how Kayenta's "Problem Case" ends up with an estimate equal to its upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.judges.kayenta.preprocess import FloatArray
from analysis.judges.kayenta.zeroin import zeroin

__all__ = ["MannWhitneyInterval", "mann_whitney_interval", "root", "wilcoxon_diff"]


@dataclass(frozen=True)
class MannWhitneyInterval:
    """CI (lower, upper) for the shift experiment − control, and the estimate (root at q=0)."""

    lower: float
    upper: float
    estimate: float


def wilcoxon_diff(mu: float, quantile: float, x: FloatArray, y: FloatArray) -> float:
    """Standardised, continuity-corrected rank-sum of ``x − mu`` against y, minus `quantile`.

    Raises ZeroDivisionError when every pooled value is tied (σ = 0), as Kayenta throws.
    """
    nx, ny = float(x.size), float(y.size)
    pooled = np.concatenate([x - mu, y])
    ranks = stats.rankdata(pooled, method="average")
    dz = float(ranks[: x.size].sum()) - nx * (nx + 1.0) / 2.0 - nx * ny / 2.0
    _, ties = np.unique(ranks, return_counts=True)
    tie_term = float(np.sum(ties.astype(np.float64) ** 3 - ties)) / ((nx + ny) * (nx + ny - 1.0))
    sigma = float(np.sqrt(nx * ny / 12.0 * ((nx + ny + 1.0) - tie_term)))
    if sigma == 0.0:
        raise ZeroDivisionError("cannot compute confidence interval when all observations are tied")
    return (dz - 0.5 * float(np.sign(dz))) / sigma - quantile


def root(quantile: float, x: FloatArray, y: FloatArray) -> float:
    """μ where `wilcoxon_diff` crosses zero, or the bracket end where it cannot."""
    mu_min = float(x.min() - y.max())
    mu_max = float(x.max() - y.min())
    if wilcoxon_diff(mu_min, quantile, x, y) <= 0.0:
        return mu_min
    if wilcoxon_diff(mu_max, quantile, x, y) >= 0.0:
        return mu_max
    return zeroin(lambda mu: wilcoxon_diff(mu, quantile, x, y), mu_min, mu_max)


def mann_whitney_interval(
    experiment: FloatArray, control: FloatArray, *, confidence: float
) -> MannWhitneyInterval:
    """Kayenta's `mannWhitneyUTest`: two-sided CI at `confidence` and the shift estimate."""
    z = float(stats.norm.ppf((1.0 - confidence) / 2.0))
    return MannWhitneyInterval(
        lower=root(-z, experiment, control),
        upper=root(z, experiment, control),
        estimate=root(0.0, experiment, control),
    )

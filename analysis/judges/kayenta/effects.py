"""Descriptive statistics and effect sizes as Kayenta computes them (statistics.md §1.3, §1.4.6).

These values reach the verdict's metadata and the effect-size gate, so their edge cases are
part of the contract: the mean ratio is NaN when either mean is 0 (the gate is then skipped),
an empty series summarises to zeros, and the standard deviation is the sample one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = ["Summary", "cles", "cohen_d", "mean_ratio", "percentile", "summarize"]


@dataclass(frozen=True)
class Summary:
    """min, max, mean, sample sd and count of one arm; zeros when the arm is empty."""

    minimum: float
    maximum: float
    mean: float
    std: float
    count: int


def summarize(data: npt.ArrayLike) -> Summary:
    """Summarise one arm (sample sd, 0 for a single point, all zeros for no data)."""
    values = np.asarray(data, dtype=np.float64)
    if values.size == 0:
        return Summary(0.0, 0.0, 0.0, 0.0, 0)
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return Summary(
        float(values.min()), float(values.max()), float(values.mean()), std, int(values.size)
    )


def percentile(data: npt.ArrayLike, p: float) -> float:
    """R-7 percentile (Apache Commons' estimation type used by Kayenta), `p` in [0, 100]."""
    return float(np.percentile(np.asarray(data, dtype=np.float64), p, method="linear"))


def mean_ratio(control: npt.ArrayLike, experiment: npt.ArrayLike) -> float:
    """mean(experiment) / mean(control); NaN when either mean is 0, as in Kayenta."""
    ctl = float(np.mean(np.asarray(control, dtype=np.float64)))
    exp = float(np.mean(np.asarray(experiment, dtype=np.float64)))
    if ctl == 0.0 or exp == 0.0:
        return float("nan")
    return exp / ctl


def cohen_d(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """|mean(a) - mean(b)| over the pooled sample standard deviation."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    pooled = ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
    return float(abs(x.mean() - y.mean()) / np.sqrt(pooled))


def cles(control: npt.ArrayLike, experiment: npt.ArrayLike) -> float:
    """Common-language effect size: P(experiment > control) + P(tie)/2, from pooled ranks."""
    ctl = np.asarray(control, dtype=np.float64)
    exp = np.asarray(experiment, dtype=np.float64)
    m, n = exp.size, ctl.size
    ranks = stats.rankdata(np.concatenate([exp, ctl]), method="average")
    r1 = float(ranks[:m].sum())
    return (2.0 * r1 - m * (m + 1)) / (2.0 * n * m)

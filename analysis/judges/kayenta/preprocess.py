"""Kayenta's preprocessing: NaN handling and outlier detectors.

NetflixACAJudge cleans each arm separately before classifying it (statistics.md §1.3). The
detectors return boolean masks (True = outlier) so tests can compare them with Kayenta's own
flag vectors, and `remove_outliers` keeps the points a mask does not flag.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "FloatArray",
    "NanStrategy",
    "OutlierStrategy",
    "iqr_outliers",
    "ksigma_outliers",
    "preprocess",
    "remove_nans",
    "remove_outliers",
    "replace_nans",
]

FloatArray = npt.NDArray[np.float64]
NanStrategy = Literal["remove", "replace"]
OutlierStrategy = Literal["remove", "keep"]


def remove_nans(data: npt.ArrayLike) -> FloatArray:
    """Drop NaNs: Kayenta's default `nanStrategy: remove`."""
    values = np.asarray(data, dtype=np.float64)
    return values[~np.isnan(values)]


def replace_nans(data: npt.ArrayLike, value: float = 0.0) -> FloatArray:
    """Map NaN to `value` (0.0 in the judge): a gap then reads as "nothing happened"."""
    values = np.asarray(data, dtype=np.float64)
    return np.where(np.isnan(values), value, values)


def iqr_outliers(
    data: npt.ArrayLike, *, factor: float = 1.5, reduce_sensitivity: bool = False
) -> npt.NDArray[np.bool_]:
    """Flag points strictly outside the interquartile fences.

    Percentiles are R-7 (Apache Commons' default, numpy's ``linear``). With
    `reduce_sensitivity` (what the judge uses) the fences widen to at least the 1st and 99th
    percentiles, so a tight series does not lose its ordinary extremes.
    """
    values = np.asarray(data, dtype=np.float64)
    if values.size == 0:
        return np.zeros(0, dtype=np.bool_)
    q1, q3 = np.percentile(values, [25.0, 75.0], method="linear")
    iqr = q3 - q1
    lower, upper = q1 - factor * iqr, q3 + factor * iqr
    if reduce_sensitivity:
        p1, p99 = np.percentile(values, [1.0, 99.0], method="linear")
        lower, upper = min(p1, lower), max(p99, upper)
    return np.asarray((values < lower) | (values > upper), dtype=np.bool_)


def ksigma_outliers(data: npt.ArrayLike, *, k: float = 3.0) -> npt.NDArray[np.bool_]:
    """Flag points more than `k` population standard deviations from the mean."""
    values = np.asarray(data, dtype=np.float64)
    if values.size == 0:
        return np.zeros(0, dtype=np.bool_)
    deviation = np.abs(values - values.mean())
    return np.asarray(deviation > k * values.std(ddof=0), dtype=np.bool_)


def remove_outliers(data: npt.ArrayLike, mask: npt.NDArray[np.bool_]) -> FloatArray:
    """Keep the points that `mask` does not flag, in their original order."""
    return np.asarray(data, dtype=np.float64)[~mask]


def preprocess(
    data: npt.ArrayLike,
    *,
    nan_strategy: NanStrategy = "remove",
    outlier_strategy: OutlierStrategy = "keep",
    outlier_factor: float = 3.0,
) -> FloatArray:
    """The judge's per-arm transform: NaN strategy first, then the optional IQR removal."""
    values = remove_nans(data) if nan_strategy == "remove" else replace_nans(data)
    if outlier_strategy == "remove":
        mask = iqr_outliers(values, factor=outlier_factor, reduce_sensitivity=True)
        values = remove_outliers(values, mask)
    return values

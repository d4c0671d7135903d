"""What a query against the simulated Prometheus returns, vectorised over rollouts.

`increase` follows PromQL's shape — the first and last sample inside the window, extrapolated
to the window's length, no value with fewer than two samples — without PromQL's exact edge
rules. `value_at` is the last sample at or before a time (an instant query of the counter), the
way the sequential judges get exact per-look increments that telescope across looks.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from benchmarks.decision_quality.simulate import SCRAPE, Rollouts

__all__ = ["histogram_quantiles", "increase", "value_at", "value_at_aligned"]

FloatArray = npt.NDArray[np.float64]


def _mask(counter: npt.NDArray[np.generic], observed: npt.NDArray[np.bool_]) -> FloatArray:
    extra = counter.ndim - observed.ndim
    seen = observed.reshape(observed.shape + (1,) * extra)
    return np.where(seen, counter.astype(np.float64), np.nan)


def value_at(
    counter: npt.NDArray[np.generic], observed: npt.NDArray[np.bool_], index: int
) -> FloatArray:
    """Last observed counter value at or before scrape `index` (0 before any sample)."""
    values = _mask(counter[:, : index + 1], observed[:, : index + 1])
    seen = ~np.isnan(values)
    last = np.where(seen.any(axis=1), seen.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1), -1)
    picked = np.take_along_axis(np.nan_to_num(values), np.maximum(last, 0)[:, None], axis=1)[:, 0]
    return np.asarray(np.where(last >= 0, picked, 0.0), dtype=np.float64)


def value_at_aligned(
    counter: npt.NDArray[np.generic], observed: npt.NDArray[np.bool_], index: int
) -> FloatArray:
    """Both arms' counters at the last scrape ≤ `index` where *both* were scraped.

    Taking each arm's own latest sample instead lets a missing scrape shift one arm's window
    against the other's, and a shared incident inside that gap then reads as a difference.
    """
    both = np.asarray(observed[:, : index + 1].all(axis=-1), dtype=np.bool_)
    last = np.where(both.any(axis=1), both.shape[1] - 1 - np.argmax(both[:, ::-1], axis=1), -1)
    picked = counter[np.arange(counter.shape[0]), np.maximum(last, 0)].astype(np.float64)
    shape = (-1,) + (1,) * (picked.ndim - 1)
    return np.asarray(np.where((last >= 0).reshape(shape), picked, 0.0), dtype=np.float64)


def increase(
    counter: npt.NDArray[np.generic], observed: npt.NDArray[np.bool_], *, end: int, window: int
) -> FloatArray:
    """increase(x[window·15s]) evaluated at scrape `end`; NaN with fewer than two samples."""
    start = max(end - window + 1, 0)
    values = counter[:, start : end + 1].astype(np.float64)
    seen = observed[:, start : end + 1]
    first = np.argmax(seen, axis=1)
    last = seen.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)
    rows = np.arange(values.shape[0])
    span = np.maximum(last - first, 1).astype(np.float64)
    extra = (1,) * (values.ndim - 2)
    delta = (values[rows, last] - values[rows, first]) * (window / span).reshape((-1, *extra))
    ok = (seen.sum(axis=1) >= 2).reshape((-1, *extra))
    return np.asarray(np.where(ok, delta, np.nan), dtype=np.float64)


def histogram_quantiles(q: float, buckets: FloatArray, bounds: npt.ArrayLike) -> FloatArray:
    """PromQL histogram_quantile over the last axis of cumulative `buckets` (+Inf last)."""
    edges = np.asarray(bounds, dtype=np.float64)
    total = buckets[..., -1]
    rank = q * total
    index = np.sum(buckets[..., :-1] < rank[..., None], axis=-1)
    inside = index < edges.size
    safe = np.minimum(index, edges.size - 1)
    upper = edges[safe]
    lower = np.where(safe > 0, edges[np.maximum(safe - 1, 0)], 0.0)
    below = np.where(
        safe > 0, np.take_along_axis(buckets, np.maximum(safe - 1, 0)[..., None], -1)[..., 0], 0.0
    )
    here = np.take_along_axis(buckets, safe[..., None], -1)[..., 0] - below
    with np.errstate(invalid="ignore", divide="ignore"):
        value = lower + (upper - lower) * (rank - below) / here
    value = np.where(here > 0, value, upper)
    value = np.where(inside, value, edges[-1])
    return np.asarray(np.where(total > 0, value, np.nan), dtype=np.float64)


def scrape_index(rollouts: Rollouts, seconds: float) -> int:
    return round(seconds / SCRAPE) - 1

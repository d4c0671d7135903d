"""Anytime-valid inference on a share with a changing null: a mixture over a log-odds grid.

The count tests all reduce to one question. At each look, B events (errors, slow requests, all
requests) fell on the two arms, and under the null each one is the candidate's with the
probability θ0 of that look (the candidate's share of traffic, or the configured weight). If the
candidate's rate is r times the stable's, that probability becomes θ(δ) = expit(logit θ0 + δ)
with δ = log r. Conditioning on B at each look makes the test blind to load: diurnal traffic or
a shared incident scale both arms and cancel (statistics.md §3.1).

For a fixed δ the product over looks of Bin(b; B, θ(δ)) / Bin(b; B, θ0) is a test martingale
under the null — exactly under the Poisson model, and a supermartingale when requests are
Bernoulli draws from fixed totals (the exact null is then hypergeometric, which Hoeffding (1963)
shows is dominated in convex order by the binomial). A *discrete* prior over a grid of δ keeps
that property exactly, and, unlike a Beta prior on θ, lets θ0 change from look to look (steps
1 → 5 → 50 %). The state is the log-likelihood ratio on the grid. Every function here is
vectorised over leading axes, so the benchmark runs the same code on thousands of rollouts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from analysis.judges.result import Direction

__all__ = [
    "Grid",
    "confidence_bounds",
    "log_e_value",
    "loglik_increment",
    "mle",
    "prior",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grid:
    """log-ratio points δ = k·step for |δ| ≤ half_width (δ = 0 is always a point)."""

    step: float = 0.05
    half_width: float = 5.0

    @property
    def points(self) -> FloatArray:
        count = round(self.half_width / self.step)
        return np.arange(-count, count + 1, dtype=np.float64) * self.step


def loglik_increment(
    grid: FloatArray, *, hits: npt.ArrayLike, total: npt.ArrayLike, theta0: npt.ArrayLike
) -> FloatArray:
    """log Bin(hits; total, θ(δ)) − log Bin(hits; total, θ0) for every grid δ.

    A look without events, or where one arm had no traffic (θ0 ∈ {0, 1}), carries no
    information and adds 0. Shapes broadcast; the grid is the last axis of the result.
    """
    h = np.asarray(hits, dtype=np.float64)[..., None]
    n = np.asarray(total, dtype=np.float64)[..., None]
    t0 = np.asarray(theta0, dtype=np.float64)[..., None]
    usable = (t0 > 0.0) & (t0 < 1.0) & (n > 0.0)
    eta0 = special.logit(np.where(usable, t0, 0.5))
    eta = eta0 + grid
    inc = h * (special.log_expit(eta) - special.log_expit(eta0)) + (n - h) * (
        special.log_expit(-eta) - special.log_expit(-eta0)
    )
    return np.where(usable, inc, 0.0)


def prior(grid: FloatArray, *, scale: float, side: Direction | None) -> FloatArray:
    """Log weights of a discretised normal(0, scale²) prior on δ, normalised to sum 1.

    `side` restricts it to the alternatives of a one-sided test (increase: δ > 0, decrease:
    δ < 0, either: δ ≠ 0); None keeps δ = 0 too, as the confidence sequence needs.
    """
    log_w = -0.5 * (grid / scale) ** 2
    keep = np.ones(grid.shape, dtype=np.bool_)
    if side == "increase":
        keep = grid > 0.0
    elif side == "decrease":
        keep = grid < 0.0
    elif side == "either":
        keep = grid != 0.0
    log_w = np.where(keep, log_w, -np.inf)
    return np.asarray(log_w - special.logsumexp(log_w), dtype=np.float64)


def log_e_value(loglik: FloatArray, log_prior: FloatArray) -> FloatArray:
    """log of the mixture martingale Σ π(δ)·LR(δ) against δ = 0 (loglik is relative to 0)."""
    return np.asarray(special.logsumexp(loglik + log_prior, axis=-1), dtype=np.float64)


def confidence_bounds(
    grid: FloatArray, loglik: FloatArray, log_prior: FloatArray, *, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """Time-uniform (1 − alpha) bounds on δ: {δ : mixture(δ) / LR(δ) < 1/alpha}.

    The set is an interval because the log-likelihood is concave in δ. Bounds are rounded
    *outwards* to the neighbouring excluded grid point, so the grid never makes them tighter
    than the exact set; ±inf when the set reaches the end of the grid.
    """
    log_mix = special.logsumexp(loglik + log_prior, axis=-1, keepdims=True)
    inside = (log_mix - loglik) < np.log(1.0 / alpha)
    first = np.argmax(inside, axis=-1)
    last = grid.size - 1 - np.argmax(inside[..., ::-1], axis=-1)
    padded = np.concatenate([[-np.inf], grid, [np.inf]])
    lower = np.where(inside.any(axis=-1), padded[first], np.nan)
    upper = np.where(inside.any(axis=-1), padded[last + 2], np.nan)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def mle(grid: FloatArray, loglik: FloatArray) -> FloatArray:
    """Maximum-likelihood δ: the best grid point refined by a parabola through its neighbours."""
    best = np.argmax(loglik, axis=-1)
    inner = np.clip(best, 1, grid.size - 2)
    left = np.take_along_axis(loglik, (inner - 1)[..., None], axis=-1)[..., 0]
    mid = np.take_along_axis(loglik, inner[..., None], axis=-1)[..., 0]
    right = np.take_along_axis(loglik, (inner + 1)[..., None], axis=-1)[..., 0]
    curvature = left - 2.0 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curvature < 0.0, 0.5 * (left - right) / curvature, 0.0)
    step = grid[1] - grid[0]
    refined = grid[inner] + np.clip(shift, -1.0, 1.0) * step
    at_edge = (best == 0) | (best == grid.size - 1)
    flat = np.all(loglik == loglik[..., :1], axis=-1)
    estimate = np.where(at_edge, grid[best], refined)
    return np.asarray(np.where(flat, 0.0, estimate), dtype=np.float64)

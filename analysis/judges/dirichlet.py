"""The plain Dirichlet-multinomial test of Lindon & Malek (statistics.md §3.1), as published.

Kept as the reference the sequential judges are measured against ("never slower than the plain
Dirichlet-multinomial test"): a Bayes factor of Dirichlet-multinomial against multinomial(θ0)
on the running per-arm counts, prior a = concentration·θ0 (Netflix's gist default 100), and the
running-minimum p-value 1/BF. It needs a *fixed* θ0, so across steps with different weights
the benchmark multiplies one such factor per step (a product of test martingales over
consecutive periods is again one). Vectorised over leading axes; arms are the last axis.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = ["dm_log_bayes_factor"]

DEFAULT_CONCENTRATION = 100.0


def dm_log_bayes_factor(
    counts: npt.ArrayLike, theta0: npt.ArrayLike, *, concentration: float = DEFAULT_CONCENTRATION
) -> npt.NDArray[np.float64]:
    """log BF of Dirichlet-multinomial(a = concentration·θ0) against multinomial(θ0).

    The multinomial coefficient cancels between the two marginal likelihoods, leaving
    lnΓ(Σa) − Σ lnΓ(aᵢ) + Σ lnΓ(aᵢ + nᵢ) − lnΓ(Σa + N) − Σ nᵢ log θ0ᵢ.
    """
    n = np.asarray(counts, dtype=np.float64)
    theta = np.broadcast_to(np.asarray(theta0, dtype=np.float64), n.shape)
    a = concentration * theta
    total = n.sum(axis=-1)
    marginal = (
        special.gammaln(a.sum(axis=-1))
        - special.gammaln(a).sum(axis=-1)
        + special.gammaln(a + n).sum(axis=-1)
        - special.gammaln(a.sum(axis=-1) + total)
    )
    null = special.xlogy(n, theta).sum(axis=-1)
    return np.asarray(marginal - null, dtype=np.float64)

"""Request-level simulation of many rollouts at once, rendered as Prometheus would store it.

Per 15-second scrape interval and replicate: non-homogeneous Poisson arrivals split Bernoulli(w)
between the arms; errors are Bernoulli per request; latencies fall into the default histogram
buckets (multinomial, drawn as conditional binomials); the latency `_sum` is drawn from its
normal approximation. Nuisances (statistics.md §7.2): per-pod effects (uniform ±5 % per pod,
2 candidate and 6 stable pods), independent AR(1) noise per arm on each interval's error rate
and latency scale, a shared incident hitting both arms, a candidate warm-up transient (slower
for the first two minutes) and scrape gaps (missing samples). Counters are cumulative;
`observed` masks the scrapes that went missing. Arrays are [replicates, scrapes, (arm,) ...].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from benchmarks.decision_quality.scenarios import BUCKETS, Scenario

__all__ = ["SCRAPE", "Rollouts", "latency_cdf", "simulate", "subset"]

SCRAPE = 15.0
EDGES = np.asarray(BUCKETS)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Rollouts:
    """Cumulative counters at each scrape; arm 0 is the candidate, arm 1 the stable."""

    times: FloatArray  # [T] scrape times (s)
    weights: FloatArray  # [T] configured candidate weight during each interval
    requests: IntArray  # [R, T, 2]
    errors: IntArray  # [R, T, 2]
    buckets: IntArray  # [R, T, 2, K+1] cumulative over le, last = +Inf
    latency_sum: FloatArray  # [R, T, 2]
    observed: npt.NDArray[np.bool_]  # [R, T, 2] False where the scrape is missing


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], *, phi: float, sd: float) -> FloatArray:
    """AR(1) along axis 1 with stationary standard deviation `sd`."""
    noise = rng.normal(0.0, sd * math.sqrt(1.0 - phi**2), shape)
    out = np.empty(shape)
    out[:, 0] = rng.normal(0.0, sd, (shape[0], *shape[2:]))
    for t in range(1, shape[1]):
        out[:, t] = phi * out[:, t - 1] + noise[:, t]
    return out


def _plan_weights(scenario: Scenario, times: FloatArray) -> FloatArray:
    ends = np.cumsum([seconds for _, seconds in scenario.plan])
    index = np.minimum(np.searchsorted(ends, times - SCRAPE / 2, side="right"), len(ends) - 1)
    return np.asarray([scenario.plan[i][0] for i in index], dtype=np.float64)


def _multipliers(
    scenario: Scenario, rng: np.random.Generator, reps: int, times: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Error-rate and latency-scale multipliers [R, T, 2] from pods, AR(1), incidents, warm-up."""
    shape = (reps, times.size, 2)
    if not scenario.nuisance:
        return np.ones(shape), np.ones(shape)
    pods = np.stack(
        [rng.uniform(0.95, 1.05, (reps, 2)).mean(1), rng.uniform(0.95, 1.05, (reps, 6)).mean(1)], -1
    )
    err = pods[:, None, :] * np.exp(_ar1(rng, shape, phi=0.5, sd=0.1))
    lat = pods[:, None, :] * np.exp(_ar1(rng, shape, phi=0.5, sd=0.03))
    start = rng.uniform(0.0, scenario.duration, reps)[:, None]
    hit = (rng.random(reps) < 0.3)[:, None] & (times >= start) & (times < start + 180.0)
    err *= np.where(hit, 5.0, 1.0)[..., None]
    lat *= np.where(hit, 1.5, 1.0)[..., None]
    lat[:, :, 0] *= 1.0 + 0.5 * np.clip(1.0 - times / 120.0, 0.0, 1.0)
    return err, lat


def latency_cdf(scenario: Scenario, arm: int, scale: FloatArray) -> FloatArray:
    """P(latency ≤ le) at every bucket bound for latency scale multipliers `scale` [..]."""
    mu = math.log(scenario.median * (scenario.median_ratio if arm == 0 else 1.0))
    bounds = EDGES / scale[..., None]
    if arm == 0 and scenario.tail_ratio != 1.0:
        q95 = math.exp(mu + 1.645 * scenario.sigma)
        power = 1.0 + math.log(scenario.tail_ratio) / (scenario.sigma * (2.326 - 1.645))
        bounds = np.where(bounds > q95, q95 * (bounds / q95) ** (1.0 / power), bounds)
    cdf = special.ndtr((np.log(bounds) - mu) / scenario.sigma)
    if scenario.heavy_tail:
        pareto = stats.pareto.cdf(bounds, 1.5, scale=3.0 * scenario.median)
        cdf = 0.95 * cdf + 0.05 * pareto
    return np.asarray(cdf, dtype=np.float64)


def _draw_buckets(rng: np.random.Generator, n: IntArray, cdf: FloatArray) -> IntArray:
    """Multinomial bucket counts via conditional binomials; returns cumulative counts with +Inf."""
    probs = np.diff(
        np.concatenate([np.zeros((*cdf.shape[:-1], 1)), cdf, np.ones((*cdf.shape[:-1], 1))], -1),
        axis=-1,
    )
    left = n.copy()
    remaining = np.ones(n.shape)
    counts = np.zeros((*n.shape, probs.shape[-1]), dtype=np.int64)
    for k in range(probs.shape[-1] - 1):
        share = np.clip(probs[..., k] / np.maximum(remaining, 1e-300), 0.0, 1.0)
        counts[..., k] = rng.binomial(left, share)
        left = left - counts[..., k]
        remaining = remaining - probs[..., k]
    counts[..., -1] = left
    return np.cumsum(counts, axis=-1)


def _moments(scenario: Scenario, arm: int, rng: np.random.Generator) -> tuple[float, float]:
    """Mean and sd of one request's latency at scale 1 (Monte Carlo, fixed size)."""
    u = rng.random(200_000)
    x = np.exp(math.log(scenario.median) + scenario.sigma * special.ndtri(u))
    if arm == 0:
        x = x * scenario.median_ratio
        if scenario.tail_ratio != 1.0:
            q95 = scenario.median * scenario.median_ratio * math.exp(1.645 * scenario.sigma)
            power = 1.0 + math.log(scenario.tail_ratio) / (scenario.sigma * (2.326 - 1.645))
            x = np.where(x > q95, q95 * (x / q95) ** power, x)
    if scenario.heavy_tail:
        tail = rng.random(u.size) < 0.05
        x = np.where(
            tail,
            stats.pareto.rvs(1.5, scale=3.0 * scenario.median, size=u.size, random_state=rng),
            x,
        )
    return float(x.mean()), float(x.std())


def simulate(scenario: Scenario) -> Rollouts:
    """Simulate `scenario.reps` rollouts of the scenario with its own fixed seed."""
    rng = np.random.default_rng(scenario.seed)
    reps = scenario.reps
    times = np.arange(1, round(scenario.duration / SCRAPE) + 1, dtype=np.float64) * SCRAPE
    weights = _plan_weights(scenario, times)
    phase = rng.uniform(0.0, 2 * math.pi, (reps, 1))
    intensity = scenario.rate * (1.0 + 0.3 * np.sin(2 * math.pi * times / 86400.0 + phase))
    total = rng.poisson(intensity * SCRAPE)
    cand = rng.binomial(total, weights)
    n = np.stack([cand, total - cand], axis=-1)
    err_mult, lat_mult = _multipliers(scenario, rng, reps, times)
    p = scenario.p0 * err_mult * np.array([scenario.error_ratio, 1.0])
    p[..., 0] += scenario.new_error
    errors = rng.binomial(n, np.clip(p, 0.0, 1.0))
    buckets = np.stack(
        [
            _draw_buckets(rng, n[..., arm], latency_cdf(scenario, arm, lat_mult[..., arm]))
            for arm in (0, 1)
        ],
        axis=2,
    )
    sums = np.zeros(n.shape)
    for arm in (0, 1):
        mean, sd = _moments(scenario, arm, rng)
        m = lat_mult[..., arm]
        sums[..., arm] = np.maximum(
            rng.normal(n[..., arm] * m * mean, np.sqrt(n[..., arm]) * m * sd), 0.0
        )
    observed = np.asarray(rng.random(n.shape) >= (0.02 if scenario.nuisance else 0.0))
    return Rollouts(
        times=times,
        weights=weights,
        requests=np.cumsum(n, axis=1),
        errors=np.cumsum(errors, axis=1),
        buckets=np.cumsum(buckets, axis=1),
        latency_sum=np.cumsum(sums, axis=1),
        observed=observed,
    )


def subset(rollouts: Rollouts, reps: int) -> Rollouts:
    """The first `reps` rollouts (for rules too slow to run on all of them)."""
    return Rollouts(
        times=rollouts.times,
        weights=rollouts.weights,
        requests=rollouts.requests[:reps],
        errors=rollouts.errors[:reps],
        buckets=rollouts.buckets[:reps],
        latency_sum=rollouts.latency_sum[:reps],
        observed=rollouts.observed[:reps],
    )

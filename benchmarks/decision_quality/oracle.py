"""Wald's SPRT bound (statistics.md §3.6): how fast *any* test could detect the regression.

The oracle knows the alternative exactly. Per bad event, the evidence is KL(Bernoulli(ρ₁) ‖
Bernoulli(ρ₀)) with ρ = the candidate's share of bad events under each hypothesis; per candidate
request for latency, the KL between the two bucket distributions. Any (α, β) test needs
E₁[Σ KL] ≥ (1−β) log((1−β)/α) + β log(β/(1−α)), so the oracle time is when the *expected*
evidence, accumulated along the plan's weights from the end of the warm-up, reaches that bound.
Nuisances are ignored (they only make detection harder), so this is indicative, not a
guarantee for each rollout.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.decision_quality.scenarios import Scenario
from benchmarks.decision_quality.simulate import latency_cdf

__all__ = ["oracle_seconds", "wald_bound"]

WARMUP = 120.0


def wald_bound(alpha: float, beta: float = 0.2) -> float:
    return (1 - beta) * math.log((1 - beta) / alpha) + beta * math.log(beta / (1 - alpha))


def _bernoulli_kl(p: float, q: float) -> float:
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def _rate_per_second(scenario: Scenario, weight: float) -> float:
    """Expected evidence per second at this weight (nats/s)."""
    if scenario.group == "latency":
        cand = np.diff(np.concatenate([[0.0], latency_cdf(scenario, 0, np.ones(1))[0], [1.0]]))
        stab = np.diff(np.concatenate([[0.0], latency_cdf(scenario, 1, np.ones(1))[0], [1.0]]))
        keep = cand > 0
        kl = float(np.sum(cand[keep] * np.log(cand[keep] / np.maximum(stab[keep], 1e-300))))
        return scenario.rate * weight * kl
    p_cand = scenario.p0 * scenario.error_ratio + scenario.new_error
    ratio = p_cand / scenario.p0
    rho0, rho1 = weight, weight * ratio / (weight * ratio + 1 - weight)
    events = scenario.rate * (weight * p_cand + (1 - weight) * scenario.p0)
    return events * _bernoulli_kl(rho1, rho0)


def oracle_seconds(scenario: Scenario, *, alpha: float, beta: float = 0.2) -> float:
    """Seconds from the start of the rollout until the expected evidence reaches Wald's bound."""
    if scenario.is_null:
        return math.nan
    need, elapsed, start = wald_bound(alpha, beta), 0.0, 0.0
    for weight, seconds in scenario.plan:
        end = start + seconds
        usable = max(end - max(start, WARMUP), 0.0)
        rate = _rate_per_second(scenario, weight)
        if rate * usable >= need - elapsed:
            return max(start, WARMUP) + (need - elapsed) / rate
        elapsed += rate * usable
        start = end
    return math.inf

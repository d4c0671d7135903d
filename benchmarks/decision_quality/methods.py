"""The decision rules compared on identical simulated rollouts.

Every rule looks once a minute after a two-minute warm-up (Argo's `initialDelay`, our §8.5
advice), sees only what Prometheus holds, and answers per rollout: rolled back (when), promoted
at the end of the plan, or inconclusive. Thresholds of the peer rules are tuned to the scenario's
own baseline (error SLO 2× the baseline rate, p99 SLO 1.5× the stable p99): the most favourable
setting a user could pick, so their weaknesses come from the rule, not from a bad threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analysis.judges import outcome_rules
from analysis.judges.budget import DEFAULT_ALPHA, per_test_alpha
from analysis.judges.dirichlet import dm_log_bayes_factor
from analysis.judges.latency_rules import evaluate_boundaries
from analysis.judges.mixture import loglik_increment
from analysis.judges.sequential_counts import CountsConfig
from analysis.judges.sequential_latency import LatencyConfig, slow_increment
from benchmarks.decision_quality import prom
from benchmarks.decision_quality.scenarios import BUCKETS, Scenario
from benchmarks.decision_quality.simulate import Rollouts

__all__ = ["Decisions", "look_indices"]

ROLLBACK, PROMOTED, INCONCLUSIVE = 0, 1, 2
LOOK_EVERY, WARMUP_SCRAPES = 4, 8
ALPHA_EACH = per_test_alpha(DEFAULT_ALPHA, tests=2)
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Decisions:
    """Per rollout: the outcome and the time (s) it was reached (rollbacks only)."""

    outcome: npt.NDArray[np.int64]
    when: FloatArray


def look_indices(rollouts: Rollouts) -> list[int]:
    """Scrape index of each look: every minute, from the end of the warm-up."""
    return list(range(WARMUP_SCRAPES - 1 + LOOK_EVERY, rollouts.times.size, LOOK_EVERY))


class _Tracker:
    """Records the first rollback of each rollout; the rest promote or stay inconclusive."""

    def __init__(self, reps: int) -> None:
        self.when = np.full(reps, np.inf)

    def fail(self, mask: npt.NDArray[np.bool_], time: float) -> None:
        self.when = np.where(mask & np.isinf(self.when), time, self.when)

    def finish(self, promote: npt.NDArray[np.bool_]) -> Decisions:
        rolled = np.isfinite(self.when)
        outcome = np.where(rolled, ROLLBACK, np.where(promote, PROMOTED, INCONCLUSIVE))
        return Decisions(outcome.astype(np.int64), self.when)


def _delta(
    rollouts: Rollouts, counter: npt.NDArray[np.generic], start: int, end: int
) -> FloatArray:
    return prom.value_at(counter, rollouts.observed, end) - prom.value_at(
        counter, rollouts.observed, start
    )


def ours(rollouts: Rollouts, scenario: Scenario) -> Decisions:
    """sequential-counts on errors + sequential-latency on the histogram, α/2 each."""
    reps = rollouts.requests.shape[0]
    counts_grid, latency_grid = CountsConfig().grid, LatencyConfig().grid
    counts, latency = CountsConfig(), LatencyConfig()
    rules = outcome_rules.Rules(counts.direction, counts.effect, counts.prior_scale)
    lat_rules = outcome_rules.Rules(latency.direction, latency.effect, latency.prior_scale)
    err_ll = np.zeros((reps, counts_grid.points.size))
    lat_ll = np.zeros((reps, len(BUCKETS), latency_grid.points.size))
    err_p, lat_p = np.ones(reps), np.ones(reps)
    pooled = np.zeros((reps, len(BUCKETS) + 1))
    tracker, previous = _Tracker(reps), WARMUP_SCRAPES - 1
    looks = look_indices(rollouts)
    for index in looks:
        final = index == looks[-1]
        n = _delta(rollouts, rollouts.requests, previous, index)
        bad = _delta(rollouts, rollouts.errors, previous, index)
        hist = _delta(rollouts, rollouts.buckets, previous, index)
        previous = index
        theta0 = np.where(n.sum(-1) > 0, n[:, 0] / np.maximum(n.sum(-1), 1), 0.0)
        err_ll += loglik_increment(
            counts_grid.points, hits=bad[:, 0], total=bad.sum(-1), theta0=theta0
        )
        err = outcome_rules.evaluate(
            counts_grid, err_ll, err_p, rules=rules, alpha=ALPHA_EACH, confidence=0.95
        )
        lat_ll += slow_increment(latency_grid.points, hist[:, 0], hist[:, 1])
        pooled += hist.sum(axis=1)
        share = (pooled[:, -1:] - pooled[:, :-1]) / np.maximum(pooled[:, -1:], 1.0)
        lat = evaluate_boundaries(
            latency_grid,
            lat_ll,
            share,
            lat_p,
            rules=lat_rules,
            alpha=ALPHA_EACH,
            confidence=latency.confidence,
            quantile=latency.quantile,
        )
        err_p, lat_p = err.p_value, lat.p_value
        tracker.fail(err.failed | lat.failed, rollouts.times[index])
        if final:
            return tracker.finish(err.shown & lat.shown)
    raise AssertionError("a plan has at least one look")


def plain_dm(rollouts: Rollouts, scenario: Scenario) -> Decisions:
    """Lindon-Malek DM test on error counts (prior 100·θ0), one factor per step, α/2."""
    reps = rollouts.requests.shape[0]
    tracker, log_bf_done, p_value = _Tracker(reps), np.zeros(reps), np.ones(reps)
    step_start, weight = WARMUP_SCRAPES - 1, rollouts.weights[WARMUP_SCRAPES]
    for index in look_indices(rollouts):
        if rollouts.weights[index] != weight:
            log_bf_done += _dm_step(rollouts, step_start, index - LOOK_EVERY, weight)
            step_start, weight = index - LOOK_EVERY, rollouts.weights[index]
        log_bf = log_bf_done + _dm_step(rollouts, step_start, index, weight)
        p_value = np.minimum(p_value, np.exp(-log_bf))
        bad = _delta(rollouts, rollouts.errors, WARMUP_SCRAPES - 1, index)
        n = _delta(rollouts, rollouts.requests, WARMUP_SCRAPES - 1, index)
        worse = bad[:, 0] * n[:, 1] > bad[:, 1] * n[:, 0]
        tracker.fail((p_value <= ALPHA_EACH) & worse, rollouts.times[index])
    return tracker.finish(np.ones(reps, dtype=np.bool_))


def _dm_step(rollouts: Rollouts, start: int, end: int, weight: float) -> FloatArray:
    bad = _delta(rollouts, rollouts.errors, start, end)
    return dm_log_bayes_factor(bad, np.array([weight, 1.0 - weight]))

"""sequential-latency: tail-only regressions, A/A control, quantile reporting."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from analysis.judges import outcome_rules
from analysis.judges.latency_rules import evaluate_boundaries
from analysis.judges.mixture import Grid
from analysis.judges.quantile_bands import histogram_quantile, lil_epsilon, quantile_bounds
from analysis.judges.result import ComparisonResult, EffectSize
from analysis.judges.sequential_latency import (
    LatencyConfig,
    LatencyObservation,
    LatencyState,
    judge_latency,
    slow_increment,
)

BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
EDGES = np.array(BOUNDS)


def sample(rng: np.random.Generator, n: np.ndarray, *, tail: float) -> np.ndarray:
    """Log-normal(median 0.1 s, σ 0.5) whose slowest 5 % are stretched by `tail` (p95 fixed)."""
    q95 = 0.1 * math.exp(1.645 * 0.5)
    out = np.zeros((n.size, EDGES.size + 1), dtype=np.int64)
    for row, count in enumerate(n):
        x = rng.lognormal(math.log(0.1), 0.5, int(count))
        x = np.where(x > q95, q95 * (x / q95) ** tail, x)
        out[row, :-1] = np.searchsorted(np.sort(x), EDGES, side="right")
        out[row, -1] = count
    return out


def run_vectorised(
    *, tail: float, reps: int, looks: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(failed at any look, fixed-n Welch p of the means at the end) per replicate."""
    rng = np.random.default_rng(seed)
    grid = Grid(step=0.05, half_width=3.0)
    loglik = np.zeros((reps, EDGES.size, grid.points.size))
    p_value, failed = np.ones(reps), np.zeros(reps, dtype=bool)
    pooled = np.zeros((reps, EDGES.size + 1))
    rules = outcome_rules.Rules("increase", EffectSize())
    for _ in range(looks):
        n_c, n_s = rng.poisson(300, reps), rng.poisson(2700, reps)
        cand, stab = sample(rng, n_c, tail=tail), sample(rng, n_s, tail=1.0)
        loglik += slow_increment(grid.points, cand, stab)
        pooled += cand + stab
        share = (pooled[:, -1:] - pooled[:, :-1]) / pooled[:, -1:]
        ev = evaluate_boundaries(
            grid, loglik, share, p_value, rules=rules, alpha=0.01, confidence=0.95, quantile=0.99
        )
        p_value, failed = ev.p_value, failed | ev.failed
    return failed, p_value


def test_tail_only_regression_is_caught_where_the_mean_barely_moves() -> None:
    failed, _ = run_vectorised(tail=2.0, reps=60, looks=20, seed=5)
    assert failed.mean() >= 0.9
    rng = np.random.default_rng(6)
    q95 = 0.1 * math.exp(1.645 * 0.5)
    x = rng.lognormal(math.log(0.1), 0.5, 6000)
    y = rng.lognormal(math.log(0.1), 0.5, 6000)
    y = np.where(y > q95, q95 * (y / q95) ** 2.0, y)
    assert abs(np.median(y) / np.median(x) - 1.0) < 0.05


def test_aa_latency_false_failures_stay_within_alpha() -> None:
    failed, _ = run_vectorised(tail=1.0, reps=200, looks=20, seed=7)
    assert stats.binomtest(int(failed.sum()), failed.size).proportion_ci(0.99).low <= 0.01


def cumulative(values: np.ndarray) -> tuple[float, ...]:
    counts = np.searchsorted(np.sort(values), EDGES, side="right")
    return (*[float(c) for c in counts], float(values.size))


def run(looks: list[LatencyObservation]) -> list[ComparisonResult[LatencyState]]:
    config = LatencyConfig()
    state: LatencyState | None = None
    out = []
    for index, obs in enumerate(looks):
        result = judge_latency(config, obs, state=state, alpha=0.01, final=index == len(looks) - 1)
        state = result.state
        out.append(result)
    return out


def test_judge_promotes_an_equal_candidate_with_enough_traffic() -> None:
    rng = np.random.default_rng(8)
    looks = [
        LatencyObservation(
            BOUNDS,
            cumulative(rng.lognormal(-2.3, 0.5, 20_000)),
            cumulative(rng.lognormal(-2.3, 0.5, 20_000)),
        )
        for _ in range(3)
    ]
    result = run(looks)[-1]
    assert result.outcome == "Successful"
    assert 0.8 < result.estimate < 1.25 and result.lower <= result.estimate <= result.upper
    assert "p99 latency" in result.reason


def test_judge_fails_a_slow_candidate_and_says_where() -> None:
    rng = np.random.default_rng(9)
    obs = LatencyObservation(
        BOUNDS,
        cumulative(rng.lognormal(-1.6, 0.5, 3000)),
        cumulative(rng.lognormal(-2.3, 0.5, 30_000)),
    )
    result = run([obs])[-1]
    assert result.outcome == "Failed" and result.estimate > 1.5
    assert "slow-request ratio above" in result.reason


def test_no_requests_is_inconclusive_never_successful() -> None:
    empty = LatencyObservation(BOUNDS, (0.0,) * 12, (0.0,) * 12)
    assert run([empty, empty])[-1].outcome == "Inconclusive"


def test_histogram_quantile_follows_promql() -> None:
    bounds, counts = (0.1, 0.5, 1.0), np.array([10.0, 60.0, 100.0, 100.0])
    assert histogram_quantile(0.5, bounds, counts) == 0.1 + 0.4 * (50 - 10) / 50
    assert histogram_quantile(0.05, bounds, counts) == 0.05
    assert histogram_quantile(0.999, bounds, np.array([10.0, 60.0, 90.0, 100.0])) == 1.0
    assert math.isnan(histogram_quantile(0.5, bounds, np.zeros(4)))


def test_lil_band_matches_the_reference_widths() -> None:
    """statistics.md §3.2: ε ≈ 0.267 / 0.086 / 0.0275 / 0.0088; our closed-form C is a bit wider."""
    for t, reference in [(1e2, 0.267), (1e3, 0.086), (1e4, 0.0275), (1e5, 0.0088)]:
        eps = lil_epsilon(t, alpha=0.05)
        assert reference * 0.99 <= eps <= reference * 1.03


def test_quantile_bounds_bracket_the_truth_and_snap_to_buckets() -> None:
    rng = np.random.default_rng(10)
    values = rng.lognormal(-2.3, 0.5, 200_000)
    lower, upper = quantile_bounds(0.5, BOUNDS, np.array(cumulative(values)), alpha=0.05)
    assert lower in BOUNDS and upper in BOUNDS
    assert lower < math.exp(-2.3) <= upper

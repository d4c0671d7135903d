"""The mixture martingale and the plain Dirichlet-multinomial factor, against scipy and theory."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.judges.dirichlet import dm_log_bayes_factor
from analysis.judges.mixture import Grid, confidence_bounds, loglik_increment, mle, prior

GRID = Grid().points


def test_increment_is_a_binomial_log_likelihood_ratio() -> None:
    theta0, hits, total = 0.1, 7, 30
    theta = 1.0 / (1.0 + np.exp(-(np.log(theta0 / (1 - theta0)) + GRID)))
    expected = stats.binom.logpmf(hits, total, theta) - stats.binom.logpmf(hits, total, theta0)
    actual = loglik_increment(GRID, hits=hits, total=total, theta0=theta0)
    np.testing.assert_allclose(actual, expected, atol=1e-9)


def test_looks_without_information_add_nothing() -> None:
    for hits, total, theta0 in [(0, 0, 0.2), (3, 3, 0.0), (0, 5, 1.0)]:
        assert not np.any(loglik_increment(GRID, hits=hits, total=total, theta0=theta0))


@settings(max_examples=60, deadline=None)
@given(
    hits=st.integers(0, 50),
    extra=st.integers(0, 50),
    n_c=st.integers(1, 10_000),
    n_s=st.integers(1, 10_000),
    scale=st.integers(2, 50),
)
def test_shared_load_changes_cancel(hits: int, extra: int, n_c: int, n_s: int, scale: int) -> None:
    """Scaling both arms' traffic (diurnal load) leaves the evidence unchanged."""
    base = loglik_increment(GRID, hits=hits, total=hits + extra, theta0=n_c / (n_c + n_s))
    scaled = loglik_increment(
        GRID, hits=hits, total=hits + extra, theta0=scale * n_c / (scale * (n_c + n_s))
    )
    np.testing.assert_allclose(base, scaled, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(hits=st.integers(0, 40), extra=st.integers(0, 40), theta0=st.floats(0.01, 0.99))
def test_swapping_the_arms_mirrors_the_ratio(hits: int, extra: int, theta0: float) -> None:
    forward = loglik_increment(GRID, hits=hits, total=hits + extra, theta0=theta0)
    swapped = loglik_increment(GRID, hits=extra, total=hits + extra, theta0=1.0 - theta0)
    np.testing.assert_allclose(forward, swapped[::-1], atol=1e-8)


def test_prior_sides_put_mass_only_on_their_alternatives() -> None:
    up = np.exp(prior(GRID, scale=1.0, side="increase"))
    down = np.exp(prior(GRID, scale=1.0, side="decrease"))
    assert abs(up.sum() - 1.0) < 1e-12
    assert np.all(up[GRID <= 0] == 0.0) and np.all(down[GRID >= 0] == 0.0)
    np.testing.assert_allclose(up[::-1], down, atol=1e-15)


def test_two_arm_dm_factor_is_beta_binomial_over_binomial() -> None:
    """statistics.md §3.1: with two arms the DM test is beta-binomial vs binomial."""
    w, a = 0.1, 100.0
    for n_c, n_s in [(0, 0), (3, 40), (20, 20), (150, 900)]:
        expected = stats.betabinom.logpmf(n_c, n_c + n_s, a * w, a * (1 - w)) - stats.binom.logpmf(
            n_c, n_c + n_s, w
        )
        actual = float(dm_log_bayes_factor([n_c, n_s], [w, 1 - w], concentration=a))
        assert abs(actual - expected) < 1e-9


def test_k_arm_dm_factor_matches_scipy_dirichlet_multinomial() -> None:
    counts, theta = np.array([5.0, 17.0, 40.0]), np.array([0.1, 0.3, 0.6])
    expected = stats.dirichlet_multinomial.logpmf(
        counts, 50.0 * theta, int(counts.sum())
    ) - stats.multinomial.logpmf(counts, int(counts.sum()), theta)
    assert abs(float(dm_log_bayes_factor(counts, theta, concentration=50.0)) - expected) < 1e-9


def test_confidence_sequence_covers_the_true_ratio_at_every_look() -> None:
    """Time-uniform coverage: the true log-ratio stays inside at all 40 looks (fixed seed)."""
    rng = np.random.default_rng(11)
    reps, looks, true_delta, alpha = 400, 40, np.log(1.8), 0.1
    theta = 0.2 * 1.8 / (0.2 * 1.8 + 0.8)
    loglik = np.zeros((reps, GRID.size))
    cs_prior = prior(GRID, scale=1.0, side=None)
    missed = np.zeros(reps, dtype=bool)
    for _ in range(looks):
        total = rng.poisson(15, reps)
        hits = rng.binomial(total, theta)
        loglik += loglik_increment(GRID, hits=hits, total=total, theta0=0.2)
        lower, upper = confidence_bounds(GRID, loglik, cs_prior, alpha=alpha)
        missed |= (lower >= true_delta) | (upper <= true_delta)
    rate = missed.mean()
    ci_low = stats.binomtest(int(missed.sum()), reps).proportion_ci(0.99).low
    assert ci_low <= alpha, rate
    assert abs(float(np.median(mle(GRID, loglik))) - true_delta) < 0.1

"""A version's behaviour: the drawn latencies and errors have the configured shape."""

from __future__ import annotations

import random
import statistics

import pytest

from rollout_engine.sandbox.behaviour import Behaviour, draw, latency_quantile


def _latencies(behaviour: Behaviour, n: int = 20_000, *, uptime_s: float = 1e9) -> list[float]:
    rng = random.Random(7)
    return sorted(draw(behaviour, rng=rng, uptime_s=uptime_s).latency_s for _ in range(n))


def _quantile(sorted_values: list[float], q: float) -> float:
    return sorted_values[int(q * len(sorted_values))]


@pytest.mark.parametrize(
    "bad",
    [
        {"error_rate": 1.5},
        {"latency_median_ms": 0},
        {"latency_sigma": -0.1},
        {"tail_share": 1.0},
        {"tail_factor": 0.5},
        {"warmup_seconds": -1},
        {"warmup_factor": 0.9},
    ],
)
def test_an_impossible_behaviour_is_refused_with_the_field_named(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Behaviour(**bad)


def test_latency_is_log_normal_around_the_median() -> None:
    behaviour = Behaviour(latency_median_ms=20, latency_sigma=0.5)
    values = _latencies(behaviour)
    assert statistics.median(values) == pytest.approx(0.020, rel=0.03)
    # p90 of a log-normal: median × exp(σ z₀.₉) = 20 ms × exp(0.5 × 1.2816) ≈ 37.9 ms
    assert _quantile(values, 0.9) == pytest.approx(latency_quantile(behaviour, 0.9), rel=0.04)
    assert latency_quantile(behaviour, 0.9) == pytest.approx(0.0379, rel=0.01)


def test_a_tail_regression_moves_only_the_slowest_share() -> None:
    base = Behaviour(latency_median_ms=20, latency_sigma=0.5)
    tail = Behaviour(latency_median_ms=20, latency_sigma=0.5, tail_share=0.05, tail_factor=3)
    before, after = _latencies(base), _latencies(tail)
    for q in (0.5, 0.8, 0.94):
        assert _quantile(after, q) == pytest.approx(_quantile(before, q), rel=1e-9)
    assert _quantile(after, 0.99) == pytest.approx(3 * _quantile(before, 0.99), rel=1e-9)
    assert latency_quantile(tail, 0.99) == pytest.approx(3 * latency_quantile(base, 0.99))
    assert latency_quantile(tail, 0.5) == latency_quantile(base, 0.5)


def test_error_rate_is_the_share_of_failed_draws() -> None:
    rng = random.Random(3)
    behaviour = Behaviour(error_rate=0.03)
    errors = sum(draw(behaviour, rng=rng, uptime_s=10).error for _ in range(20_000))
    assert errors / 20_000 == pytest.approx(0.03, abs=0.004)


def test_warm_up_inflates_latency_then_decays_to_nothing() -> None:
    behaviour = Behaviour(latency_sigma=0.0, warmup_seconds=10, warmup_factor=3)
    rng = random.Random(1)
    at = {t: draw(behaviour, rng=rng, uptime_s=t).latency_s for t in (0.0, 5.0, 10.0, 60.0)}
    assert at[0.0] == pytest.approx(0.060)
    assert at[5.0] == pytest.approx(0.040)
    assert at[10.0] == at[60.0] == pytest.approx(0.020)


def test_draws_are_reproducible_with_a_seed() -> None:
    behaviour = Behaviour(error_rate=0.1, tail_share=0.1, tail_factor=2)
    first = [draw(behaviour, rng=random.Random(5), uptime_s=1) for _ in range(3)]
    again = [draw(behaviour, rng=random.Random(5), uptime_s=1) for _ in range(3)]
    assert first == again


def test_quantile_outside_the_open_unit_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        latency_quantile(Behaviour(), 1.0)

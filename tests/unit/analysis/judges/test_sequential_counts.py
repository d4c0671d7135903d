"""sequential-counts: error control, power, promotion evidence, SRM, restart safety."""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.judges import outcome_rules
from analysis.judges.mixture import Grid, loglik_increment
from analysis.judges.result import ComparisonResult, EffectSize
from analysis.judges.sequential_counts import (
    CountsConfig,
    CountsObservation,
    CountsState,
    judge_counts,
)

ALPHA = 0.05


def simulate(
    *, ratio: float, reps: int, looks: int, per_look: int, weight: float, p0: float, seed: int
) -> np.ndarray:
    """Outcome codes [reps, looks] of the judge's own rule on simulated Bernoulli traffic."""
    rng = np.random.default_rng(seed)
    grid = Grid()
    loglik = np.zeros((reps, grid.points.size))
    p_value = np.ones(reps)
    rules = outcome_rules.Rules("increase", EffectSize())
    codes = np.zeros((reps, looks), dtype=np.int64)
    for look in range(looks):
        total = rng.poisson(per_look, reps)
        cand = rng.binomial(total, weight)
        bad_c = rng.binomial(cand, min(p0 * ratio, 1.0))
        bad_s = rng.binomial(total - cand, p0)
        theta0 = np.where(total > 0, cand / np.maximum(total, 1), 0.0)
        loglik += loglik_increment(grid.points, hits=bad_c, total=bad_c + bad_s, theta0=theta0)
        ev = outcome_rules.evaluate(
            grid, loglik, p_value, rules=rules, alpha=ALPHA, confidence=0.95
        )
        p_value = ev.p_value
        codes[:, look] = outcome_rules.outcome_codes(ev, final=look == looks - 1)
    return codes


def first_decision(codes: np.ndarray) -> np.ndarray:
    decided = codes != outcome_rules.RUNNING
    return np.where(decided.any(axis=1), codes[np.arange(len(codes)), decided.argmax(axis=1)], 0)


def test_aa_false_failures_stay_within_alpha_over_all_looks() -> None:
    codes = simulate(ratio=1.0, reps=1500, looks=40, per_look=2000, weight=0.1, p0=0.01, seed=1)
    failed = int(np.any(codes == outcome_rules.FAILED, axis=1).sum())
    ci = stats.binomtest(failed, len(codes)).proportion_ci(0.99)
    assert ci.low <= ALPHA


def test_a_three_fold_error_increase_is_caught() -> None:
    codes = simulate(ratio=3.0, reps=300, looks=40, per_look=2000, weight=0.1, p0=0.01, seed=2)
    assert (first_decision(codes) == outcome_rules.FAILED).mean() >= 0.95


def test_a_two_fold_regression_is_almost_never_promoted() -> None:
    codes = simulate(ratio=2.0, reps=500, looks=40, per_look=2000, weight=0.1, p0=0.01, seed=3)
    promoted = int((first_decision(codes) == outcome_rules.SUCCESSFUL).sum())
    assert stats.binomtest(promoted, len(codes)).proportion_ci(0.99).low <= 0.01


def look(cb: float, ct: float, sb: float, st_: float, w: float | None = 0.1) -> CountsObservation:
    return CountsObservation(cb, ct, sb, st_, configured_weight=w)


def run(
    observations: list[CountsObservation], **kwargs: Any
) -> list[ComparisonResult[CountsState]]:
    config = CountsConfig(**kwargs)
    state: CountsState | None = None
    results = []
    for index, obs in enumerate(observations):
        result = judge_counts(
            config, obs, state=state, alpha=0.01, final=index == len(observations) - 1
        )
        state = result.state
        results.append(result)
    return results


def test_silence_is_not_evidence_at_low_traffic() -> None:
    results = run([look(0, 3, 0, 30) for _ in range(10)])
    assert results[-1].outcome == "Inconclusive"
    assert all(r.outcome == "Running" for r in results[:-1])
    assert math.isnan(results[-1].estimate)


def test_no_traffic_at_all_is_inconclusive() -> None:
    assert run([look(0, 0, 0, 0, None)])[-1].outcome == "Inconclusive"


def test_a_new_error_class_fails_fast() -> None:
    results = run([look(2, 100, 0, 900) for _ in range(10)])
    failed = [r for r in results if r.outcome == "Failed"]
    assert failed and failed[0].state.looks <= 6
    assert failed[0].estimate > 10


def test_good_candidate_with_traffic_is_promoted_with_a_bound() -> None:
    results = run([look(100, 10_000, 1000, 100_000) for _ in range(5)])
    assert results[-1].outcome == "Successful"
    assert results[-1].upper < 1.5 and results[-1].lower < 1.0 < results[-1].upper
    assert "non-inferiority" in results[-1].reason and "CS" in results[-1].reason


def test_failure_reason_names_ratio_bound_and_margin() -> None:
    result = run([look(60, 1000, 90, 9000)])[-1]
    assert result.outcome == "Failed"
    assert "error ratio" in result.reason and "allowed 1.5×" in result.reason
    assert result.lower > 1.5 or result.estimate > 1.5


def test_decrease_direction_catches_a_drop_in_successes() -> None:
    results = run([look(50, 1000, 1000, 9000)], direction="decrease")
    assert results[-1].outcome == "Failed" and results[-1].estimate < 1.0


def test_critical_threshold_marks_a_failure_critical() -> None:
    effect = EffectSize(critical_increase=3.0)
    result = run([look(200, 1000, 90, 9000)], effect=effect)[-1]
    assert result.outcome == "Failed" and result.critical


def test_sample_ratio_mismatch_is_detected_and_reported() -> None:
    skewed = run([look(10, 1300, 90, 8700) for _ in range(5)])[-1]
    assert skewed.srm is not None and skewed.srm.detected
    fair = run([look(10, 1000, 90, 9000) for _ in range(5)])[-1]
    assert fair.srm is not None and not fair.srm.detected
    failing = run([look(10, 1300, 90, 8700) for _ in range(5)], srm_fails=True)[-1]
    assert failing.outcome == "Failed" and "SRM" in failing.reason


def test_replay_from_stored_state_gives_the_same_verdict() -> None:
    """Restart safety: the state survives a round trip through plain values."""
    first = run([look(3, 500, 20, 4500), look(5, 500, 22, 4500)])
    stored = dataclasses.asdict(first[0].state)
    plain: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}
    revived = CountsState(**plain)
    again = judge_counts(
        CountsConfig(), look(5, 500, 22, 4500), state=revived, alpha=0.01, final=True
    )
    assert again == first[1]


def test_invalid_counts_are_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        run([look(-1, 10, 0, 10)])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 60)), min_size=1, max_size=12))
def test_p_value_is_a_running_minimum(looks: list[tuple[int, int]]) -> None:
    results = run([look(bad, 200, other, 1800) for bad, other in looks])
    p_values = [r.p_value if r.p_value is not None else math.nan for r in results]
    assert all(b <= a for a, b in itertools.pairwise(p_values))
    assert all(0.0 < p <= 1.0 for p in p_values)

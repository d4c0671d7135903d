"""Smoke version of the decision-quality benchmark: properties only, never numbers from a run.

Fixed seeds and few rollouts, so it runs in `make test`; every assertion is a property the
design promises (error control within its budget, detection of a gross regression, peeking
inflating false rollbacks, the OpenMetrics rendering carrying the same verdict).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from analysis.judges.budget import DEFAULT_ALPHA
from analysis.judges.sequential_counts import CountsConfig, CountsObservation, judge_counts
from benchmarks.decision_quality import methods, peers
from benchmarks.decision_quality.methods import ALPHA_EACH, PROMOTED, ROLLBACK, look_indices
from benchmarks.decision_quality.openmetrics import render
from benchmarks.decision_quality.oracle import oracle_seconds, wald_bound
from benchmarks.decision_quality.scenarios import Scenario
from benchmarks.decision_quality.simulate import Rollouts, simulate

AA = Scenario(name="A/A", reps=400, seed=201)


@pytest.fixture(scope="module")
def aa() -> Rollouts:
    return simulate(AA)


def rollback_ci(outcome: np.ndarray) -> tuple[float, float]:
    ci = stats.binomtest(int((outcome == ROLLBACK).sum()), outcome.size).proportion_ci(0.95)
    return float(ci.low), float(ci.high)


def test_our_false_rollbacks_are_within_the_budget(aa: Rollouts) -> None:
    low, _ = rollback_ci(methods.ours(aa, AA).outcome)
    assert low <= DEFAULT_ALPHA


def test_peeking_z_test_clearly_exceeds_its_nominal_level(aa: Rollouts) -> None:
    low, _ = rollback_ci(peers.peeking_z(aa, AA).outcome)
    assert low > 2 * DEFAULT_ALPHA


def test_threshold_rules_roll_back_good_candidates_more_often_than_ours(aa: Rollouts) -> None:
    ours = (methods.ours(aa, AA).outcome == ROLLBACK).mean()
    for rule in (peers.argo, peers.flagger):
        assert (rule(aa, AA).outcome == ROLLBACK).mean() > ours


def test_a_threefold_error_regression_is_rolled_back_and_never_promoted() -> None:
    scenario = Scenario(name="errors ×3", error_ratio=3.0, reps=120, seed=202)
    decisions = methods.ours(simulate(scenario), scenario)
    assert (decisions.outcome == ROLLBACK).mean() >= 0.95
    assert not np.any(decisions.outcome == PROMOTED)


def test_a_tail_only_latency_regression_is_caught() -> None:
    scenario = Scenario(name="tail", group="latency", tail_ratio=1.5, reps=120, seed=203)
    decisions = methods.ours(simulate(scenario), scenario)
    assert (decisions.outcome == ROLLBACK).mean() >= 0.8


def test_oracle_is_faster_than_any_realised_detection() -> None:
    scenario = Scenario(name="errors ×2", error_ratio=2.0, reps=120, seed=204)
    decisions = methods.ours(simulate(scenario), scenario)
    oracle = oracle_seconds(scenario, alpha=ALPHA_EACH)
    assert 0 < oracle < float(np.median(decisions.when[decisions.outcome == ROLLBACK]))
    assert wald_bound(0.05) == pytest.approx(1.9064, abs=1e-4)


SAMPLE = re.compile(r'^(\w+)\{version="(\w+)"(?:,le="([^"]+)")?\} (\S+) (\S+)$')


def _counters_from_text(text: str, times: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """Parse the rendering back into forward-filled counter values at each scrape time."""
    series: dict[tuple[str, str], dict[float, float]] = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and match.group(3) is None:
            series.setdefault((match.group(1), match.group(2)), {})[float(match.group(5))] = float(
                match.group(4)
            )
    start = 1_700_000_000.0
    filled = {}
    for key, points in series.items():
        values, last = [], 0.0
        for when in times:
            last = points.get(start + float(when), last)
            values.append(last)
        filled[key] = np.asarray(values)
    return filled


def test_openmetrics_rendering_gives_the_in_memory_verdict() -> None:
    """The path through Prometheus: render, parse back, judge look by look, same outcome."""
    scenario = Scenario(name="errors ×3", error_ratio=3.0, reps=4, seed=205)
    rollouts = simulate(scenario)
    in_memory = methods.ours(rollouts, replace(scenario))
    for rep in range(scenario.reps):
        text = render(rollouts, rep)
        assert text.endswith("# EOF\n") and "# TYPE http_request_duration_seconds histogram" in text
        counters = _counters_from_text(text, rollouts.times)
        state, previous, outcome = None, methods.WARMUP_SCRAPES - 1, "Running"
        for index in look_indices(rollouts):
            delta = {k: v[index] - v[previous] for k, v in counters.items()}
            previous = index
            result = judge_counts(
                CountsConfig(),
                CountsObservation(
                    delta[("http_request_errors_total", "candidate")],
                    delta[("http_requests_total", "candidate")],
                    delta[("http_request_errors_total", "stable")],
                    delta[("http_requests_total", "stable")],
                ),
                state=state,
                alpha=ALPHA_EACH,
                final=False,
            )
            state, outcome = result.state, result.outcome
            if outcome == "Failed":
                break
        assert (outcome == "Failed") == (in_memory.outcome[rep] == ROLLBACK)

"""The shared false-rollback budget and the method registry."""

from __future__ import annotations

import math

import pytest

from analysis import judges
from analysis.judges.budget import DEFAULT_ALPHA, average_e_value, per_test_alpha, rollback


def test_default_budget_is_one_percent_split_by_bonferroni() -> None:
    assert DEFAULT_ALPHA == 0.01
    assert per_test_alpha(tests=4) == pytest.approx(0.0025)
    with pytest.raises(ValueError):
        per_test_alpha(1.5, tests=1)
    with pytest.raises(ValueError):
        per_test_alpha(tests=0)


def test_rollback_is_a_union_decision_over_shares() -> None:
    assert rollback([0.004, 0.9], alpha=0.01)
    assert not rollback([0.006, 0.006], alpha=0.01)
    assert not rollback([])


def test_average_of_e_values() -> None:
    assert average_e_value([math.log(4.0), math.log(2.0)]) == pytest.approx(math.log(3.0))
    assert average_e_value([]) == 0.0


def test_registry_names_every_method_and_its_types() -> None:
    assert set(judges.JUDGES) == {"mann-whitney", "sequential-counts", "sequential-latency"}
    for method, entry in judges.JUDGES.items():
        assert entry.method == method
        result = entry.judge(
            entry.config_type(), _empty(entry.observation_type), state=None, alpha=0.01, final=True
        )
        assert result.outcome == "Inconclusive"
    assert judges.JUDGES["sequential-counts"].anytime_valid
    assert not judges.JUDGES["mann-whitney"].anytime_valid
    with pytest.raises(KeyError):
        judges.JUDGES["t-test"]


def _empty(kind: type) -> object:
    if kind is judges.CountsObservation:
        return kind(0, 0, 0, 0)
    if kind is judges.LatencyObservation:
        return kind((0.1, 1.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    return kind((), ())


def test_public_api_is_pinned() -> None:
    assert sorted(judges.__all__) == sorted(
        [
            "DEFAULT_ALPHA",
            "JUDGES",
            "ComparisonResult",
            "CountsConfig",
            "CountsObservation",
            "CountsState",
            "Direction",
            "EffectSize",
            "JudgeEntry",
            "LatencyConfig",
            "LatencyObservation",
            "LatencyState",
            "MannWhitneyConfig",
            "MannWhitneyObservation",
            "Outcome",
            "SrmInfo",
            "judge_counts",
            "judge_latency",
            "judge_mann_whitney",
            "per_test_alpha",
        ]
    )

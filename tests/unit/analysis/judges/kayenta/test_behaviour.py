"""Kayenta's behavioural cases: NaN transforms, end-to-end gauges, degenerate ties, the adapter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from analysis.judges.kayenta import preprocess
from analysis.judges.kayenta.classifier import ClassifierParams, classify
from analysis.judges.kayenta.judge import (
    MannWhitneyConfig,
    MannWhitneyObservation,
    judge_mann_whitney,
)
from analysis.judges.kayenta.preprocess import FloatArray
from analysis.judges.kayenta.scorer import (
    MetricOutcome,
    argo_outcome,
    classify_score,
    judge_run,
    score,
)
from tests.unit.analysis.judges.kayenta.corpus import DATA, floats, load

TRANSFORMS: dict[str, Callable[[FloatArray], FloatArray]] = {
    "removeNaNs": preprocess.remove_nans,
    "replaceNaNs(value=0.0)": preprocess.replace_nans,
    "removeOutliers(IQRDetector(factor=1.5))": lambda d: preprocess.remove_outliers(
        d, preprocess.iqr_outliers(d, factor=1.5)
    ),
    "removeOutliers(KSigmaDetector(k=3.0))": lambda d: preprocess.remove_outliers(
        d, preprocess.ksigma_outliers(d, k=3.0)
    ),
}


@pytest.mark.parametrize(
    "case", load("transform_suite_cases.json")["cases"], ids=lambda c: c["name"]
)
def test_transform_suite(case: dict[str, Any]) -> None:
    result = TRANSFORMS[case["fn"]](floats(case["data"]))
    np.testing.assert_array_equal(result, floats(case["expected"]))


def test_judge_outlier_removal_uses_the_reduced_sensitivity_fences() -> None:
    data = np.array([10.0] * 50 + [10.5] * 49 + [100.0])
    kept = preprocess.preprocess(data, outlier_strategy="remove", outlier_factor=3.0)
    assert kept.size == 99 and kept.max() == 10.5


def _config(name: str) -> dict[str, Any]:
    with (DATA / name).open() as handle:
        config: dict[str, Any] = json.load(handle)
    return config


def _gauges(spec: dict[str, Any], rng: np.random.Generator, points: int) -> np.ndarray:
    low, high = spec["uniform"]
    return rng.uniform(low, high, points)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("case", load("integration_cases.json")["cases"], ids=lambda c: c["name"])
def test_integration_cases_end_to_end(case: dict[str, Any], seed: int) -> None:
    """Random U[a, b] gauges (30 points per arm, our assumption): labels and pass/fail only."""
    config = _config(case["config"])
    rng = np.random.default_rng(seed)
    controls = case["control"] if isinstance(case["control"], list) else [case["control"]]
    experiments = (
        case["experiment"] if isinstance(case["experiment"], list) else [case["experiment"]]
    )
    outcomes, labels = [], {}
    for metric, ctl, exp in zip(config["metrics"], controls, experiments, strict=True):
        canary = metric["analysisConfigurations"]["canary"]
        result = classify(
            _gauges(ctl, rng, 30),
            _gauges(exp, rng, 30),
            direction=canary.get("direction", "either"),
            params=ClassifierParams(),
            critical=canary.get("critical", False),
            rng=rng,
        )
        labels[metric["name"]] = result.label
        outcomes.append(
            MetricOutcome(
                result.label, tuple(metric["groups"]), result.critical, canary.get("muted", False)
            )
        )
    thresholds = config["classifier"]["scoreThresholds"]
    summary = score(outcomes, config["classifier"]["groupWeights"]).summary
    passed, _ = judge_run(
        [summary], pass_threshold=thresholds["pass"], marginal_threshold=thresholds["marginal"]
    )
    assert labels == case["expected"]["classification"]
    assert passed == case["expected"]["didPassThresholds"]


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("control", [[1.0] * 5, [0.0] * 5])
def test_degenerate_ties_are_high_for_any_seed(control: list[float], seed: int) -> None:
    result = classify(
        np.array(control),
        np.array([10.0] * 5),
        params=ClassifierParams(0.1, 0.95),
        rng=np.random.default_rng(seed),
    )
    assert result.label == "High"


def test_multi_judgement_stops_at_a_marginal_score_and_needs_the_last_to_pass() -> None:
    assert judge_run([100.0, 75.0, 100.0], pass_threshold=95, marginal_threshold=75) == (False, 1)
    assert judge_run([80.0, 96.0], pass_threshold=95, marginal_threshold=75) == (True, 1)
    assert judge_run([96.0, 80.0], pass_threshold=95, marginal_threshold=75) == (False, 1)
    assert classify_score(80.0, pass_threshold=95, marginal_threshold=75) == "Marginal"
    assert argo_outcome(94.9, pass_threshold=95, marginal_threshold=75) == "Inconclusive"
    assert argo_outcome(74.9, pass_threshold=95, marginal_threshold=75) == "Failed"


def test_adapter_maps_labels_to_outcomes() -> None:
    config = MannWhitneyConfig(direction="increase")
    high = MannWhitneyObservation(tuple(np.linspace(20, 23, 40)), tuple(np.linspace(10, 20, 40)))
    result = judge_mann_whitney(config, high, final=False)
    assert result.outcome == "Failed" and "High" in result.reason and result.lower > 0
    same = MannWhitneyObservation((1.0, 2.0, 3.0), (3.0, 2.0, 1.0))
    assert judge_mann_whitney(config, same, final=False).outcome == "Running"
    assert judge_mann_whitney(config, same, final=True).outcome == "Successful"
    empty = MannWhitneyObservation((), (1.0,))
    assert judge_mann_whitney(config, empty, final=True).outcome == "Inconclusive"

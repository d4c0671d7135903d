"""`mann-whitney`: Kayenta's NetflixACAJudge for one metric, as a rollout-engine judge.

For teams moving from Spinnaker: per-step time-series points of both versions are cleaned and
classified exactly as Kayenta does (tolerance 0.25, 98 % interval), and the label becomes an
outcome. It is a fixed-horizon rule — re-judging it at every look is what statistics.md §2 warns
about — so it takes no part in the false-rollback budget and ignores `alpha`; its verdicts are
for parity, not for error control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analysis.judges.kayenta.classifier import (
    Classification,
    ClassifierParams,
    KayentaDirection,
    classify,
)
from analysis.judges.kayenta.preprocess import NanStrategy, OutlierStrategy, preprocess
from analysis.judges.result import ComparisonResult, Outcome

__all__ = [
    "Classified",
    "MannWhitneyConfig",
    "MannWhitneyObservation",
    "classify_observation",
    "judge_mann_whitney",
    "kayenta_reason",
]


@dataclass(frozen=True)
class MannWhitneyConfig:
    """Kayenta's per-metric `analysisConfigurations.canary` plus the classifier constants.

    `seed` feeds the generator behind Kayenta's degenerate-tie noise, so a replay of the same
    data gives the same verdict.
    """

    direction: KayentaDirection = "either"
    params: ClassifierParams = field(default_factory=ClassifierParams)
    nan_strategy: NanStrategy = "remove"
    outlier_strategy: OutlierStrategy = "keep"
    outlier_factor: float = 3.0
    critical: bool = False
    must_have_data: bool = False
    seed: int = 0


@dataclass(frozen=True)
class MannWhitneyObservation:
    """The per-step time-series points of each version over the judged window."""

    candidate: tuple[float, ...]
    stable: tuple[float, ...]


_FAILING = frozenset({"High", "Low", "NodataFailMetric"})


def _outcome(result: Classification, *, final: bool) -> Outcome:
    if result.label in _FAILING:
        return "Failed"
    if result.label == "Error":
        return "Error"
    if not final:
        return "Running"
    return "Successful" if result.label == "Pass" else "Inconclusive"


@dataclass(frozen=True)
class Classified:
    """Kayenta's label for one metric and the number of points each version kept."""

    classification: Classification
    candidate_n: int
    stable_n: int


def classify_observation(
    config: MannWhitneyConfig, observation: MannWhitneyObservation
) -> Classified:
    """Preprocess both versions and classify them, as NetflixACAJudge does for one metric.

    The label is what Kayenta's scorer needs when several metrics are scored together.
    """
    clean = {
        name: preprocess(
            values,
            nan_strategy=config.nan_strategy,
            outlier_strategy=config.outlier_strategy,
            outlier_factor=config.outlier_factor,
        )
        for name, values in (("candidate", observation.candidate), ("stable", observation.stable))
    }
    result = classify(
        clean["stable"],
        clean["candidate"],
        direction=config.direction,
        params=config.params,
        nan_strategy=config.nan_strategy,
        critical=config.critical,
        must_have_data=config.must_have_data,
        rng=np.random.default_rng(config.seed),
    )
    return Classified(result, int(clean["candidate"].size), int(clean["stable"].size))


def judge_mann_whitney(
    config: MannWhitneyConfig,
    observation: MannWhitneyObservation,
    *,
    state: None = None,
    alpha: float = 0.0,
    final: bool,
) -> ComparisonResult[None]:
    """Classify the window as Kayenta would; `state` and `alpha` exist only for the protocol."""
    del state, alpha
    classified = classify_observation(config, observation)
    result = classified.classification
    interval = result.interval
    nan = math.nan
    return ComparisonResult(
        outcome=_outcome(result, final=final),
        statistic="Kayenta classification",
        statistic_value=nan,
        p_value=None,
        estimate=interval.estimate if interval else nan,
        lower=interval.lower if interval else nan,
        upper=interval.upper if interval else nan,
        confidence=config.params.confidence,
        candidate_n=float(classified.candidate_n),
        stable_n=float(classified.stable_n),
        reason=kayenta_reason(result, config.params.tolerance),
        state=None,
        critical=result.critical,
    )


def kayenta_reason(result: Classification, tolerance: float) -> str:
    """One line: the label and the interval behind it."""
    if result.interval is None:
        return f"Kayenta label {result.label}: {result.reason or 'no interval computed'}"
    i = result.interval
    return (
        f"Kayenta label {result.label}: shift {i.estimate:.4g} "
        f"(CI {i.lower:.4g} to {i.upper:.4g}, tolerance ±{tolerance:g}·|shift|), "
        f"mean ratio {result.deviation:.3g}"
    )

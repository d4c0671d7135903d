"""Kayenta's per-metric classification (`MannWhitneyClassifier.classify`, statistics.md §1.4).

The order of the checks is the contract: no data, identical data, degenerate ties (noise from
the *passed-in* generator, never global state), the Mann-Whitney interval against a tolerance of
`tolerance·|estimate|`, then the effect-size gate and the critical flag. Any exception while
classifying becomes the label ``Error``, as in Kayenta.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from analysis.judges.kayenta.effects import cles, mean_ratio
from analysis.judges.kayenta.mannwhitney import MannWhitneyInterval, mann_whitney_interval
from analysis.judges.kayenta.preprocess import FloatArray, NanStrategy

__all__ = [
    "Classification",
    "ClassifierParams",
    "KayentaDirection",
    "Label",
    "classify",
    "classify_mean_inequality",
]

Label = Literal["Pass", "High", "Low", "Nodata", "NodataFailMetric", "Error"]
KayentaDirection = Literal["increase", "decrease", "either"]
EffectMeasure = Literal["meanRatio", "cles"]


@dataclass(frozen=True)
class ClassifierParams:
    """Constructor arguments of Kayenta's classifier; the judge uses tolerance 0.25, conf 0.98."""

    tolerance: float = 0.25
    confidence: float = 0.98
    allowed_decrease: float = 1.0
    allowed_increase: float = 1.0
    critical_decrease: float = 1.0
    critical_increase: float = 1.0
    measure: EffectMeasure = "meanRatio"


@dataclass(frozen=True)
class Classification:
    """A label, the mean-ratio deviation Kayenta reports, and the evidence behind it."""

    label: Label
    deviation: float
    critical: bool = False
    reason: str = ""
    interval: MannWhitneyInterval | None = None
    effect: float = float("nan")


def _effect(params: ClassifierParams, control: FloatArray, experiment: FloatArray) -> float:
    if params.measure == "cles":
        return cles(control, experiment)
    return mean_ratio(control, experiment)


def _no_data(nan_strategy: NanStrategy, *, critical: bool, must_have_data: bool) -> Classification:
    if nan_strategy == "replace":
        return Classification("Pass", 1.0, reason="no data; NaN replacement treats it as zero")
    if must_have_data and not critical:
        return Classification("NodataFailMetric", float("nan"), reason="missing data")
    return Classification("Nodata", float("nan"), critical=critical, reason="missing data")


def _jitter(
    control: FloatArray, experiment: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Kayenta's answer to two constant arms: relative noise of 1e-5 (none for a zero)."""
    if np.unique(control).size != 1 or np.unique(experiment).size != 1:
        return control, experiment
    noisy = [
        arm + rng.normal(0.0, abs(float(arm[0])) * 1e-5, arm.size) for arm in (control, experiment)
    ]
    return noisy[0], noisy[1]


def classify(
    control: FloatArray,
    experiment: FloatArray,
    *,
    direction: KayentaDirection = "either",
    params: ClassifierParams = ClassifierParams(),
    nan_strategy: NanStrategy = "remove",
    critical: bool = False,
    must_have_data: bool = False,
    rng: np.random.Generator,
) -> Classification:
    """Classify experiment (candidate) against control (baseline), never raising."""
    if control.size == 0 or experiment.size == 0:
        return _no_data(nan_strategy, critical=critical, must_have_data=must_have_data)
    if np.array_equal(np.sort(control), np.sort(experiment)) or (
        np.unique(np.concatenate([control, experiment])).size == 1
    ):
        return Classification("Pass", 1.0, reason="identical data")
    try:
        control, experiment = _jitter(control, experiment, rng)
        interval = mann_whitney_interval(experiment, control, confidence=params.confidence)
        return _label(
            control,
            experiment,
            direction=direction,
            params=params,
            critical=critical,
            interval=interval,
        )
    except (ArithmeticError, ValueError) as error:
        return Classification(
            "Error", float("nan"), reason=f"Metric Classification Failed: {error}"
        )


def _label(
    control: FloatArray,
    experiment: FloatArray,
    *,
    direction: KayentaDirection,
    params: ClassifierParams,
    critical: bool,
    interval: MannWhitneyInterval,
) -> Classification:
    """Apply the tolerance, the effect-size gate and the critical thresholds."""
    ratio = mean_ratio(control, experiment)
    effect = _effect(params, control, experiment)
    bound = params.tolerance * abs(interval.estimate)
    gate_open = math.isnan(effect)
    if (
        direction != "decrease"
        and interval.lower > bound
        and (gate_open or effect >= params.allowed_increase)
    ):
        is_critical = critical and (gate_open or effect >= params.critical_increase)
        return Classification(
            "High", ratio, is_critical, "The metric was classified as High", interval, effect
        )
    if (
        direction != "increase"
        and interval.upper < -bound
        and (gate_open or effect <= params.allowed_decrease)
    ):
        is_critical = critical and (gate_open or effect <= params.critical_decrease)
        return Classification(
            "Low", ratio, is_critical, "The metric was classified as Low", interval, effect
        )
    return Classification("Pass", ratio, False, "", interval, effect)


def classify_mean_inequality(control: FloatArray, experiment: FloatArray) -> Classification:
    """Kayenta's benchmarking classifier: High iff the experiment's mean is larger."""
    ratio = mean_ratio(control, experiment)
    ctl, exp = float(np.mean(control)), float(np.mean(experiment))
    label: Label = "High" if exp > ctl else "Low" if exp < ctl else "Pass"
    return Classification(label, ratio)

"""Kayenta's own test expectations, loaded from tests/data/kayenta and flattened into checks.

Each check is one comparison the corpus README counts (statistics.md §1.6): an id, the value
our code produces, the expected value and the tolerance. Values are compared by the test
module; this module only knows how to read the files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from analysis.judges.kayenta import effects, mannwhitney, preprocess
from analysis.judges.kayenta.classifier import ClassifierParams, classify, classify_mean_inequality
from analysis.judges.kayenta.scorer import MetricOutcome, score

DATA = Path(__file__).resolve().parents[4] / "data" / "kayenta"
DEFAULT_TOL = 1e-6


@dataclass(frozen=True)
class Check:
    id: str
    actual: Any
    expected: Any
    tol: float = DEFAULT_TOL


def load(name: str) -> dict[str, Any]:
    with (DATA / name).open() as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def floats(values: list[Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """JSON arrays with "NaN" strings standing for NaN."""
    return np.array([float("nan") if v == "NaN" else float(v) for v in values], dtype=np.float64)


def mannwhitney_checks() -> Iterator[Check]:
    for case in load("mannwhitney_suite_cases.json")["cases"]:
        name = case["name"]
        if "checks" in case:
            x, y = floats(case["x"]), floats(case["y"])
            for item in case["checks"]:
                actual = mannwhitney.wilcoxon_diff(item["mu"], item["quantile"], x, y)
                yield Check(f"{name} mu={item['mu']}", actual, item["expected"], item["tol"])
        elif "x" not in case:
            yield Check(name, float(stats.norm.ppf(0.01)), float(case["expected"]), case["tol"])
        elif "muMin" in case["expected"]:
            yield from _intermediate_checks(case)
        else:
            yield from _interval_checks(case)


def _interval_checks(case: dict[str, Any]) -> Iterator[Check]:
    x, y = floats(case["x"]), floats(case["y"])
    result = mannwhitney.mann_whitney_interval(x, y, confidence=float(case["confidenceLevel"]))
    actual = {"ci_low": result.lower, "ci_high": result.upper, "estimate": result.estimate}
    for key, expected in case["expected"].items():
        yield Check(f"{case['name']} {key}", actual[key], expected, case["tol"][key])


def _intermediate_checks(case: dict[str, Any]) -> Iterator[Check]:
    x, y = floats(case["x"]), floats(case["y"])
    expected = case["expected"]
    z_lower, z_upper = expected["zqLower"], expected["zqUpper"]
    mu_min, mu_max = float(x.min() - y.max()), float(x.max() - y.min())
    diff = mannwhitney.wilcoxon_diff
    actual = {
        "muMin": mu_min,
        "muMax": mu_max,
        "zqLower": -float(stats.norm.ppf(0.025)),
        "zqUpper": float(stats.norm.ppf(0.025)),
        "fLower1 = wilcoxonDiff(muMin, zqLower)": diff(mu_min, z_lower, x, y),
        "fUpper1 = wilcoxonDiff(muMax, zqLower)": diff(mu_max, z_lower, x, y),
        "fLower2 = wilcoxonDiff(muMin, zqUpper)": diff(mu_min, z_upper, x, y),
        "fUpper2 = wilcoxonDiff(muMax, zqUpper)": diff(mu_max, z_upper, x, y),
        "ciLower = root(zqLower)": mannwhitney.root(z_lower, x, y),
        "ciUpper = root(zqUpper)": mannwhitney.root(z_upper, x, y),
        "estimate = root(0)": mannwhitney.root(0.0, x, y),
    }
    for key, value in expected.items():
        yield Check(f"{case['name']} {key}", actual[key], value, float(case["tol"]))


def _params(raw: dict[str, Any]) -> ClassifierParams:
    allowed = raw.get("effectSizeThresholds", (1.0, 1.0))
    critical = raw.get("criticalThresholds", (1.0, 1.0))
    return ClassifierParams(
        tolerance=raw.get("tolerance", 0.25),
        confidence=raw.get("confLevel", 0.95),
        allowed_decrease=allowed[0],
        allowed_increase=allowed[1],
        critical_decrease=critical[0],
        critical_increase=critical[1],
        measure=raw.get("effectSizeMeasure", "meanRatio"),
    )


def classifier_checks() -> Iterator[Check]:
    rng = np.random.default_rng(20240601)
    for case in load("classifier_suite_cases.json")["cases"]:
        control, experiment = floats(case["control"]), floats(case["experiment"])
        if case["classifier"] == "MeanInequalityClassifier":
            result = classify_mean_inequality(control, experiment)
        else:
            result = classify(
                control,
                experiment,
                direction=case["direction"].lower(),
                params=_params(case["params"]),
                nan_strategy=case["nanStrategy"].lower(),
                critical=case["isCriticalMetric"],
                must_have_data=case["isDataRequired"],
                rng=rng,
            )
        actual: dict[str, Any] = {
            "classification": result.label,
            "critical": result.critical,
            "deviation": result.deviation,
            "deviation_is_nan": bool(np.isnan(result.deviation)),
            "reason_nonempty": bool(result.reason),
        }
        for key, expected in case["expected"].items():
            yield Check(f"{case['name']} {key}", actual[key], expected)


STATISTIC_FUNCTIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "meanRatio": lambda c: effects.mean_ratio(floats(c["control"]), floats(c["experiment"])),
    "cohenD": lambda c: effects.cohen_d(floats(c["a"]), floats(c["b"])),
    "cles": lambda c: effects.cles(floats(c["control"]), floats(c["experiment"])),
}


def statistic_checks() -> Iterator[Check]:
    for case in load("statistic_suite_cases.json")["cases"]:
        name, fn = case["name"], case["fn"]
        if fn == "summary":
            summary = effects.summarize(floats(case["data"]))
            tols = case.get("tol", {})
            actual = {
                "min": summary.minimum,
                "max": summary.maximum,
                "mean": summary.mean,
                "std": summary.std,
                "count": summary.count,
            }
            for key, expected in case["expected"].items():
                yield Check(f"{name} {key}", actual[key], expected, tols.get(key, DEFAULT_TOL))
        elif fn == "percentile_R7":
            data = floats(case["data"])
            for item in case["checks"]:
                actual_p = effects.percentile(data, item["p"])
                yield Check(
                    f"{name} p{item['p']}", actual_p, item["expected"], item.get("tol", 1e-5)
                )
        else:
            function = STATISTIC_FUNCTIONS[fn.split("(")[0]]
            expected = float("nan") if case["expected"] == "NaN" else case["expected"]
            yield Check(name, function(case), expected, case.get("tol", DEFAULT_TOL))


def detector_checks() -> Iterator[Check]:
    for case in load("detector_suite_cases.json")["cases"]:
        data = floats(case["data"])
        argument = float(case["args"].split("=")[-1])
        if case["detector"] == "KSigmaDetector":
            flags = preprocess.ksigma_outliers(data, k=argument)
        else:
            flags = preprocess.iqr_outliers(data, factor=argument)
        yield Check(case["name"], [bool(v) for v in flags], case["truth"])


def scorer_checks() -> Iterator[Check]:
    for case in load("scorer_suite_cases.json")["cases"]:
        metrics = [
            MetricOutcome(r["c"], tuple(r["g"]), critical=r.get("critical", False))
            for r in case["results"]
        ]
        result = score(metrics, case["groupWeights"])
        yield Check(f"{case['name']} summary", result.summary, case["expected_summary"])
        if "expected_group_scores" in case:
            by_name = {group.name: group.score for group in result.groups}
            yield Check(f"{case['name']} groups", by_name, case["expected_group_scores"])
        if "expected_group_scores_sorted" in case:
            ordered = sorted(group.score for group in result.groups)
            yield Check(f"{case['name']} groups", ordered, case["expected_group_scores_sorted"])


def all_checks() -> list[Check]:
    return [
        *mannwhitney_checks(),
        *classifier_checks(),
        *statistic_checks(),
        *detector_checks(),
        *scorer_checks(),
    ]

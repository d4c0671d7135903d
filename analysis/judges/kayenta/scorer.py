"""Kayenta's weighted group score and its pass/marginal rules (statistics.md §1.5).

Scoring turns per-metric labels into one number: per group the share of counted metrics that
Pass, weighted across groups. Two vetoes come first: a critical metric that is not Pass, and a
majority of metrics without data. A run of several judgements stops at the first score at or
below the marginal threshold and passes only on its last score (the code's `<=`, not the docs'
"meet or exceed").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from analysis.judges.kayenta.classifier import Label

__all__ = [
    "GroupScore",
    "MetricOutcome",
    "ScoreResult",
    "argo_outcome",
    "classify_score",
    "judge_run",
    "score",
]

_COUNTED: frozenset[Label] = frozenset({"Pass", "High", "Low", "NodataFailMetric"})
NODATA_THRESHOLD = 0.5


@dataclass(frozen=True)
class MetricOutcome:
    """One classified metric as the scorer sees it."""

    label: Label
    groups: tuple[str, ...]
    critical: bool = False
    muted: bool = False


@dataclass(frozen=True)
class GroupScore:
    """A group's own score; a group with nothing counted is `no_data` and counts 100."""

    name: str
    score: float
    no_data: bool


@dataclass(frozen=True)
class ScoreResult:
    summary: float
    groups: tuple[GroupScore, ...]


def _group_scores(metrics: Sequence[MetricOutcome]) -> tuple[GroupScore, ...]:
    labels: dict[str, list[Label]] = {}
    for metric in metrics:
        for group in metric.groups:
            labels.setdefault(group, []).append(metric.label)
    scores = []
    for name, group_labels in labels.items():
        counted = [label for label in group_labels if label in _COUNTED]
        passed = sum(1 for label in counted if label == "Pass")
        no_data = not counted
        scores.append(GroupScore(name, 0.0 if no_data else 100.0 * passed / len(counted), no_data))
    return tuple(scores)


def _summary(groups: Sequence[GroupScore], weights: Mapping[str, float]) -> float:
    unweighted = [group for group in groups if group.name not in weights]
    share = (100.0 - sum(weights.values())) / len(unweighted) if unweighted else 0.0
    total = 0.0
    for group in groups:
        effective = 100.0 if group.no_data else group.score
        total += effective * weights.get(group.name, share) / 100.0
    return total


def score(metrics: Sequence[MetricOutcome], weights: Mapping[str, float]) -> ScoreResult:
    """WeightedSumScorer with the critical and missing-data vetoes; muted metrics dropped."""
    active = [metric for metric in metrics if not metric.muted]
    groups = _group_scores(active)
    critical_failure = any(m.critical and m.label != "Pass" for m in active)
    nodata = sum(1 for m in active if m.label == "Nodata")
    if critical_failure or (active and nodata / len(active) >= NODATA_THRESHOLD):
        return ScoreResult(0.0, groups)
    return ScoreResult(round(_summary(groups, weights), 2), groups)


ScoreLabel = Literal["Pass", "Marginal", "Fail"]


def classify_score(value: float, *, pass_threshold: float, marginal_threshold: float) -> ScoreLabel:
    """ThresholdScoreClassifier: Pass at or above `pass`, Marginal at or above `marginal`."""
    if value >= pass_threshold:
        return "Pass"
    return "Marginal" if value >= marginal_threshold else "Fail"


def judge_run(
    scores: Sequence[float], *, pass_threshold: float, marginal_threshold: float
) -> tuple[bool, int]:
    """Multi-judgement rule: (passed, index of the judgement that decided).

    An intermediate score at or below marginal stops the run there and fails it; otherwise the
    run passes iff the last score is above marginal and at least the pass threshold.
    """
    for index, value in enumerate(scores[:-1]):
        if value <= marginal_threshold:
            return False, index
    last = scores[-1]
    return (last > marginal_threshold and last >= pass_threshold), len(scores) - 1


def argo_outcome(value: float, *, pass_threshold: float, marginal_threshold: float) -> str:
    """Argo Rollouts' Kayenta provider: int-truncated score → Successful/Inconclusive/Failed."""
    truncated = int(value)
    if truncated >= pass_threshold:
        return "Successful"
    return "Inconclusive" if truncated >= marginal_threshold else "Failed"

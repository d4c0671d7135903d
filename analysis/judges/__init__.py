"""Statistical judges: compare the candidate with the stable version, one look at a time.

Each judge is a pure function ``judge(config, observation, *, state, alpha, final)`` returning a
`ComparisonResult`; `JUDGES` maps a comparison metric's `method` to its judge and the types it
takes, so the analysis run can validate a template and call the right one. An unknown method is
a validation error for the caller, never a silent fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from analysis.judges.budget import DEFAULT_ALPHA, per_test_alpha
from analysis.judges.kayenta.judge import (
    MannWhitneyConfig,
    MannWhitneyObservation,
    judge_mann_whitney,
)
from analysis.judges.result import ComparisonResult, Direction, EffectSize, Outcome, SrmInfo
from analysis.judges.sequential_counts import (
    CountsConfig,
    CountsObservation,
    CountsState,
    judge_counts,
)
from analysis.judges.sequential_latency import (
    LatencyConfig,
    LatencyObservation,
    LatencyState,
    judge_latency,
)

__all__ = [
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


@dataclass(frozen=True)
class JudgeEntry:
    """One method: its judge, the value types it takes, and whether it spends the budget."""

    method: str
    judge: Callable[..., ComparisonResult[Any]]
    config_type: type
    observation_type: type
    anytime_valid: bool


JUDGES: Mapping[str, JudgeEntry] = MappingProxyType(
    {
        "mann-whitney": JudgeEntry(
            "mann-whitney", judge_mann_whitney, MannWhitneyConfig, MannWhitneyObservation, False
        ),
        "sequential-counts": JudgeEntry(
            "sequential-counts", judge_counts, CountsConfig, CountsObservation, True
        ),
        "sequential-latency": JudgeEntry(
            "sequential-latency", judge_latency, LatencyConfig, LatencyObservation, True
        ),
    }
)

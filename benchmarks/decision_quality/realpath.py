"""The benchmark's rollouts on the real path, and the in-memory run they must agree with.

`tests/e2e/test_real_path.py` renders a few simulated rollouts as OpenMetrics, backfills them
into a real Prometheus with promtool, and judges them with ``rollout-engine analyze`` and
`template`: cumulative ``increase(…[{{elapsed}}])`` queries, Prometheus' extrapolation, the
measurers' differencing, the judge state round-tripped through its string at every look, the
run's verdict rules. `in_memory` runs the *same judges* on the simulator's own counters, with
the same schedule and the same rules — any metric failing at any look fails the run at once;
otherwise the last look decides, Successful only if every metric shows non-inferiority there —
without any of that machinery: the rule the benchmark measures (`methods.ours`). Same verdicts,
at the same look, mean the path adds nothing and loses nothing.

Schedule, as the benchmark's own rule looks (`methods.look_indices`): the run starts after a
two-minute warm-up, looks every minute, and its last look is at the end of the plan. Both
metrics share the run's budget: α = 0.01/2 each, the benchmark's `ALPHA_EACH`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final

from analysis.judges.result import ComparisonResult
from analysis.judges.sequential_counts import CountsConfig, CountsObservation, judge_counts
from analysis.judges.sequential_latency import LatencyConfig, LatencyObservation, judge_latency
from benchmarks.decision_quality.methods import ALPHA_EACH
from benchmarks.decision_quality.scenarios import BUCKETS, Scenario
from benchmarks.decision_quality.simulate import SCRAPE, Rollouts

__all__ = ["INTERVAL", "SCENARIOS", "WARMUP", "Verdict", "count_of", "in_memory", "template"]

WARMUP: Final = 120.0
INTERVAL: Final = 60.0

SCENARIOS: Final = (
    Scenario(name="A/A", reps=2, seed=301),
    Scenario(name="errors ×3", error_ratio=3.0, reps=2, seed=302),
    Scenario(name="tail only: p99 ×1.5", group="latency", tail_ratio=1.5, reps=2, seed=303),
    Scenario(name="1 req/s A/A", group="traffic", rate=1.0, reps=2, seed=304),
)
"""A handful of the benchmark's cells, two rollouts each, every nuisance on (scrape gaps too)."""


@dataclass(frozen=True)
class Verdict:
    """A run's verdict and when it was reached, in seconds after the rollout started."""

    phase: str
    at: float


def count_of(scenario: Scenario) -> int:
    """Looks in the run: one a minute from the end of the warm-up to the end of the plan."""
    return int((scenario.duration - WARMUP) // INTERVAL)


def template(scenario: Scenario) -> str:
    """The AnalysisTemplate that judges a rendered rollout (metric names of `openmetrics`)."""
    return _TEMPLATE.replace("COUNT", str(count_of(scenario)))


_SIDE = """\
        SIDE:
          query: sum(increase(http_request_errors_total{version="SIDE"}[{{elapsed}}]))
          totalQuery: sum(increase(http_requests_total{version="SIDE"}[{{elapsed}}]))
"""
_BUCKETS = """\
        SIDE:
          query: >-
            sum by (le) (increase(
            http_request_duration_seconds_bucket{version="SIDE"}[{{elapsed}}]))
"""
_HEAD = """\
    - name: NAME
      initialDelay: 60s
      interval: 60s
      count: COUNT
      provider:
        prometheus:
          address: http://prometheus:9090
      comparison:
        method: METHOD
"""
_TEMPLATE = (
    "apiVersion: rollout-engine.io/v1alpha1\nkind: AnalysisTemplate\n"
    "metadata:\n  name: simulated-rollout\nspec:\n  metrics:\n"
    + _HEAD.replace("NAME", "error-ratio").replace("METHOD", "sequential-counts")
    + "".join(_SIDE.replace("SIDE", side) for side in ("candidate", "stable"))
    + _HEAD.replace("NAME", "latency").replace("METHOD", "sequential-latency")
    + "".join(_BUCKETS.replace("SIDE", side) for side in ("candidate", "stable"))
)


def look_indices(scenario: Scenario) -> list[int]:
    """Scrape index of each look (the scrape at 15·(index + 1) seconds)."""
    first = round(WARMUP / SCRAPE) - 1
    step = round(INTERVAL / SCRAPE)
    return [first + step * (i + 1) for i in range(count_of(scenario))]


def in_memory(rollouts: Rollouts, rep: int, scenario: Scenario) -> Verdict:
    """The run's verdict from the simulator's counters, judged look by look in memory."""
    looks = look_indices(scenario)
    previous = looks[0] - round(INTERVAL / SCRAPE)
    states: dict[str, Any] = {"error-ratio": None, "latency": None}
    for number, index in enumerate(looks, start=1):
        final = number == len(looks)
        now = float(rollouts.times[index])
        for name, result in _judge(rollouts, rep, (previous, index), states, final=final):
            states[name] = result.state
            if result.outcome == "Failed" or (final and result.outcome != "Successful"):
                return Verdict(result.outcome, now)
        previous = index
    return Verdict("Successful", float(rollouts.times[looks[-1]]))


def _judge(
    rollouts: Rollouts,
    rep: int,
    span: tuple[int, int],
    states: dict[str, Any],
    *,
    final: bool,
) -> list[tuple[str, ComparisonResult[Any]]]:
    start, end = span
    n = rollouts.requests[rep, end] - rollouts.requests[rep, start]
    bad = rollouts.errors[rep, end] - rollouts.errors[rep, start]
    hist = rollouts.buckets[rep, end] - rollouts.buckets[rep, start]
    counts = judge_counts(
        replace(CountsConfig(), quantity="error-ratio"),
        CountsObservation(float(bad[0]), float(n[0]), float(bad[1]), float(n[1])),
        state=states["error-ratio"],
        alpha=ALPHA_EACH,
        final=final,
    )
    latency = judge_latency(
        LatencyConfig(),
        LatencyObservation(BUCKETS, tuple(map(float, hist[0])), tuple(map(float, hist[1]))),
        state=states["latency"],
        alpha=ALPHA_EACH,
        final=final,
    )
    return [("error-ratio", counts), ("latency", latency)]

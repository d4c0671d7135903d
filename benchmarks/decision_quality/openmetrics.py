"""Render one simulated rollout as OpenMetrics text, ready for `promtool tsdb create-blocks-from`.

This is how a scenario travels the real path (backfilled Prometheus → `rollout-engine analyze`)
so that its verdicts can be compared with the in-memory run. Series carry a `version` label
(`candidate` / `stable`); missing scrapes are simply absent, as in a real TSDB; timestamps are
in seconds from `start`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from benchmarks.decision_quality.scenarios import BUCKETS
from benchmarks.decision_quality.simulate import Rollouts

__all__ = ["render"]

VERSIONS = ("candidate", "stable")


def _points(rollouts: Rollouts, rep: int, arm: int) -> Iterator[tuple[int, float]]:
    """(scrape index, timestamp offset) of the observed scrapes of one arm, in time order."""
    for t, when in enumerate(rollouts.times):
        if rollouts.observed[rep, t, arm]:
            yield t, float(when)


def _counter(name: str, counter: Any, rollouts: Rollouts, rep: int, start: float) -> list[str]:
    lines = [f"# TYPE {name} counter"]
    for arm, version in enumerate(VERSIONS):
        for t, when in _points(rollouts, rep, arm):
            value = float(counter[rep, t, arm])
            lines.append(f'{name}_total{{version="{version}"}} {value:.17g} {start + when:.3f}')
    return lines


def _histogram(rollouts: Rollouts, rep: int, start: float) -> list[str]:
    name = "http_request_duration_seconds"
    lines = [f"# TYPE {name} histogram", f"# UNIT {name} seconds"]
    for arm, version in enumerate(VERSIONS):
        for t, when in _points(rollouts, rep, arm):
            stamp = f"{start + when:.3f}"
            buckets = rollouts.buckets[rep, t, arm]
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), buckets, strict=True):
                lines.append(f'{name}_bucket{{version="{version}",le="{bound}"}} {count} {stamp}')
            lines.append(f'{name}_count{{version="{version}"}} {buckets[-1]} {stamp}')
            total = float(rollouts.latency_sum[rep, t, arm])
            lines.append(f'{name}_sum{{version="{version}"}} {total:.17g} {stamp}')
    return lines


def render(rollouts: Rollouts, rep: int, *, start: float = 1_700_000_000.0) -> str:
    """OpenMetrics exposition of replicate `rep`: one family at a time, series in time order."""
    lines = [
        *_counter("http_requests", rollouts.requests, rollouts, rep, start),
        *_counter("http_request_errors", rollouts.errors, rollouts, rep, start),
        *_histogram(rollouts, rep, start),
        "# EOF",
    ]
    return "\n".join(lines) + "\n"

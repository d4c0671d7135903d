"""CPU cost of one look of each comparison method, with the query results in hand.

A look decodes the carried judge state, turns the four count queries (or the two bucket
vectors, or the range queries of every Kayenta metric of the group) into the judge's
observation, judges, and encodes the state again. Target: under 10 ms of CPU per look — a
comparison looks every 30 s or more, and its queries cost Prometheus far more.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from analysis.comparisons.counts import measure_counts
from analysis.comparisons.kayenta import measure_mann_whitney
from analysis.comparisons.latency import measure_latency
from analysis.providers.base import Matrix, QueryResult, Sample, Series, Vector
from analysis.spec import CompiledMetric, compile_run
from rollout_engine.api.template import AnalysisTemplateSpec

__all__ = ["COMPARISON_TARGET_US", "comparison_cases"]

COMPARISON_TARGET_US = 10_000.0
T0 = datetime(2024, 5, 1, tzinfo=UTC)
LOOK = T0 + timedelta(minutes=10)
BUCKETS: tuple[str, ...] = (
    *("0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5"),
    *("0.75", "1", "2.5", "5", "7.5", "10", "+Inf"),
)
SHAPE = (0.01, 0.03, 0.1, 0.3, 0.45, 0.55, 0.9, 0.97, 0.99, 0.995, 0.999, 1, 1, 1, 1)


class _Answers:
    """Instant answers by query text (counts grow with time); range answers of 30 points."""

    def query(self, *, expr: str, at: datetime) -> QueryResult:
        seconds = (at - T0).total_seconds()
        rate = 10.0 if 'v="c"' in expr else 90.0
        if "_bucket" in expr:
            samples = (
                Sample({"le": le}, math.floor(rate * seconds * s))
                for le, s in zip(BUCKETS, SHAPE, strict=True)
            )
            return Vector(tuple(samples))
        share = 0.012 if expr.startswith("sum(increase(bad") else 1.0
        return Vector((Sample({}, math.floor(rate * share * seconds)),))

    def query_range(self, **kw: Any) -> QueryResult:
        level = 1.1 if 'v="c"' in kw["expr"] else 1.0
        points = tuple((float(i), level + 0.02 * math.sin(i)) for i in range(30))
        return Matrix((Series({}, points),))


def _metric(method: str, queries: dict[str, Any], **extra: Any) -> CompiledMetric:
    body = {
        "name": "m",
        "interval": "30s",
        "provider": {"prometheus": {"address": "http://p:9090", **extra}},
        "comparison": {"method": method, **queries},
    }
    return compile_run(AnalysisTemplateSpec.model_validate({"metrics": [body]}), args={}).metrics[0]


def _side(v: str, *, buckets: bool) -> dict[str, str]:
    if buckets:
        return {"query": f'sum by (le) (increase(d_bucket{{v="{v}"}}[{{{{elapsed}}}}]))'}
    return {
        "query": f'sum(increase(bad{{v="{v}"}}[{{{{elapsed}}}}]))',
        "totalQuery": f'sum(increase(all{{v="{v}"}}[{{{{elapsed}}}}]))',
    }


def comparison_cases() -> list[tuple[str, Callable[[], object]]]:
    """(name, operation) of one look per method, after nine earlier looks."""
    answers = _Answers()
    out: list[tuple[str, Callable[[], object]]] = []
    for name, measurer, metric in (
        (
            "comparison: sequential-counts look",
            measure_counts,
            _metric(
                "sequential-counts",
                {s: _side(s[0], buckets=False) for s in ("candidate", "stable")},
            ),
        ),
        (
            "comparison: sequential-latency look, 14 buckets",
            measure_latency,
            _metric(
                "sequential-latency",
                {s: _side(s[0], buckets=True) for s in ("candidate", "stable")},
            ),
        ),
    ):
        state = None
        for minute in range(1, 10):
            at = T0 + timedelta(minutes=minute)
            state = measurer(metric, answers, now=at, started_at=T0, state=state, final=False).state
        out.append((name, _look(measurer, metric, answers, state)))
    window = {"rangeQuery": {"start": 'now() - duration("30m")', "step": "1m"}}
    kayenta = _metric(
        "mann-whitney",
        {"candidate": {"query": 'cpu{v="c"}'}, "stable": {"query": 'cpu{v="s"}'}},
        **window,
    )
    out.append(
        (
            "comparison: mann-whitney look, 30 points",
            _look(measure_mann_whitney, kayenta, answers, None),
        )
    )
    return out


def _look(
    measurer: Any, metric: CompiledMetric, answers: _Answers, state: str | None
) -> Callable[[], object]:
    return lambda: measurer(metric, answers, now=LOOK, started_at=T0, state=state, final=False)

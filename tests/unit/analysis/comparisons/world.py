"""A small deterministic world for comparison metrics: counters that answer PromQL-shaped queries.

Queries look like ``sum(increase(bad{v="c"}[300s]))``: a counter name, a side (``c`` candidate,
``s`` stable) and the window. The world keeps each counter as a function of time and answers
``increase`` as counter(at) − counter(at − window), exactly (no extrapolation), so a test can
say what the judge must have been fed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from analysis.providers.base import QueryResult, Sample, Vector
from analysis.spec import CompiledRun, compile_run
from rollout_engine.api.template import AnalysisTemplateSpec

T0 = datetime(2024, 5, 1, tzinfo=UTC)
QUERY = re.compile(r'(\w+)\{v="(\w)"\}\[(\d+)s\]')


def side(name: str, v: str) -> dict[str, str]:
    return {
        "query": f'sum(increase({name}{{v="{v}"}}[{{{{elapsed}}}}]))',
        "totalQuery": f'sum(increase(all{{v="{v}"}}[{{{{elapsed}}}}]))',
    }


def counts_metric(name: str = "errors", **fields: Any) -> dict[str, Any]:
    comparison = {
        "method": "sequential-counts",
        "candidate": side("bad", "c"),
        "stable": side("bad", "s"),
        **fields.pop("comparison", {}),
    }
    return {
        "name": name,
        "interval": "1m",
        "provider": {"prometheus": {"address": "http://p"}},
        "comparison": comparison,
        **fields,
    }


def run_of(*metrics: dict[str, Any], **spec: Any) -> CompiledRun:
    body = {"metrics": list(metrics), **spec}
    return compile_run(AnalysisTemplateSpec.model_validate(body), args={})


Counter = Callable[[float], float]


@dataclass
class World:
    """Counters by (name, side) as functions of seconds since `T0`; absent → no series."""

    counters: dict[tuple[str, str], Counter] = field(default_factory=dict)

    def steady(self, *, v: str, rate: float, error: float) -> World:
        """A side serving `rate` requests/s with an error ratio of `error`."""
        self.counters[("all", v)] = lambda t: math.floor(rate * t)
        self.counters[("bad", v)] = lambda t: math.floor(rate * error * t)
        return self

    def answer(self, expr: str, at: datetime) -> QueryResult:
        match = QUERY.search(expr)
        assert match is not None, expr
        name, v, seconds = match.group(1), match.group(2), int(match.group(3))
        counter = self.counters.get((name, v))
        if counter is None:
            return Vector(())
        now = (at - T0).total_seconds()
        value = counter(now) - counter(max(now - seconds, 0.0))
        return Vector((Sample({}, float(value)),))


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)

"""The seam between `analysis` and a metric source: one Protocol and the values it returns.

Everything above this module (conditions, runs, judges, the replay command) sees
only these values, never HTTP. They mirror Prometheus' result types exactly —
`Scalar`, `Vector` (any number of labelled series), `Matrix` — because the
type is evidence: a condition written for one number must not silently judge
three series. NaN and ±Inf stay floats as Prometheus sent them (``0/0`` is a
NaN, ``histogram_quantile`` over an empty bucket set is a NaN); deciding what
they mean is the verdict layer's job, never the provider's. Server warnings
travel with the result so a measurement can record them.

Both calls take an explicit evaluation time, so the same provider serves live
runs (``at=now``) and replays of past windows (``at=`` the simulated clock).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from rollout_engine.api.meta import SecretKeySelector

__all__ = [
    "Matrix",
    "MetricProvider",
    "QueryResult",
    "Sample",
    "Scalar",
    "SecretResolver",
    "Series",
    "Vector",
    "format_value",
]

SecretResolver = Callable[[SecretKeySelector], str]
"""Resolves a Secret key to its value (the shell reads Kubernetes; tests pass a dict lookup).

Raises `rollout_engine.errors.SpecError` when the Secret or key does not exist.
"""


@dataclass(frozen=True, slots=True)
class Sample:
    """One series of an instant vector: its labels and its value at the query time."""

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a range result: labels and (unix seconds, value) points in time order."""

    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Scalar:
    """A single number with no labels (``scalar(...)``, ``0/0``, a literal)."""

    value: float
    warnings: tuple[str, ...] = ()

    @property
    def values(self) -> tuple[float, ...]:
        """The numbers a condition sees, flattened."""
        return (self.value,)


@dataclass(frozen=True, slots=True)
class Vector:
    """An instant vector: zero, one or several labelled series."""

    samples: tuple[Sample, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def values(self) -> tuple[float, ...]:
        """The numbers a condition sees, one per series, in the server's order."""
        return tuple(s.value for s in self.samples)


@dataclass(frozen=True, slots=True)
class Matrix:
    """A range result: series of points."""

    series: tuple[Series, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def values(self) -> tuple[float, ...]:
        """Every point of every series, flattened in order (as Argo Rollouts does)."""
        return tuple(v for s in self.series for _, v in s.points)


QueryResult = Scalar | Vector | Matrix


@runtime_checkable
class MetricProvider(Protocol):
    """A source of metric values at explicit times.

    Implementations raise only from the `rollout_engine.errors.ProviderError`
    branch: `QueryError` when the source rejects the query, `ProviderUnavailable`
    when it cannot be reached in time, `BadResult` when its answer cannot be judged.
    """

    def query(self, *, expr: str, at: datetime) -> QueryResult:
        """Evaluate `expr` at the instant `at` (a range selector yields a `Matrix`)."""
        ...

    def query_range(
        self, *, expr: str, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        """Evaluate `expr` at every `step` from `start` to `end` inclusive."""
        ...


def format_value(value: float) -> str:
    """A number for people: ``NaN``, ``+Inf``, integers as such, else 10 significant digits."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"  # 0.98, not the 0.9800000000000001 of float arithmetic

"""The record of one sandbox run, as plain values: what the console and the report show.

The engine loop fills a :class:`Timeline` as the run goes — a step began
(with its weights), a metric's value per track at a time, a measurement with
its estimate, bound, outcome and reason, requests served per version, the
final verdict — and the views read :meth:`Timeline.snapshot`, a frozen copy,
from any thread. Nothing here knows nginx, Prometheus or the analysis code:
:func:`measurement_from_api` is the one adapter, from the AnalysisRun status
model the analysis already produces.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from rollout_engine.api.analysisrun import Measurement

__all__ = [
    "MeasurementRow",
    "MetricSeries",
    "Point",
    "StepMark",
    "Timeline",
    "TimelineSnapshot",
    "TrafficSample",
    "Verdict",
    "measurement_from_api",
]


@dataclass(frozen=True)
class StepMark:
    """A plan step that began at `at`, with the traffic it set."""

    index: int
    at: datetime
    description: str
    canary_weight: int
    routes: tuple[str, ...] = ()

    @property
    def stable_weight(self) -> int:
        return 100 - self.canary_weight


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float


@dataclass(frozen=True)
class MetricSeries:
    """One metric's values over time, per track (``stable``, ``candidate``)."""

    name: str
    unit: str = ""
    series: Mapping[str, tuple[Point, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasurementRow:
    """One measurement as people read it: when, what was estimated, against what, and why."""

    metric: str
    at: datetime
    outcome: str  # Successful, Failed, Inconclusive, Error (or Running)
    reason: str = ""
    value: str | None = None
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    limit: float | None = None
    statistic: str | None = None

    def bound(self) -> str:
        """The confidence interval and the limit it is judged against, as text."""
        parts = []
        if self.lower is not None or self.upper is not None:
            lo = "-∞" if self.lower is None else f"{self.lower:.4g}"
            hi = "+∞" if self.upper is None else f"{self.upper:.4g}"
            parts.append(f"[{lo}, {hi}]")
        if self.limit is not None:
            parts.append(f"limit {self.limit:.4g}")
        return " ".join(parts) or "—"

    def shown_value(self) -> str:
        if self.estimate is not None:
            return f"{self.estimate:.4g}"
        return self.value if self.value is not None else "—"


@dataclass(frozen=True)
class TrafficSample:
    """Requests served per *track* up to `at` (cumulative), from the load generator.

    Keys are tracks (``stable``, ``candidate``) so that the candidate's share
    can be set against the weight; :attr:`Timeline.versions` names the build
    behind each track.
    """

    at: datetime
    served: Mapping[str, int]
    errors: int = 0


@dataclass(frozen=True)
class Verdict:
    """How the run ended (e.g. ``Promoted``/``RolledBack``), when, and why."""

    outcome: str
    at: datetime
    reason: str
    metric: str | None = None


@dataclass(frozen=True)
class TimelineSnapshot:
    """A frozen copy of a timeline, safe to render while the run goes on."""

    title: str
    started_at: datetime
    plan: tuple[str, ...]
    versions: Mapping[str, str]
    steps: tuple[StepMark, ...]
    metrics: tuple[MetricSeries, ...]
    measurements: tuple[MeasurementRow, ...]
    traffic: tuple[TrafficSample, ...]
    verdict: Verdict | None

    @property
    def current_step(self) -> StepMark | None:
        return self.steps[-1] if self.steps else None

    def metric(self, name: str) -> MetricSeries:
        for series in self.metrics:
            if series.name == name:
                return series
        raise KeyError(name)


class Timeline:
    """The mutable, thread-safe record the engine loop appends to."""

    def __init__(
        self,
        *,
        title: str,
        started_at: datetime,
        plan: tuple[str, ...] = (),
        versions: Mapping[str, str] | None = None,
    ) -> None:
        self.title = title
        self.started_at = started_at
        self.plan = plan
        self.versions = dict(versions or {})
        self._lock = threading.Lock()
        self._steps: list[StepMark] = []
        self._metrics: dict[str, MetricSeries] = {}
        self._measurements: list[MeasurementRow] = []
        self._traffic: list[TrafficSample] = []
        self._verdict: Verdict | None = None

    def declare_metric(self, name: str, *, unit: str = "") -> None:
        """Fix a metric's place and unit (metrics also appear on first point or measurement)."""
        with self._lock:
            self._metrics.setdefault(name, MetricSeries(name, unit))

    def set_version(self, track: str, version: str) -> None:
        """Name the build serving `track` (e.g. a new candidate in the second scenario)."""
        with self._lock:
            self.versions[track] = version

    def step(self, mark: StepMark) -> None:
        with self._lock:
            self._steps.append(mark)

    def point(self, metric: str, *, track: str, at: datetime, value: float) -> None:
        with self._lock:
            current = self._metrics.setdefault(metric, MetricSeries(metric))
            series = dict(current.series)
            series[track] = (*series.get(track, ()), Point(at, value))
            self._metrics[metric] = replace(current, series=series)

    def measurement(self, row: MeasurementRow) -> None:
        with self._lock:
            self._metrics.setdefault(row.metric, MetricSeries(row.metric))
            self._measurements.append(row)

    def traffic(self, sample: TrafficSample) -> None:
        with self._lock:
            self._traffic.append(sample)

    def decide(self, verdict: Verdict) -> None:
        with self._lock:
            self._verdict = verdict

    def snapshot(self) -> TimelineSnapshot:
        with self._lock:
            return TimelineSnapshot(
                title=self.title,
                started_at=self.started_at,
                plan=self.plan,
                versions=dict(self.versions),
                steps=tuple(self._steps),
                metrics=tuple(self._metrics.values()),
                measurements=tuple(self._measurements),
                traffic=tuple(self._traffic),
                verdict=self._verdict,
            )


def measurement_from_api(
    metric: str, measurement: Measurement, *, limit: float | None = None
) -> MeasurementRow:
    """A row from an AnalysisRun status measurement (what the analysis produces)."""
    return MeasurementRow(
        metric=metric,
        at=measurement.finished_at or measurement.started_at,
        outcome=measurement.phase,
        reason=measurement.message or "",
        value=measurement.value,
        estimate=measurement.estimate,
        lower=measurement.lower,
        upper=measurement.upper,
        limit=limit,
        statistic=measurement.statistic,
    )

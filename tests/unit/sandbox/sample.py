"""A small run as the engine loop would record it: two steps, two metrics, a rollback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rollout_engine.sandbox.timeline import (
    MeasurementRow,
    StepMark,
    Timeline,
    TrafficSample,
    Verdict,
)

T0 = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def rolled_back_run() -> Timeline:
    timeline = Timeline(
        title="web: canary v1 → v2",
        started_at=T0,
        plan=("setWeight 20", "analysis error-ratio, latency", "setWeight 50"),
        versions={"stable": "v1", "candidate": "v2"},
    )
    timeline.declare_metric("error-ratio", unit="ratio")
    timeline.declare_metric("latency", unit="s")
    timeline.step(StepMark(index=0, at=at(0), description="setWeight 20", canary_weight=20))
    timeline.step(
        StepMark(index=1, at=at(10), description="analysis", canary_weight=20, routes=("testers",))
    )
    _record_traffic_and_values(timeline)
    _record_measurements(timeline)
    reason = "error ratio above 1.2×"
    timeline.decide(Verdict(outcome="RolledBack", at=at(29), reason=reason, metric="error-ratio"))
    return timeline


def _record_traffic_and_values(timeline: Timeline) -> None:
    served = {"stable": 0, "candidate": 0}
    for second in range(0, 31, 2):
        served = {"stable": served["stable"] + 80, "candidate": served["candidate"] + 20}
        timeline.traffic(TrafficSample(at=at(second), served=dict(served)))
        timeline.point("error-ratio", track="stable", at=at(second), value=0.01)
        timeline.point("error-ratio", track="candidate", at=at(second), value=0.03 + second / 1e4)
        timeline.point("latency", track="stable", at=at(second), value=0.020)
        timeline.point("latency", track="candidate", at=at(second), value=0.021)


def _record_measurements(timeline: Timeline) -> None:
    timeline.measurement(
        MeasurementRow(
            metric="error-ratio",
            at=at(14),
            outcome="Inconclusive",
            reason="not enough evidence yet",
            estimate=2.1,
            lower=0.9,
            upper=4.4,
            limit=1.2,
        )
    )
    timeline.measurement(
        MeasurementRow(
            metric="error-ratio",
            at=at(28),
            outcome="Failed",
            reason="candidate errors 3.0× stable <script>alert(1)</script>",
            estimate=3.0,
            lower=1.6,
            upper=5.2,
            limit=1.2,
        )
    )
    timeline.measurement(
        MeasurementRow(metric="latency", at=at(28), outcome="Successful", reason="p99 within 10 %")
    )

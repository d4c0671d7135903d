"""The timeline: an append-only record the views read as frozen snapshots."""

from __future__ import annotations

import dataclasses

import pytest

from rollout_engine.api.analysisrun import Measurement
from rollout_engine.sandbox.timeline import MeasurementRow, StepMark, measurement_from_api
from tests.unit.sandbox.sample import at, rolled_back_run


def test_a_snapshot_is_frozen_and_does_not_see_later_appends() -> None:
    timeline = rolled_back_run()
    before = timeline.snapshot()
    timeline.point("latency", track="candidate", at=at(40), value=0.5)
    timeline.step(StepMark(index=2, at=at(40), description="setWeight 50", canary_weight=50))
    assert len(before.metric("latency").series["candidate"]) == 16
    assert len(timeline.snapshot().metric("latency").series["candidate"]) == 17
    assert before.current_step is not None and before.current_step.index == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.title = "changed"  # type: ignore[misc]


def test_metrics_keep_their_declared_order_and_unit() -> None:
    snapshot = rolled_back_run().snapshot()
    assert [m.name for m in snapshot.metrics] == ["error-ratio", "latency"]
    assert snapshot.metric("latency").unit == "s"
    assert set(snapshot.metric("error-ratio").series) == {"stable", "candidate"}
    with pytest.raises(KeyError):
        snapshot.metric("missing")


def test_a_measurement_reads_as_estimate_and_bound() -> None:
    row = MeasurementRow(
        metric="m", at=at(1), outcome="Failed", estimate=3.0, lower=1.6, upper=None, limit=1.2
    )
    assert row.shown_value() == "3"
    assert row.bound() == "[1.6, +∞] limit 1.2"
    bare = MeasurementRow(metric="m", at=at(1), outcome="Successful", value="0.99")
    assert (bare.shown_value(), bare.bound()) == ("0.99", "—")


def test_an_analysis_run_measurement_becomes_a_row() -> None:
    measurement = Measurement(
        phase="Failed",
        started_at=at(5),
        finished_at=at(6),
        message="candidate errors 3× stable",
        statistic="sequential-counts",
        estimate=3.0,
        lower=1.5,
        upper=6.0,
    )
    row = measurement_from_api("error-ratio", measurement, limit=1.2)
    assert row == MeasurementRow(
        metric="error-ratio",
        at=at(6),
        outcome="Failed",
        reason="candidate errors 3× stable",
        estimate=3.0,
        lower=1.5,
        upper=6.0,
        limit=1.2,
        statistic="sequential-counts",
    )


def test_the_version_of_a_track_can_change_between_scenarios() -> None:
    timeline = rolled_back_run()
    timeline.set_version("candidate", "v3")
    assert timeline.snapshot().versions == {"stable": "v1", "candidate": "v3"}

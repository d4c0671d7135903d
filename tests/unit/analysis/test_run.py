"""The run state machine: scheduling, counters, limits, worst-wins, no fail-open termination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from analysis.measured import Measured
from analysis.run import (
    ERROR_RETRY,
    due,
    failed_start,
    is_final_look,
    next_due,
    record,
    start,
    terminate,
    worst,
)
from analysis.spec import CompiledRun, compile_run
from rollout_engine.api.analysisrun import AnalysisRunStatus, Measurement, MetricResult
from rollout_engine.api.template import AnalysisTemplateSpec

T0 = datetime(2024, 5, 1, tzinfo=UTC)
PROM = {"prometheus": {"address": "http://prom:9090", "query": "up"}}


def compiled(*metrics: dict[str, Any], **extra: Any) -> CompiledRun:
    spec = AnalysisTemplateSpec.model_validate(
        {"metrics": [{"provider": PROM, **m} for m in metrics], **extra}
    )
    return compile_run(spec, args={})


def took(phase: str, at: datetime, *, state: str | None = None) -> Measured:
    return Measured(
        Measurement(
            phase=phase, started_at=at, finished_at=at, message=f"{phase} at {at:%H:%M:%S}"
        ),
        state=state,
    )


def feed(
    run: CompiledRun, status: AnalysisRunStatus, name: str, phases: str
) -> tuple[AnalysisRunStatus, datetime]:
    """Record one measurement per letter (S F I E) at the times the schedule asks for."""
    codes = {"S": "Successful", "F": "Failed", "I": "Inconclusive", "E": "Error"}
    now = T0
    for letter in phases:
        when = next_due(run.metric(name), result(status, name), started_at=T0)
        assert when is not None and when >= now
        now = when
        assert name in due(run, status, now=now).due
        status = record(run, status, metric=name, measured=took(codes[letter], now), now=now)
    return status, now


def result(status: AnalysisRunStatus, name: str) -> MetricResult:
    return next(r for r in status.metric_results if r.name == name)


def test_start_makes_every_metric_pending() -> None:
    run = compiled({"name": "a"}, {"name": "b"}, dryRun=[{"metricName": "b"}])
    status = start(run, now=T0)
    assert status.phase == "Running" and status.started_at == T0
    assert [(r.name, r.phase, r.dry_run) for r in status.metric_results] == [
        ("a", "Pending", False),
        ("b", "Pending", True),
    ]


def test_first_measurements_wait_for_their_initial_delay() -> None:
    run = compiled(
        {"name": "now", "interval": "1m", "count": 2}, {"name": "later", "initialDelay": "5m"}
    )
    status = start(run, now=T0)
    first = due(run, status, now=T0)
    assert first.due == ("now",)
    assert first.next_at == T0 + timedelta(minutes=5)
    assert due(run, status, now=T0 + timedelta(minutes=5)).due == ("now", "later")


def test_next_measurement_is_interval_after_the_last_and_ten_seconds_after_an_error() -> None:
    run = compiled({"name": "m", "interval": "1m", "count": 3})
    status = start(run, now=T0)
    status = record(run, status, metric="m", measured=took("Successful", T0), now=T0)
    assert due(run, status, now=T0).next_at == T0 + timedelta(minutes=1)
    later = T0 + timedelta(minutes=1)
    status = record(run, status, metric="m", measured=took("Error", later), now=later)
    assert due(run, status, now=later).next_at == later + ERROR_RETRY
    assert timedelta(seconds=10) == ERROR_RETRY


def test_counters_follow_argo_and_errors_do_not_use_up_count() -> None:
    run = compiled(
        {"name": "m", "interval": "1m", "count": 3, "failureLimit": 1, "inconclusiveLimit": 1}
    )
    status, _ = feed(run, start(run, now=T0), "m", "SEEIF")
    r = result(status, "m")
    assert (r.count, r.successful, r.failed, r.inconclusive, r.error, r.consecutive_error) == (
        3,
        1,
        1,
        1,
        2,
        0,
    )
    assert r.phase == "Successful"
    assert status.phase == "Successful"


def test_the_fifth_consecutive_error_errs_the_metric_and_the_run() -> None:
    run = compiled({"name": "m", "interval": "1m", "count": 5})
    status, _ = feed(run, start(run, now=T0), "m", "EEEE")
    assert status.phase == "Running" and result(status, "m").consecutive_error == 4
    status, _ = feed(run, status, "m", "E")
    assert result(status, "m").phase == "Error"
    assert status.phase == "Error"
    assert "5 errors in a row > consecutiveErrorLimit 4" in (status.message or "")


def test_a_success_resets_the_consecutive_errors() -> None:
    run = compiled({"name": "m", "interval": "1m", "count": 5, "consecutiveErrorLimit": 1})
    status, _ = feed(run, start(run, now=T0), "m", "ESESES")
    assert status.phase == "Running"
    assert result(status, "m").error == 3


@pytest.mark.parametrize(
    ("limits", "phases", "phase"),
    [
        ({"failureLimit": 1}, "SFSF", "Failed"),
        ({"failureLimit": 1}, "SFSSS", "Successful"),
        ({}, "F", "Failed"),
        ({"inconclusiveLimit": 1}, "IS I", "Inconclusive"),
        ({"failureLimit": -1}, "FFFFS", "Successful"),
        ({"failureLimit": -1}, "FFFFF", "Inconclusive"),
        ({"failureLimit": 2, "inconclusiveLimit": 2}, "FFIIS", "Successful"),
        ({"failureLimit": 3, "inconclusiveLimit": 2}, "FFFII", "Inconclusive"),
    ],
)
def test_limits_decide_the_metric(limits: dict[str, int], phases: str, phase: str) -> None:
    run = compiled({"name": "m", "interval": "1m", "count": 5, **limits})
    status, _ = feed(run, start(run, now=T0), "m", phases.replace(" ", ""))
    assert result(status, "m").phase == phase
    assert status.phase == phase


def test_the_first_terminal_metric_stops_the_others_and_worst_wins() -> None:
    run = compiled(
        {"name": "a", "interval": "1m", "count": 5},
        {"name": "b", "interval": "1m", "count": 5},
        {"name": "c", "interval": "1m"},
    )
    status = start(run, now=T0)
    for name in ("a", "b", "c"):
        status = record(run, status, metric=name, measured=took("Successful", T0), now=T0)
    later = T0 + timedelta(minutes=1)
    status = record(run, status, metric="b", measured=took("Failed", later), now=later)
    assert status.phase == "Failed" and status.completed_at == later
    assert [r.phase for r in status.metric_results] == ["Inconclusive", "Failed", "Successful"]
    assert "stopped: metric 'b' is Failed" in (result(status, "a").message or "")
    assert due(run, status, now=later + timedelta(hours=1)).due == ()
    assert status.message is not None and status.message.startswith(
        "metric 'b' Failed: 1 failed > failureLimit 0"
    )


def test_worst_follows_argos_order() -> None:
    assert worst(["Successful", "Inconclusive", "Error"]) == "Error"
    assert worst(["Error", "Failed", "Inconclusive"]) == "Failed"
    assert worst(["Successful", "Running"]) == "Running"
    assert worst([]) == "Successful"


def test_a_run_is_successful_only_when_every_decisive_metric_is() -> None:
    run = compiled({"name": "quick"}, {"name": "slow", "initialDelay": "10m"})
    status = start(run, now=T0)
    status = record(run, status, metric="quick", measured=took("Successful", T0), now=T0)
    assert status.phase == "Running"  # AR#1360: a metric that has not run yet keeps the run open
    assert due(run, status, now=T0).next_at == T0 + timedelta(minutes=10)
    late = T0 + timedelta(minutes=10)
    status = record(run, status, metric="slow", measured=took("Successful", late), now=late)
    assert status.phase == "Successful" and status.completed_at == late
    assert status.message == "2 of 2 metric(s) Successful"


def test_dry_run_metrics_are_recorded_but_never_decide() -> None:
    run = compiled(
        {"name": "real"},
        {"name": "trial", "interval": "1m", "count": 3},
        dryRun=[{"metricName": "trial"}],
    )
    status = start(run, now=T0)
    status = record(run, status, metric="trial", measured=took("Failed", T0), now=T0)
    assert result(status, "trial").phase == "Failed" and status.phase == "Running"
    status = record(run, status, metric="real", measured=took("Successful", T0), now=T0)
    assert status.phase == "Successful"


def test_a_run_of_dry_run_metrics_only_judges_nothing() -> None:
    run = compiled({"name": "trial"}, dryRun=[{"metricName": ".*"}])
    status = record(run, start(run, now=T0), metric="trial", measured=took("Failed", T0), now=T0)
    assert status.phase == "Successful"
    assert status.message == "every metric is a dry run: measured, nothing judged"


def test_terminating_before_count_is_never_successful_ar4479() -> None:
    run = compiled({"name": "m", "interval": "1m", "count": 5, "failureLimit": 3})
    status, now = feed(run, start(run, now=T0), "m", "SSSS")
    status = terminate(run, status, now=now, reason="promoted")
    assert status.phase == "Inconclusive"
    assert "terminated (promoted) after 4 measurement(s) of 5" in (status.message or "")
    errored, now = feed(run, start(run, now=T0), "m", "EEEE")
    assert terminate(run, errored, now=now, reason="abort").phase == "Inconclusive"


def test_terminating_a_metric_that_never_ran_is_inconclusive() -> None:
    run = compiled({"name": "quick"}, {"name": "slow", "initialDelay": "1h"})
    status = record(
        run, start(run, now=T0), metric="quick", measured=took("Successful", T0), now=T0
    )
    status = terminate(run, status, now=T0 + timedelta(minutes=5), reason="promoted")
    assert status.phase == "Inconclusive"
    assert [r.phase for r in status.metric_results] == ["Successful", "Inconclusive"]


@pytest.mark.parametrize(
    ("phases", "phase"),
    [
        ("SS", "Successful"),
        ("SSE", "Inconclusive"),
        ("", "Inconclusive"),
        ("EEE", "Inconclusive"),
        ("IS", "Inconclusive"),
    ],
)
def test_an_unbounded_metric_ends_successful_only_on_standing_evidence(
    phases: str, phase: str
) -> None:
    limits = {"inconclusiveLimit": 1} if "I" in phases else {}
    run = compiled({"name": "bg", "interval": "1m", **limits})
    status, now = feed(run, start(run, now=T0), "bg", phases)
    status = terminate(run, status, now=now, reason="fully promoted")
    assert status.phase == ("Successful" if phases == "IS" else phase)


def test_terminate_keeps_a_decided_verdict_and_is_idempotent() -> None:
    run = compiled({"name": "m", "interval": "1m", "count": 3})
    status, now = feed(run, start(run, now=T0), "m", "F")
    assert status.phase == "Failed"
    assert terminate(run, status, now=now, reason="abort") == status


def test_late_measurements_are_ignored() -> None:
    run = compiled({"name": "a"}, {"name": "b", "interval": "1m", "count": 2})
    status = record(run, start(run, now=T0), metric="a", measured=took("Failed", T0), now=T0)
    assert status.phase == "Failed"
    assert record(run, status, metric="b", measured=took("Successful", T0), now=T0) == status


def test_retention_trims_measurements_but_not_counters() -> None:
    run = compiled(
        {"name": "m", "interval": "1m"}, measurementRetention=[{"metricName": "m", "limit": 2}]
    )
    status, _ = feed(run, start(run, now=T0), "m", "SSSSE")
    r = result(status, "m")
    assert len(r.measurements) == 2 and r.measurements[-1].phase == "Error"
    assert (r.count, r.successful, r.error) == (4, 4, 1)


def test_judge_state_is_carried_on_the_metric_beyond_retention() -> None:
    run = compiled(
        {"name": "m", "interval": "1m", "count": 5},
        measurementRetention=[{"metricName": "m", "limit": 1}],
    )
    status = start(run, now=T0)
    status = record(
        run, status, metric="m", measured=took("Successful", T0, state='{"looks": 1}'), now=T0
    )
    status = record(
        run, status, metric="m", measured=took("Error", T0 + timedelta(minutes=1)), now=T0
    )
    assert result(status, "m").state == '{"looks": 1}'


def test_final_look_is_announced_for_bounded_metrics_only() -> None:
    run = compiled({"name": "m", "interval": "1m", "count": 2}, {"name": "bg", "interval": "1m"})
    status = start(run, now=T0)
    assert not is_final_look(run.metric("m"), result(status, "m"))
    status = record(run, status, metric="m", measured=took("Successful", T0), now=T0)
    assert is_final_look(run.metric("m"), result(status, "m"))
    assert not is_final_look(run.metric("bg"), result(status, "bg"))


def test_a_run_that_cannot_start_is_error_at_once() -> None:
    status = failed_start(now=T0, message="spec.args[0]: argument 'service' has no value")
    assert (status.phase, status.started_at, status.completed_at) == ("Error", T0, T0)
    assert "service" in (status.message or "")

"""Whole runs against Prometheus: every outcome and limit on real data, and an outage (T2).

Replays drive the same state machine as the live engine on a simulated clock,
so each case below is what the controller would decide over that window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from analysis.providers.base import QueryResult
from analysis.providers.prometheus import PrometheusClient, PrometheusSettings
from analysis.replay import Replay, replay
from analysis.spec import compile_run
from rollout_engine.api.template import AnalysisTemplateSpec
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.fake import FakePrometheus, Reply, vector
from tests.fakes.prometheus.server import RealPrometheus, free_port

pytestmark = pytest.mark.slow


def success_rate(track: str) -> str:
    canary = 'canary!=""' if track == "canary" else 'canary=""'
    series = f'nginx_ingress_controller_requests{{ingress="web",{canary}'
    return f'sum(rate({series},status!~"5.*"}}[1m])) / sum(rate({series}}}[1m]))'


EXAMPLE = {
    "interval": "1m",
    "count": 5,
    "failureLimit": 1,
    "successCondition": "len(result) == 0 || result[0] >= 0.95",
    "failureCondition": "len(result) > 0 && result[0] < 0.90",
}


def run_over(
    prometheus: RealPrometheus,
    metrics: list[dict[str, Any]],
    start: float,
    end: float,
    **extra: Any,
) -> Replay:
    for m in metrics:
        m.setdefault(
            "provider", {"prometheus": {"address": prometheus.url, "query": success_rate("canary")}}
        )
    spec = AnalysisTemplateSpec.model_validate({"metrics": metrics, **extra})
    run = compile_run(spec, args={})
    prom = PrometheusClient(PrometheusSettings(address=prometheus.url, timeout=10.0))
    return replay(run, {m.name: prom for m in run.metrics}, start_at=at(start), end_at=at(end))


def offset(outcome: Replay, start: float) -> timedelta:
    assert outcome.status.completed_at is not None
    return outcome.status.completed_at - at(start)


@pytest.mark.parametrize(
    ("metric", "start", "phase", "after", "phases"),
    [
        # healthy canary: five successes
        ({}, 10, "Successful", timedelta(minutes=4), "SSSSS"),
        # regression: the second failure exceeds failureLimit 1
        ({}, 61, "Failed", timedelta(minutes=1), "FF"),
        # traffic stops: 0/0 is NaN, neither condition holds → Inconclusive
        ({}, 38, "Inconclusive", timedelta(minutes=3), "SSSI"),
        # scrape gap: "no data passes" in Argo; here no data is never success
        ({}, 56, "Inconclusive", timedelta(0), "I"),
        # the same gap with Argo's `result[0]`: index error → Error, retried every 10 s
        (
            {"successCondition": "result[0] >= 0.95", "failureCondition": None},
            56,
            "Error",
            timedelta(seconds=40),
            "EEEEE",
        ),
        # inconclusiveLimit tolerates two Inconclusive, the third ends the metric
        (
            {
                "successCondition": "result[0] >= 0.99",
                "failureCondition": "result[0] < 0.9",
                "inconclusiveLimit": 2,
            },
            10,
            "Inconclusive",
            timedelta(minutes=2),
            "III",
        ),
    ],
)
def test_outcomes_and_limits_on_real_data(
    prometheus: RealPrometheus,
    *,
    metric: dict[str, Any],
    start: float,
    phase: str,
    after: timedelta,
    phases: str,
) -> None:
    body = {k: v for k, v in {**EXAMPLE, **metric}.items() if v is not None}
    outcome = run_over(prometheus, [{"name": "success-rate", **body}], start, start + 30)
    letters = "".join(s.measurement.phase[0] for s in outcome.steps)
    assert (outcome.status.phase, letters) == (phase, phases), outcome.status.message
    assert offset(outcome, start) == after


def test_errors_do_not_use_up_count(prometheus: RealPrometheus) -> None:
    metric = {
        "name": "m",
        "interval": "1m",
        "count": 3,
        "consecutiveErrorLimit": 100,
        "successCondition": "result[0] >= 0.95",
    }
    outcome = run_over(prometheus, [metric], 57, 90)
    result = outcome.status.metric_results[0]
    assert result.error >= 15  # every 10 s through the gap
    assert (result.count, result.failed, outcome.status.phase) == (1, 1, "Failed")


def test_a_dry_run_metric_is_measured_but_does_not_decide(prometheus: RealPrometheus) -> None:
    stable = {"prometheus": {"address": prometheus.url, "query": success_rate("stable")}}
    metrics = [
        {"name": "canary", **EXAMPLE},
        {"name": "stable", **EXAMPLE, "provider": stable},
    ]
    outcome = run_over(prometheus, metrics, 61, 90, dryRun=[{"metricName": "canary"}])
    phases = {r.name: r.phase for r in outcome.status.metric_results}
    assert phases == {"canary": "Failed", "stable": "Successful"}
    assert outcome.status.phase == "Successful"


def test_a_window_that_ends_before_count_is_inconclusive_at_its_end(
    prometheus: RealPrometheus,
) -> None:
    outcome = run_over(prometheus, [{"name": "m", **EXAMPLE, "initialDelay": "2m"}], 10, 14)
    assert outcome.status.phase == "Inconclusive"
    assert offset(outcome, 10) == timedelta(minutes=4)
    assert len(outcome.steps) == 3


def test_a_background_metric_without_count_succeeds_when_stopped_with_evidence(
    prometheus: RealPrometheus,
) -> None:
    # Argo's istio template (corpus 17): initialDelay 60s, interval 20s, no count
    metric = {
        "name": "bg",
        "initialDelay": "60s",
        "interval": "20s",
        "successCondition": "result[0] > 0.90",
    }
    outcome = run_over(prometheus, [metric], 10, 20)
    assert outcome.status.phase == "Successful"
    assert len(outcome.steps) == 28


class Outage:
    """Prometheus fails in three ways in a row: 500s, then hangs, then a closed port."""

    def __init__(self, fake: FakePrometheus, *, recover: bool) -> None:
        fake.script(
            Reply(status=500, body=b"down"),
            Reply(status=500, body=b"down"),
            Reply(delay=30),
            *([Reply(json=vector(0.99))] if recover else [Reply(delay=30)]),
        )
        self.fake = PrometheusClient(PrometheusSettings(address=fake.url, timeout=0.3))
        self.closed = PrometheusClient(
            PrometheusSettings(address=f"http://127.0.0.1:{free_port()}")
        )
        self.refused = {4} if recover else {4, 5}
        self.calls = 0

    def query(self, *, expr: str, at: datetime) -> QueryResult:
        self.calls += 1
        target = self.closed if self.calls in self.refused else self.fake
        return target.query(expr=expr, at=at)

    def query_range(self, **kw: Any) -> QueryResult:
        raise NotImplementedError


def _outage_run(fake: FakePrometheus, *, recover: bool) -> Replay:
    spec = AnalysisTemplateSpec.model_validate(
        {
            "metrics": [
                {
                    "name": "m",
                    **EXAMPLE,
                    "provider": {"prometheus": {"address": fake.url, "query": "q"}},
                }
            ]
        }
    )
    provider = Outage(fake, recover=recover)
    return replay(compile_run(spec, args={}), {"m": provider}, start_at=at(0), end_at=at(30))


def test_t2_an_outage_errs_the_run_and_never_promotes(fake_prom: FakePrometheus) -> None:
    outcome = _outage_run(fake_prom, recover=False)
    messages = [s.measurement.message or "" for s in outcome.steps]
    assert [s.measurement.phase for s in outcome.steps] == ["Error"] * 5
    assert "HTTP 500" in messages[0] and "within 0.3s" in messages[2] and "refused" in messages[3]
    assert outcome.status.phase == "Error"
    assert offset(outcome, 0) == timedelta(seconds=40)  # 5th error in a row, 10 s apart


def test_t2_a_short_outage_is_retried_and_the_run_resumes(fake_prom: FakePrometheus) -> None:
    outcome = _outage_run(fake_prom, recover=True)
    phases = [s.measurement.phase for s in outcome.steps]
    assert phases[:4] == ["Error"] * 4 and set(phases[4:]) == {"Successful"}
    assert outcome.status.phase == "Successful"
    assert outcome.status.metric_results[0].count == 5

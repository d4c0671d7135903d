"""Measuring an AnalysisRun: start, measure what is due, terminate, write status once per pass."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from analysis.providers.base import Sample, Vector
from rollout_engine.api.kinds import GROUP_VERSION
from rollout_engine.controller.measuring import Measurer, RunContext
from rollout_engine.controller.secrets import SecretReader
from rollout_engine.controller.writes import Writer
from rollout_engine.kube import Objects, kind
from tests.fakes.clock import FakeClock
from tests.fakes.metrics import ScriptedProvider
from tests.paths import CRDS

T0 = datetime(2024, 5, 1, 0, 10, tzinfo=UTC)
RUN = kind("AnalysisRun")
CTX = RunContext("shop", "web", "uid-1", stable="aaa", candidate="bbb")


@pytest.fixture
def objects(apiserver: Any) -> Objects:
    apiserver.install_crds(CRDS / "analysisruns.yaml")
    objects = Objects(apiserver.api_client("controller"))
    objects.create(kind("Namespace"), {"metadata": {"name": "shop"}})
    return objects


def _run(objects: Objects, *, args: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body = {
        "apiVersion": GROUP_VERSION,
        "kind": "AnalysisRun",
        "metadata": {"name": "web-bbb-1", "namespace": "shop"},
        "spec": {
            "args": args or [{"name": "token", "value": "plain"}],
            "metrics": [
                {
                    "name": "rate",
                    "interval": "1m",
                    "count": 2,
                    "successCondition": "result[0] >= 0.95",
                    "provider": {
                        "prometheus": {
                            "address": "http://prom.example:9090",
                            "query": 'rate{token="{{args.token}}", rev="bbb"}',
                        }
                    },
                }
            ],
        },
    }
    return objects.create(RUN, body)


def _measurer(objects: Objects, clock: FakeClock, provider: ScriptedProvider) -> Measurer:
    return Measurer(
        writer=Writer(objects),
        secrets=SecretReader(objects),
        clock=clock,
        providers=lambda spec, *, secrets, address: provider,
    )


def _stored(apiserver: Any) -> dict[str, Any]:
    found: dict[str, Any] = apiserver.store.get(
        GROUP_VERSION, "AnalysisRun", name="web-bbb-1", namespace="shop"
    )
    return found


def test_a_run_is_started_measured_and_judged(apiserver: Any, objects: Objects) -> None:
    clock = FakeClock(T0)
    provider = ScriptedProvider(lambda at: Vector((Sample({}, 0.98),)))
    measurer = _measurer(objects, clock, provider)
    first = measurer.advance(_run(objects), CTX)
    assert first.written and first.phase == "Running"
    assert first.next_at == T0 + timedelta(minutes=1)
    assert [a.at for a in provider.asked] == [T0]
    assert measurer.advance(_stored(apiserver), CTX).written is False, "nothing is due yet"
    clock.advance(timedelta(minutes=1))
    second = measurer.advance(_stored(apiserver), CTX)
    assert second.phase == "Successful" and second.next_at is None
    status = _stored(apiserver)["status"]
    assert status["metricResults"][0]["successful"] == 2
    writes = apiserver.journal.writes(resource="analysisruns", subresource="status")
    assert len(writes) == 2 and {w.verb for w in writes} == {"update"}


def test_secrets_are_read_at_measurement_time_and_never_stored(
    apiserver: Any, objects: Objects, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    objects.create(
        kind("Secret"),
        {
            "metadata": {"name": "prom", "namespace": "shop"},
            "data": {"token": base64.b64encode(b"s3cr3t-value").decode()},
        },
    )
    provider = ScriptedProvider(lambda at: Vector((Sample({}, 0.98),)))
    args = [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "prom", "key": "token"}}}]
    _measurer(objects, FakeClock(T0), provider).advance(_run(objects, args=args), CTX)
    assert "s3cr3t-value" in provider.asked[0].expr
    stored = str(_stored(apiserver))
    assert "s3cr3t-value" not in stored
    assert "***" in _stored(apiserver)["status"]["metricResults"][0]["measurements"][0]["query"]
    assert "s3cr3t-value" not in caplog.text
    assert all("s3cr3t-value" not in w.body.decode() for w in apiserver.journal.writes())


def test_a_missing_secret_puts_the_run_in_error_at_once(apiserver: Any, objects: Objects) -> None:
    provider = ScriptedProvider(lambda at: Vector((Sample({}, 0.98),)))
    args = [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "token"}}}]
    outcome = _measurer(objects, FakeClock(T0), provider).advance(_run(objects, args=args), CTX)
    assert outcome.phase == "Error" and provider.asked == []
    assert "Secret shop/nope not found" in _stored(apiserver)["status"]["message"]


def test_a_terminated_run_is_not_successful_short_of_its_count(
    apiserver: Any, objects: Objects
) -> None:
    clock = FakeClock(T0)
    provider = ScriptedProvider(lambda at: Vector((Sample({}, 0.98),)))
    measurer = _measurer(objects, clock, provider)
    measurer.advance(_run(objects), CTX)
    stopped = measurer.advance(_stored(apiserver), CTX, stop="the rollout no longer needs it")
    assert stopped.phase != "Successful"
    assert "terminated (the rollout no longer needs it)" in _stored(apiserver)["status"]["message"]
    assert measurer.advance(_stored(apiserver), CTX).written is False, "a verdict is final"


def test_a_provider_failure_is_a_measurement_error_not_an_exception(
    apiserver: Any, objects: Objects
) -> None:
    from rollout_engine.errors import ProviderUnavailable

    provider = ScriptedProvider(lambda at: ProviderUnavailable("connection refused"))
    outcome = _measurer(objects, FakeClock(T0), provider).advance(_run(objects), CTX)
    assert outcome.phase == "Running"
    assert outcome.next_at == T0 + timedelta(seconds=10), "an error is retried after 10 s"
    result = _stored(apiserver)["status"]["metricResults"][0]
    assert result["measurements"][0]["phase"] == "Error"

"""The resource models: Argo-compatible names, strictness, round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from rollout_engine.api import (
    AnalysisRun,
    AnalysisTemplate,
    CanaryStep,
    Rollout,
    RolloutStatus,
    dump,
)
from tests.paths import CORPUS, EXAMPLES

ARGO_PROMETHEUS_TEMPLATES = [
    "17-analysistemplate-prometheus-istio-success-rate.yaml",
    "21-analysistemplate-prometheus-istio-failurelimit.yaml",
    "24-analysistemplate-prometheus-args-default.yaml",
    "26-analysistemplate-prometheus-scalar-condition-on-vector-EDGECASE.yaml",
]


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]


@pytest.mark.parametrize("name", ARGO_PROMETHEUS_TEMPLATES)
def test_argo_prometheus_templates_carry_over_with_only_the_api_version_changed(
    name: str,
) -> None:
    (doc,) = _docs(CORPUS / "argo" / name)
    doc["apiVersion"] = "rollout-engine.io/v1alpha1"
    template = AnalysisTemplate.model_validate(doc)
    original = doc["spec"]["metrics"][0]
    metric = template.spec.metrics[0]
    assert metric.name == original["name"]
    assert metric.provider.prometheus is not None
    assert metric.provider.prometheus.query == original["provider"]["prometheus"]["query"]
    assert metric.success_condition == original.get("successCondition")
    assert metric.failure_limit == original.get("failureLimit")
    assert metric.interval == original.get("interval")


def test_argo_web_provider_is_rejected_with_the_supported_list() -> None:
    (doc,) = _docs(CORPUS / "argo" / "11-analysistemplate-inconclusive-web.yaml")
    doc["apiVersion"] = "rollout-engine.io/v1alpha1"
    with pytest.raises(ValidationError) as info:
        AnalysisTemplate.model_validate(doc)
    assert "unsupported provider 'web'" in str(info.value)


def test_every_example_round_trips_through_the_wire_form() -> None:
    kinds: dict[str, type[Rollout] | type[AnalysisTemplate]] = {
        "Rollout": Rollout,
        "AnalysisTemplate": AnalysisTemplate,
    }
    seen = 0
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        for doc in _docs(path):
            model = kinds.get(doc["kind"])
            if model is None:
                continue
            parsed = model.model_validate(doc)
            assert model.model_validate(dump(parsed)) == parsed
            seen += 1
    assert seen >= 7


def test_models_are_frozen_values() -> None:
    step = CanaryStep(set_weight=10)
    with pytest.raises(ValidationError):
        step.set_weight = 20  # type: ignore[misc]
    assert step.model_copy(update={"set_weight": 20}).set_weight == 20


def test_a_step_with_two_actions_names_both() -> None:
    with pytest.raises(ValidationError) as info:
        CanaryStep.model_validate({"setWeight": 10, "pause": {}})
    assert "(got setWeight, pause)" in str(info.value)


def test_status_keeps_everything_needed_to_resume() -> None:
    now = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    status = RolloutStatus.model_validate(
        {
            "observedGeneration": 3,
            "phase": "Paused",
            "currentStepIndex": 2,
            "currentWeights": {"canary": 20, "stable": 80},
            "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": now.isoformat()}],
            "intent": {"action": "promote", "id": "a1", "requestedAt": now.isoformat(), "step": 2},
            "canary": {"currentStepAnalysisRun": "web-5d8f-3-2"},
            "outbox": [{"key": "uid/5d8f/2/Failed", "event": "analysis-failed", "recordedAt": now}],
        }
    )
    again = RolloutStatus.model_validate(dump(status))
    assert again == status
    assert again.intent is not None and again.intent.step == 2
    assert dump(status)["currentWeights"] == {"canary": 20, "stable": 80}


def test_zero_weights_are_serialised_explicitly() -> None:
    status = RolloutStatus.model_validate({"currentWeights": {"canary": 0, "stable": 100}})
    assert dump(status)["currentWeights"] == {"canary": 0, "stable": 100}


def test_analysis_run_records_measurement_evidence() -> None:
    run = AnalysisRun.model_validate(
        {
            "apiVersion": "rollout-engine.io/v1alpha1",
            "kind": "AnalysisRun",
            "metadata": {"name": "web-5d8f-3-2", "namespace": "shop"},
            "spec": {
                "metrics": [
                    {
                        "name": "error-ratio",
                        "provider": {"prometheus": {"address": "http://p:9090"}},
                        "comparison": {
                            "candidate": {"query": "a", "totalQuery": "b"},
                            "stable": {"query": "c", "totalQuery": "d"},
                        },
                    }
                ]
            },
            "status": {
                "phase": "Failed",
                "metricResults": [
                    {
                        "name": "error-ratio",
                        "phase": "Failed",
                        "failed": 1,
                        "count": 1,
                        "measurements": [
                            {
                                "phase": "Failed",
                                "startedAt": "2026-11-28T02:30:00Z",
                                "estimate": 2.3,
                                "lower": 1.6,
                                "upper": 3.4,
                                "confidence": 0.95,
                                "candidateSamples": 412,
                                "message": "error ratio 2.3× (95% CS 1.6–3.4) after 412 "
                                "canary requests: worse than allowed 1.2×",
                            }
                        ],
                    }
                ],
            },
        }
    )
    assert run.status is not None
    measurement = run.status.metric_results[0].measurements[0]
    assert (measurement.lower, measurement.estimate, measurement.upper) == (1.6, 2.3, 3.4)

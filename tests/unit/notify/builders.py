"""World builders for notify tests: a canary Rollout mid-flight and the run that judged it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rollout_engine.api import AnalysisRun, Rollout

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
UID = "6f1c2d3e-8a9b-4c5d-9e0f-123456789abc"
REVISION = "7d9f5c6b8"
IMAGE = "ghcr.io/example/web:1.5.0"


def subscription(
    *,
    kind: str = "slack",
    secret: str = "slack-webhook",
    key: str = "url",
    channel: str | None = "#deploys",
    events: list[str] | None = None,
    severity: str = "info",
) -> dict[str, Any]:
    sub: dict[str, Any] = {
        "type": kind,
        "urlFrom": {"secretKeyRef": {"name": secret, "key": key}},
        "severity": severity,
    }
    if channel:
        sub["channel"] = channel
    if events is not None:
        sub["events"] = events
    return sub


def make_rollout(
    *,
    name: str = "web",
    namespace: str = "shop",
    notifications: list[dict[str, Any]] | None = None,
    step: int | None = 2,
    revision: str = REVISION,
    weights: tuple[int, int] = (20, 80),
    outbox: list[dict[str, Any]] | None = None,
) -> Rollout:
    status: dict[str, Any] = {
        "phase": "Progressing",
        "candidateRevision": revision,
        "stableRevision": "5b8c9d7e1",
        "currentWeights": {"canary": weights[0], "stable": weights[1]},
        "message": "canary at 20%, analysing",
    }
    if step is not None:
        status["currentStepIndex"] = step
    if outbox:
        status["outbox"] = outbox
    return Rollout.model_validate(
        {
            "metadata": {"name": name, "namespace": namespace, "uid": UID},
            "spec": {
                "workloadRef": {"name": name},
                "strategy": {
                    "canary": {
                        "steps": [
                            {"setWeight": 10},
                            {"pause": {"duration": "2m"}},
                            {"setWeight": 20},
                            {"analysis": {"templates": [{"templateName": "error-ratio"}]}},
                            {"setWeight": 50},
                            {"pause": {"duration": "5m"}},
                            {"setWeight": 100},
                        ]
                    }
                },
                "notifications": [subscription()] if notifications is None else notifications,
            },
            "status": status,
        }
    )


def _comparison() -> dict[str, Any]:
    side = {"query": "sum(errors)", "totalQuery": "sum(requests)"}
    return {
        "method": "sequential-counts",
        "direction": "increase",
        "effectSize": {"allowedIncrease": 1.2},
        "candidate": side,
        "stable": side,
    }


def make_run(
    *,
    phase: str = "Failed",
    metric: str = "error-ratio",
    message: str | None = None,
    run_message: str | None = None,
    extra_metrics: int = 0,
) -> AnalysisRun:
    """A run with one comparison metric (``metric``), one threshold metric, and ``extra`` more."""
    prom = {"prometheus": {"address": "http://prometheus:9090", "query": "sum(up)"}}
    results = [
        {
            "name": metric,
            "phase": phase,
            "count": 4,
            "failed": 1 if phase == "Failed" else 0,
            "measurements": [
                {
                    "phase": phase,
                    "startedAt": NOW.isoformat(),
                    "statistic": "ratio",
                    "estimate": 2.41,
                    "lower": 1.83,
                    "upper": 3.12,
                    "confidence": 0.95,
                    "message": message
                    or "candidate errors are 2.4× stable (95% CI 1.8–3.1), above the allowed 1.2×",
                }
            ],
        },
        {
            "name": "p99-latency",
            "phase": "Successful",
            "count": 4,
            "successful": 4,
            "measurements": [
                {"phase": "Successful", "startedAt": NOW.isoformat(), "value": "0.182"}
            ],
        },
    ]
    metrics = [
        {"name": metric, "provider": prom, "comparison": _comparison()},
        {"name": "p99-latency", "provider": prom, "successCondition": "result[0] < 0.25"},
    ]
    for i in range(extra_metrics):
        metrics.append({"name": f"extra-{i}", "provider": prom, "successCondition": "true"})
        results.append({"name": f"extra-{i}", "phase": "Successful"})
    status: dict[str, Any] = {"phase": phase, "metricResults": results}
    if run_message:
        status["message"] = run_message
    return AnalysisRun.model_validate(
        {
            "metadata": {"name": f"web-{REVISION}-3-error-ratio", "namespace": "shop"},
            "spec": {"metrics": metrics},
            "status": status,
        }
    )

"""The tree and table texts, from values alone (no server)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from rich.console import Console

from rollout_engine.cli.plugin.build import rollout_view
from rollout_engine.cli.plugin.exits import ExitCode, exit_code_for
from rollout_engine.cli.plugin.fetch import Snapshot, parse
from rollout_engine.cli.plugin.table import human_duration, weight_text
from rollout_engine.cli.plugin.tree import rollout_tree
from rollout_engine.errors import Conflict, Forbidden, KubeError, NotFound, SpecError
from tests.fakes.rollout_scene import example
from tests.unit.cli.plugin.conftest import NOW


def _at(minutes: float) -> str:
    return (NOW - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _comparison_run() -> dict[str, Any]:
    measurement = {
        "phase": "Inconclusive",
        "startedAt": _at(1),
        "finishedAt": _at(1),
        "statistic": "ratio",
        "estimate": 1.0823,
        "lower": 0.951,
        "upper": 1.2164,
        "confidence": 0.95,
        "pValue": 0.0312,
        "candidateSamples": 1204,
        "stableSamples": 11873,
        "message": "error ratio 1.08x the stable's; the bound 1.22 crosses allowedIncrease 1.2",
    }
    metric = {
        "name": "error-ratio",
        "phase": "Inconclusive",
        "count": 6,
        "inconclusive": 1,
        "successful": 5,
        "message": "not enough evidence either way after 6 looks",
        "measurements": [measurement],
    }
    return {
        "status": {
            "phase": "Inconclusive",
            "message": "metric 'error-ratio' Inconclusive",
            "startedAt": _at(7),
            "metricResults": [metric],
        }
    }


def _snapshot(**status: Any) -> Snapshot:
    body = example("canary-istio.yaml", "Rollout")
    body = {**body, "metadata": {**body["metadata"], "creationTimestamp": _at(60 * 24 * 3)}}
    body["status"] = {
        "phase": "Paused",
        "message": "step 1 of 6 (pause 2m): paused: an analysis was inconclusive",
        "currentStepIndex": 1,
        "stepCount": 6,
        "stableRevision": "5b8c9d7e1",
        "candidateRevision": "7d9f5c6b8",
        "currentWeights": {"canary": 10, "stable": 90},
        "desiredWeights": {"canary": 25, "stable": 75},
        "canary": {"currentBackgroundAnalysisRun": "web-7d9f5c6b8-bg"},
        "intent": {
            "action": "promote",
            "id": "abc",
            "requestedAt": _at(0.5),
            "requestedBy": "alice",
            "step": 1,
        },
        **status,
    }
    return Snapshot(
        read=parse(body),
        workload=NotFound('deployments.apps "web" not found', status=404),
        stable={
            "spec": {
                "replicas": 4,
                "template": {"spec": {"containers": [{"name": "web", "image": "web:1.4.0"}]}},
            },
            "status": {"readyReplicas": 3},
        },
        runs={"web-7d9f5c6b8-bg": _comparison_run()},
    )


def _render(snapshot: Snapshot) -> str:
    out = io.StringIO()
    Console(file=out, width=300, color_system=None).print(
        rollout_tree(rollout_view(snapshot), now=NOW)
    )
    return out.getvalue()


def test_a_comparison_shows_estimate_bounds_samples_and_the_reason() -> None:
    text = _render(_snapshot())
    assert (
        "latest Inconclusive  ratio 1.082 [0.951–1.216] 95%  n=1204/11873  p=0.0312  60s ago"
    ) in text
    assert "error ratio 1.08x the stable's; the bound 1.22 crosses allowedIncrease 1.2" in text
    assert "error-ratio  Inconclusive  6 measured: 5 successful, 1 inconclusive" in text
    assert "not enough evidence either way after 6 looks" in text
    assert "web-7d9f5c6b8-bg (background)  Inconclusive  started 7m ago" in text


def test_weights_in_motion_unreadable_objects_and_a_pending_intent() -> None:
    text = _render(_snapshot())
    assert "Traffic  candidate 10%→25% · stable 90%→75%" in text
    assert 'candidate  7d9f5c6b8  web          (deployments.apps "web" not found)' in text
    assert "stable     5b8c9d7e1  web-primary  web=web:1.4.0  3/4 ready" in text
    assert "Intent  promote at step 1 by alice 30s ago (pending: the controller has not" in text


def test_a_rollout_without_status_and_an_invalid_plan_still_render() -> None:
    body = example("canary-istio.yaml", "Rollout")
    bad = {**body, "spec": {**body["spec"]}}
    bad["spec"]["strategy"] = {"canary": {"steps": [{"pause": {"duration": "{{args.x}}"}}]}}
    view = rollout_view(Snapshot(read=parse(body), workload={}, stable={}, runs={}))
    assert view.phase is None and view.steps[0].state == "idle"
    invalid = rollout_view(Snapshot(read=parse(bad), workload={}, stable={}, runs={}))
    assert invalid.steps == []


def test_an_unreadable_rollout_is_a_spec_error() -> None:
    body = example("canary-istio.yaml", "Rollout")
    with pytest.raises(SpecError, match="cannot be read by this version of the plugin"):
        parse({**body, "status": {"phase": "Exploded"}})


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5s"),
        (119, "119s"),
        (200, "3m20s"),
        (600, "10m"),
        (3 * 3600 + 60, "3h1m"),
        (20 * 3600, "20h"),
        (3 * 86400 + 7200, "3d2h"),
        (30 * 86400, "30d"),
        (800 * 86400, "2y"),
    ],
)
def test_ages_read_like_kubectl(seconds: int, text: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == text


def test_weights_and_exit_codes() -> None:
    assert (weight_text(None, None), weight_text(20, 20), weight_text(None, 5)) == (
        "-",
        "20%",
        "5%",
    )
    assert exit_code_for(NotFound("x", status=404)) is ExitCode.NOT_FOUND
    assert exit_code_for(Forbidden("x", status=403)) is ExitCode.FORBIDDEN
    assert exit_code_for(Conflict("x", status=409)) is ExitCode.CONFLICT
    assert exit_code_for(KubeError("x")) is ExitCode.ERROR
    assert sorted(int(c) for c in ExitCode) == [0, 1, 2, 3, 4, 5, 6, 7, 130]

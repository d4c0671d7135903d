"""Bad input found before a reconcile, with the linter's words; laid over status as Degraded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollout_engine.api.meta import Condition
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import RolloutStatus
from rollout_engine.controller.conditions import degraded
from rollout_engine.controller.preflight import Preflight
from rollout_engine.controller.problems import Problem, summary
from rollout_engine.controller.routers import ROUTERS, router_for
from rollout_engine.errors import SpecError

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def _rollout(**canary: Any) -> dict[str, Any]:
    return {
        "apiVersion": "rollout-engine.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": "shop", "uid": "u1", "generation": 1},
        "spec": {
            "workloadRef": {"name": "web"},
            "strategy": {
                "canary": {
                    "trafficRouting": {"istio": {"virtualService": {"name": "web"}}},
                    "steps": [
                        {"setWeight": 20},
                        {"analysis": {"templates": [{"templateName": "rate"}]}},
                    ],
                    **canary,
                }
            },
        },
    }


def _template(condition: str = "result[0] > 0.9", *, version: str = "1") -> dict[str, Any]:
    return {
        "apiVersion": "rollout-engine.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "rate", "namespace": "shop", "uid": "t1", "resourceVersion": version},
        "spec": {
            "args": [{"name": "service"}],
            "metrics": [
                {
                    "name": "rate",
                    "successCondition": condition,
                    "provider": {"prometheus": {"query": 'up{service="{{args.service}}"}'}},
                }
            ],
        },
    }


def test_a_clean_rollout_has_no_problems() -> None:
    rollout = _rollout()
    rollout["spec"]["strategy"]["canary"]["steps"][1]["analysis"]["args"] = [
        {"name": "service", "value": "web"}
    ]
    assert Preflight().check(rollout, [_template()]) == []


def test_lint_errors_hold_the_rollout_with_path_and_fix() -> None:
    (problem,) = Preflight().check(_rollout(maxWeight=10), [])
    assert problem.hold and problem.reason == "InvalidSpec"
    assert problem.message == (
        "spec.strategy.canary.steps[0].setWeight: weight 20 is above maxWeight 10 "
        "(fix: lower the weight to at most 10, or raise maxWeight)"
    )


def test_a_missing_argument_is_a_spec_error() -> None:
    problems = Preflight().check(_rollout(), [_template()])
    assert [p.reason for p in problems] == ["InvalidSpec"]
    assert "needs argument 'service'" in problems[0].message


def test_invalid_cel_stops_only_that_templates_runs() -> None:
    problems = Preflight().check(_rollout(), [_template("result[0] >")])
    template = [p for p in problems if p.reason == "InvalidTemplate"]
    assert template and not template[0].hold
    assert template[0].template == "AnalysisTemplate/rate"
    assert template[0].message.startswith("AnalysisTemplate/rate: spec.metrics[0].successCondition")


def test_results_are_memoised_by_version() -> None:
    preflight = Preflight()
    first = preflight.check(_rollout(), [_template("result[0] >")])
    assert preflight.check(_rollout(), [_template("result[0] >")]) is first
    fixed = preflight.check(_rollout(), [_template(version="2")])
    assert all(p.reason != "InvalidTemplate" for p in fixed)


def test_degraded_overlay_keeps_transition_times_of_the_stored_status() -> None:
    problem = Problem("ReferenceNotFound", "spec.workloadRef: Deployment shop/web not found")
    first = degraded(RolloutStatus(), [problem], stored=RolloutStatus(), now=T0, generation=2)
    assert first.phase == "Degraded" and first.message == problem.message
    assert first.observed_generation == 2
    by_type = {c.type: c for c in first.conditions}
    assert by_type["Degraded"].status == "True" and by_type["Progressing"].status == "False"
    again = degraded(
        RolloutStatus(), [problem], stored=first, now=T0 + timedelta(minutes=5), generation=2
    )
    assert again == first
    old = Condition(type="Paused", status="False", reason="NotPaused", last_transition_time=T0)
    kept = degraded(RolloutStatus(conditions=[old]), [problem], stored=first, now=T0, generation=2)
    assert [c.type for c in kept.conditions] == ["Progressing", "Paused", "Healthy", "Degraded"]


def test_summary_names_the_first_problems() -> None:
    problems = [Problem("InvalidSpec", f"problem {i}") for i in range(5)]
    assert summary(problems) == "problem 0; problem 1; problem 2; and 2 more"


def test_an_unknown_router_key_is_refused_never_replaced() -> None:
    rollout = Rollout.model_validate(_rollout())
    registry = {k: v for k, v in ROUTERS.items() if k != "istio"}
    with pytest.raises(
        SpecError, match="unsupported traffic router 'istio'; this controller knows nginx"
    ):
        router_for(rollout, objects=None, writer=None, owner={}, registry=registry)  # type: ignore[arg-type]

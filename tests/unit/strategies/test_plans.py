"""Plans: what each strategy's steps become."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rollout_engine.api.rollout import Rollout
from rollout_engine.errors import SpecError
from strategies import build_plan, run_name, service_names
from tests.fakes.rollout_world import canary_rollout, rollout_from_yaml

HEADER = {"headerName": "X-Canary", "headerValue": {"exact": "yes"}}


def test_canary_steps_carry_the_weight_and_routes_in_effect() -> None:
    steps = [
        {"setWeight": 10},
        {"setHeaderRoute": {"name": "b", "match": [HEADER]}},
        {"setCookieRoute": {"name": "a", "match": [{"cookieName": "beta"}]}},
        {"pause": {"duration": "90s"}},
        {"setWeight": 40},
        {"analysis": {"templates": [{"templateName": "t"}], "args": [{"name": "x", "value": "1"}]}},
        {"setHeaderRoute": {"name": "b"}},
        {"pause": {}},
    ]
    routing = {
        "istio": {"virtualService": {"name": "web"}},
        "managedRoutes": [{"name": "a"}, {"name": "b"}],
    }
    plan = build_plan(canary_rollout(steps, trafficRouting=routing))
    assert [s.action for s in plan.steps] == [
        "setWeight",
        "setHeaderRoute",
        "setCookieRoute",
        "pause",
        "setWeight",
        "analysis",
        "setHeaderRoute",
        "pause",
    ]
    assert [s.weight for s in plan.steps] == [10, 10, 10, 10, 40, 40, 40, 40]
    assert [[r.name for r in s.routes] for s in plan.steps] == [
        [],
        ["b"],
        ["a", "b"],  # managedRoutes order, not step order
        ["a", "b"],
        ["a", "b"],
        ["a", "b"],
        ["a"],  # an empty match removes the route
        ["a"],
    ]
    pause, forever = plan.steps[3].pause, plan.steps[7].pause
    assert pause is not None and pause.duration == timedelta(seconds=90)
    assert forever is not None and forever.duration is None
    analysis = plan.steps[5].analysis
    assert analysis is not None and analysis.suffix == "5" and analysis.template_names == "t"
    assert plan.routed and plan.strategy == "canary"


def test_max_weight_caps_every_step() -> None:
    plan = build_plan(canary_rollout([{"setWeight": 30}, {"setWeight": 80}], maxWeight=50))
    assert [s.weight for s in plan.steps] == [30, 50]
    assert plan.max_weight == 50


def test_background_analysis_starts_at_step_zero_unless_told() -> None:
    plan = build_plan(
        canary_rollout([{"setWeight": 5}], analysis={"templates": [{"templateName": "bg"}]})
    )
    assert plan.background is not None
    assert (plan.background.starting_step, plan.background.analysis.suffix) == (0, "bg")


def test_the_digest_changes_with_the_plan_only() -> None:
    a = build_plan(canary_rollout([{"setWeight": 5}, {"pause": {}}]))
    b = build_plan(canary_rollout([{"setWeight": 5}, {"pause": {}}], scaleDownDelaySeconds=99))
    c = build_plan(canary_rollout([{"setWeight": 6}, {"pause": {}}]))
    assert a.digest == b.digest != c.digest
    assert len(a.digest) == 12


def test_an_unparsable_pause_names_its_field() -> None:
    with pytest.raises(SpecError) as caught:
        build_plan(canary_rollout([{"pause": {"duration": "later"}}]))
    assert caught.value.path == "spec.strategy.canary.steps[0].pause.duration"


def _blue_green(**fields: object) -> Rollout:
    return Rollout.model_validate(
        {
            "apiVersion": "rollout-engine.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "checkout"},
            "spec": {"workloadRef": {"name": "checkout"}, "strategy": {"blueGreen": fields}},
        }
    )


@pytest.mark.parametrize(
    ("fields", "actions"),
    [
        ({}, ["preview", "switch"]),
        ({"autoPromotionEnabled": False}, ["preview", "pause", "switch"]),
        ({"autoPromotionSeconds": 60}, ["preview", "pause", "switch"]),
        (
            {
                "prePromotionAnalysis": {"templates": [{"templateName": "t"}]},
                "postPromotionAnalysis": {"templates": [{"templateName": "t"}]},
            },
            ["preview", "prePromotionAnalysis", "switch", "postPromotionAnalysis"],
        ),
    ],
)
def test_blue_green_plans(fields: dict[str, object], actions: list[str]) -> None:
    plan = build_plan(_blue_green(**fields))
    assert [s.action for s in plan.steps] == actions
    assert not plan.routed


def test_blue_green_gate_is_timed_or_manual() -> None:
    timed = build_plan(_blue_green(autoPromotionSeconds=60)).steps[1].pause
    manual = build_plan(_blue_green(autoPromotionEnabled=False)).steps[1].pause
    assert timed is not None and timed.duration == timedelta(seconds=60)
    assert timed.reason == "BlueGreenPause"
    assert manual is not None and manual.duration is None


AB = """
apiVersion: rollout-engine.io/v1alpha1
kind: Rollout
metadata: {name: search}
spec:
  workloadRef: {name: search}
  strategy:
    abTest:
      iterations: 6
      interval: 5m
      match:
        - headerName: User-Agent
          headerValue: {regex: ".*Firefox.*"}
      trafficRouting:
        istio: {virtualService: {name: search}}
        managedRoutes: [{name: firefox}]
      analysis: {templates: [{templateName: error-ratio}]}
"""


def test_an_ab_test_is_one_segment_step() -> None:
    plan = build_plan(rollout_from_yaml(AB))
    [segment] = plan.steps
    assert segment.action == "segment"
    assert segment.length == timedelta(minutes=30) and segment.iterations == 6
    assert [r.name for r in segment.routes] == ["firefox"]  # the managed route's name
    assert segment.analysis is not None and segment.analysis.suffix == "ab"
    assert segment.weight == 0


def test_service_names_default_and_override() -> None:
    names = service_names(canary_rollout([{"setWeight": 5}]))
    assert (names.apex, names.stable, names.canary) == ("web", "web-primary", "web-canary")
    names = service_names(canary_rollout([{"setWeight": 5}], canaryService="c", stableService="s"))
    assert (names.stable, names.canary) == ("s", "c")
    bg = service_names(_blue_green())
    assert (bg.active, bg.preview) == ("checkout", "checkout-canary")
    bg = service_names(_blue_green(activeService="a", previewService="p"))
    assert (bg.active, bg.preview) == ("a", "p")


def test_run_names_are_deterministic_and_fit_a_kubernetes_name() -> None:
    assert run_name(rollout="web", revision="6d4f", attempt=1, suffix="3") == "web-6d4f-3"
    assert run_name(rollout="web", revision="6d4f", attempt=2, suffix="bg") == "web-6d4f-try2-bg"
    long = run_name(rollout="w" * 250, revision="6d4f", attempt=1, suffix="pre")
    assert len(long) <= 253 and long.endswith("-pre")
    assert long == run_name(rollout="w" * 250, revision="6d4f", attempt=1, suffix="pre")
    assert long != run_name(rollout="w" * 250, revision="6d4e", attempt=1, suffix="pre")

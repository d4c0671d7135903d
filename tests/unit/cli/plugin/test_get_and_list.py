"""get and list: what they show, their JSON/YAML shapes, and how few requests they make."""

from __future__ import annotations

from typing import Any

import yaml

from tests.fakes.apiserver import AuthzRequest, FakeApiServer
from tests.fakes.rollout_scene import CANDIDATE_IMAGE, CANDIDATE_REVISION, STABLE_IMAGE, Scene
from tests.unit.cli.plugin.conftest import Plugin

WEB = ("web", "-n", "storefront")

VIEW_KEYS = {
    "kind",
    "version",
    "name",
    "namespace",
    "strategy",
    "router",
    "phase",
    "message",
    "createdAt",
    "stepIndex",
    "stepCount",
    "currentWeights",
    "desiredWeights",
    "activeRevision",
    "previewRevision",
    "stable",
    "candidate",
    "steps",
    "analysisRuns",
    "lastVerdict",
    "intent",
    "aborted",
    "abortReason",
    "conditions",
}
MEASUREMENT_KEYS = {
    "phase",
    "at",
    "value",
    "statistic",
    "estimate",
    "lower",
    "upper",
    "confidence",
    "pValue",
    "candidateSamples",
    "stableSamples",
    "message",
}
ROW_KEYS = {
    "namespace",
    "name",
    "strategy",
    "phase",
    "stepIndex",
    "stepCount",
    "canaryWeight",
    "desiredCanaryWeight",
    "candidateImages",
    "lastVerdict",
    "createdAt",
}


def test_get_draws_the_tree_an_on_call_engineer_needs(scene: Scene, plugin: Plugin) -> None:
    scene.canary_at_analysis()
    ran = plugin("get", *WEB)
    assert (ran.code, ran.err) == (0, "")
    lines = ran.out.splitlines()
    assert lines[0] == "Rollout storefront/web  Progressing  canary via nginx"
    assert lines[1] == (
        "step 3 of 6 (analysis success-rate): analysis web-7d9f5c6b8-3 (success-rate) is Running"
    )
    text = ran.out
    assert f"stable     5b8c9d7e1  web-primary  web={STABLE_IMAGE}  3/3 ready" in text
    assert f"candidate  {CANDIDATE_REVISION}  web          web={CANDIDATE_IMAGE}  3/3 ready" in text
    assert "Traffic  candidate 20% · stable 80%" in text
    steps = [line.split("── ", 1)[1] for line in lines if "── " in line and line[-1] != ":"]
    assert "✔ 2 setWeight 20%" in steps
    assert "▶ 3 analysis success-rate   ← now" in steps
    assert "○ 6 promotion" in steps
    assert "web-7d9f5c6b8-3 (step)  Running  started 4m ago" in text
    assert "success-rate  Running  3 measured: 3 successful" in text
    assert "latest Successful  value [0.982]  2m ago" in text
    assert (
        "success-rate 0.982 >= 0.95 (successCondition len(result) == 0 || result[0] >= 0.95)"
        in text
    )
    assert "Intent  promote at step 1 by alice 4m ago (applied)" in text
    assert lines[-1].endswith(
        "Conditions  Progressing=True · Paused=False · Healthy=False · Degraded=False"
    )


def test_get_of_a_failed_rollout_shows_the_verdict_and_where_it_stopped(
    scene: Scene, plugin: Plugin
) -> None:
    scene.blue_green_failed()
    ran = plugin("get", "checkout", "-n", "shop")
    assert ran.code == 0
    text = ran.out
    assert ran.out.splitlines()[0] == "Rollout shop/checkout  Degraded  blueGreen via services"
    assert "✘ 1 prePromotionAnalysis smoke   ← aborted here" in text
    assert "checkout-9a7e3c5f0-pre (prePromotion)  Failed" in text
    assert "error-rate  Failed  2 measured: 1 successful, 1 failed" in text
    assert "latest Failed  value [0.071]" in text
    assert "error-rate 0.071 >= 0.05 (failureCondition result >= 0.05)" in text
    assert "Services  active → 6c4f8b2d1 · preview → 6c4f8b2d1" in text


def test_get_answers_in_two_round_trips(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    apiserver.journal.clear()
    assert plugin("get", *WEB).code == 0
    entries = apiserver.journal.entries()
    assert [(e.verb, e.resource, e.name) for e in entries[:1]] == [("get", "rollouts", "web")]
    rest = sorted((e.verb, e.resource, e.name) for e in entries[1:])
    assert rest == [
        ("get", "analysisruns", "web-7d9f5c6b8-3"),
        ("get", "deployments", "web"),
        ("get", "deployments", "web-primary"),
    ]


def test_get_json_shape_is_stable(scene: Scene, plugin: Plugin) -> None:
    scene.canary_at_analysis()
    view = plugin("get", *WEB, "-o", "json").json()
    assert set(view) == VIEW_KEYS
    assert (view["kind"], view["version"]) == ("RolloutView", 1)
    assert (view["stepIndex"], view["stepCount"]) == (3, 6)
    assert view["currentWeights"] == {"canary": 20, "stable": 80}
    assert view["candidate"] == {
        "role": "candidate",
        "revision": CANDIDATE_REVISION,
        "deployment": "web",
        "images": [{"container": "web", "image": CANDIDATE_IMAGE}],
        "ready": 3,
        "replicas": 3,
        "error": None,
    }
    assert [s["state"] for s in view["steps"]] == ["done"] * 3 + ["current"] + ["pending"] * 3
    (run,) = view["analysisRuns"]
    assert (run["name"], run["role"], run["phase"]) == ("web-7d9f5c6b8-3", "step", "Running")
    (metric,) = run["metrics"]
    assert set(metric["latest"]) == MEASUREMENT_KEYS
    assert (metric["count"], metric["latest"]["value"]) == (3, "[0.982]")
    assert view["intent"]["applied"] is True


def test_get_yaml_is_the_same_document(scene: Scene, plugin: Plugin) -> None:
    scene.canary_at_analysis()
    as_json = plugin("get", *WEB, "-o", "json").json()
    as_yaml = yaml.safe_load(plugin("get", *WEB, "-o", "yaml").out)
    assert as_yaml == as_json


def test_get_shows_what_it_could_not_read(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    apiserver.store.delete(
        "rollout-engine.io/v1alpha1", "AnalysisRun", name="web-7d9f5c6b8-3", namespace="storefront"
    )
    apiserver.authorize(lambda r: r.identity != "limited" or r.resource != "deployments")
    ran = plugin("get", *WEB, identity="limited")
    assert ran.code == 0
    assert (
        "web-7d9f5c6b8-3 (step)  get AnalysisRun web-7d9f5c6b8-3: "
        'analysisruns.rollout-engine.io "web-7d9f5c6b8-3" not found' in ran.out
    )
    assert 'User "limited" cannot get resource "deployments"' in ran.out


def test_list_is_a_kubectl_style_table(scene: Scene, plugin: Plugin) -> None:
    scene.canary_at_analysis()
    scene.blue_green_failed()
    scene.ab_test_healthy()
    ran = plugin("list", "-A")
    assert ran.code == 0
    assert [line.split() for line in ran.out.splitlines()] == [
        ["NAMESPACE", "NAME", "STRATEGY", "PHASE", "STEP", "WEIGHT", "IMAGE", "VERDICT", "AGE"],
        [
            "shop",
            "checkout",
            "blueGreen",
            "Degraded",
            "1/5",
            "-",
            "ghcr.io/example/checkout:2.1.0",
            "Failed",
            "30d",
        ],
        [
            "shop",
            "search",
            "abTest",
            "Healthy",
            "-",
            "0%",
            "ghcr.io/example/search:3.2.0",
            "-",
            "41d",
        ],
        ["storefront", "web", "canary", "Progressing", "3/6", "20%", CANDIDATE_IMAGE, "-", "12d"],
    ]
    one = plugin("list", "-n", "shop")
    assert one.out.splitlines()[0].split()[0] == "NAME"
    assert [line.split()[0] for line in one.out.splitlines()[1:]] == ["checkout", "search"]


def test_list_in_a_namespace_is_one_round_trip_and_all_namespaces_two(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.blue_green_failed()
    scene.ab_test_healthy()
    apiserver.journal.clear()
    plugin("list", "-n", "shop")
    assert sorted((e.verb, e.resource) for e in apiserver.journal.entries()) == [
        ("list", "deployments"),
        ("list", "rollouts"),
    ]
    apiserver.journal.clear()
    plugin("list", "-A")
    entries = apiserver.journal.entries()
    assert [(e.verb, e.resource, e.namespace) for e in entries[:1]] == [("list", "rollouts", "")]
    assert sorted((e.verb, e.name) for e in entries[1:]) == [("get", "checkout"), ("get", "search")]


def test_list_json_shape_and_unreadable_workloads(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    listed = plugin("list", "-n", "storefront", "-o", "json").json()
    assert (listed["kind"], listed["version"]) == ("RolloutList", 1)
    (row,) = listed["items"]
    assert set(row) == ROW_KEYS
    assert row["candidateImages"] == [CANDIDATE_IMAGE]
    assert (row["stepIndex"], row["stepCount"], row["canaryWeight"]) == (3, 6, 20)

    def no_deployments(request: AuthzRequest) -> bool:
        return request.resource != "deployments"

    apiserver.authorize(no_deployments)
    ran = plugin("list", "-n", "storefront")
    assert ran.code == 0
    assert ran.out.splitlines()[1].split()[5] == "?"


def test_list_of_nothing_and_errors(scene: Scene, plugin: Plugin, apiserver: FakeApiServer) -> None:
    empty = plugin("list", "-n", "storefront")
    assert (empty.code, empty.out, empty.err) == (
        0,
        "",
        "No rollouts found in namespace storefront.\n",
    )
    apiserver.authorize(lambda r: r.resource != "rollouts")
    refused = plugin("list", "-n", "storefront")
    assert refused.code == 4
    assert refused.err.startswith("error: forbidden: list rollouts: rollouts is forbidden")


def test_a_rollout_this_plugin_cannot_read_is_a_warning_in_list_and_an_error_in_get(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    scene.blue_green_failed()

    def newer_controller(rollout: dict[str, Any]) -> None:
        rollout["status"]["phase"] = "Exploded"

    apiserver.store.update(
        "rollout-engine.io/v1alpha1",
        "Rollout",
        name="checkout",
        namespace="shop",
        mutate=newer_controller,
    )
    listed = plugin("list", "-A")
    assert listed.code == 0
    assert [line.split()[1] for line in listed.out.splitlines()[1:]] == ["web"]
    assert listed.err.startswith(
        "warning: status.phase: rollout shop/checkout cannot be read by this version of the plugin"
    )
    got = plugin("get", "checkout", "-n", "shop")
    assert got.code == 1
    assert got.err.startswith("error: status.phase: rollout shop/checkout cannot be read")

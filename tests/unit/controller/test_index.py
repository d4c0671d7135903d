"""Which Rollouts an event concerns: owner references first, then the index of names."""

from __future__ import annotations

from typing import Any

from rollout_engine.controller.index import RolloutIndex
from rollout_engine.notify import RolloutRef


def _rollout(name: str, workload: str, *templates: tuple[str, bool]) -> dict[str, Any]:
    refs = [{"templateName": t, "clusterScope": c} for t, c in templates]
    return {
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "workloadRef": {"name": workload},
            "strategy": {"canary": {"steps": [{"analysis": {"templates": refs}}]}},
        },
    }


def _obj(name: str, *, owner: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "shop"}
    if owner:
        meta["ownerReferences"] = [{"kind": "Rollout", "name": owner, "controller": True}]
    return {"metadata": meta}


def test_events_map_to_the_rollouts_that_reference_the_object() -> None:
    index = RolloutIndex()
    index.update(_rollout("web", "web", ("errors", False), ("latency", True)))
    index.update(_rollout("api", "api", ("errors", False)))
    web, api = RolloutRef("shop", "web"), RolloutRef("shop", "api")
    assert index.for_object("Deployment", _obj("web")) == {web}
    assert index.for_object("Deployment", _obj("web-primary", owner="web")) == {web}
    assert index.for_object("AnalysisRun", _obj("web-abc-1", owner="web")) == {web}
    assert index.for_object("AnalysisTemplate", _obj("errors")) == {web, api}
    cluster = {"metadata": {"name": "latency"}}
    assert index.for_object("ClusterAnalysisTemplate", cluster) == {web}
    assert index.for_object("Deployment", _obj("unrelated")) == set()
    assert index.all_keys() == [api, web]


def test_a_changed_or_deleted_rollout_is_reindexed() -> None:
    index = RolloutIndex()
    index.update(_rollout("web", "web", ("errors", False)))
    index.update(_rollout("web", "web-v2"))
    assert index.for_object("Deployment", _obj("web")) == set()
    assert index.for_object("AnalysisTemplate", _obj("errors")) == set()
    assert index.for_object("Deployment", _obj("web-v2")) == {RolloutRef("shop", "web")}
    index.remove(_rollout("web", "web-v2"))
    assert index.for_object("Deployment", _obj("web-v2")) == set()
    assert index.all_keys() == []

"""Guarded JSON patches: only what changed, each preceded by a test of what it expects."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch

from rollout_engine.controller.routers.patches import escape, http_ops, subset_ops


def _vs(canary: int, *extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "spec": {
            "http": [
                *extra,
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": "web-primary"}, "weight": 100 - canary},
                        {"destination": {"host": "web-canary"}, "weight": canary},
                    ],
                    "timeout": "10s",
                },
            ]
        }
    }


def test_equal_routes_need_no_patch() -> None:
    assert http_ops(_vs(20)["spec"]["http"], _vs(20)["spec"]["http"]) == []


def test_a_weight_change_touches_only_the_weights() -> None:
    current, desired = _vs(0), _vs(20)
    ops = http_ops(current["spec"]["http"], desired["spec"]["http"])
    assert [o["op"] for o in ops] == ["test", "test", "replace", "test", "test", "replace"]
    assert {o["path"] for o in ops if o["op"] == "replace"} == {
        "/spec/http/0/route/0/weight",
        "/spec/http/0/route/1/weight",
    }
    assert jsonpatch.JsonPatch(ops).apply(copy.deepcopy(current)) == desired


def test_a_concurrent_edit_of_those_values_fails_the_test() -> None:
    ops = http_ops(_vs(0)["spec"]["http"], _vs(20)["spec"]["http"])
    someone_else = _vs(5)
    try:
        jsonpatch.JsonPatch(ops).apply(someone_else)
    except jsonpatch.JsonPatchTestFailed:
        return
    raise AssertionError("the patch must not apply over someone else's weights")


def test_an_inserted_route_replaces_the_list_guarded_by_its_old_value() -> None:
    route = {
        "name": "testers",
        "match": [{"headers": {"x": {"exact": "1"}}}],
        "route": [{"destination": {"host": "web-canary"}, "weight": 100}],
    }
    current, desired = _vs(0), _vs(0, route)
    ops = http_ops(current["spec"]["http"], desired["spec"]["http"])
    assert ops == [
        {"op": "test", "path": "/spec/http", "value": current["spec"]["http"]},
        {"op": "replace", "path": "/spec/http", "value": desired["spec"]["http"]},
    ]


def test_subset_labels_are_added_one_key_at_a_time() -> None:
    current: list[dict[str, Any]] = [
        {"name": "stable", "labels": {"team": "shop"}},
        {"name": "canary"},
    ]
    desired = [
        {"name": "stable", "labels": {"team": "shop", "rollout-engine.io/revision": "a"}},
        {"name": "canary", "labels": {"rollout-engine.io/revision": "b"}},
    ]
    ops = subset_ops(current, desired)
    assert ops == [
        {"op": "test", "path": "/spec/subsets/0/name", "value": "stable"},
        {"op": "add", "path": "/spec/subsets/0/labels/rollout-engine.io~1revision", "value": "a"},
        {"op": "test", "path": "/spec/subsets/1/name", "value": "canary"},
        {
            "op": "add",
            "path": "/spec/subsets/1/labels",
            "value": {"rollout-engine.io/revision": "b"},
        },
    ]
    doc = jsonpatch.JsonPatch(ops).apply({"spec": {"subsets": copy.deepcopy(current)}})
    assert doc == {"spec": {"subsets": desired}}
    assert escape("a~b/c") == "a~0b~1c"

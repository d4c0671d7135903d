"""Unit tests of the fake's building blocks, where an HTTP round trip would hide the case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.apiserver import protobuf
from tests.fakes.apiserver.apply import server_side_apply
from tests.fakes.apiserver.errors import ApiError
from tests.fakes.apiserver.fieldsets import describe, fields_of, from_fields_v1, to_fields_v1
from tests.fakes.apiserver.jsonpath import find
from tests.fakes.apiserver.lists import BuiltinLists, SchemaLists
from tests.fakes.apiserver.patching import merge_patch, strategic_merge
from tests.fakes.apiserver.resources import version_priority
from tests.fakes.apiserver.schema import apply_defaults, prune, to_json_schema
from tests.fakes.apiserver.selectors import label_matcher
from tests.fakes.apiserver.storage import Expired, Store
from tests.fakes.apiserver.tables import human_duration

BUILTIN = BuiltinLists()


def test_label_selector_syntax_errors_are_400() -> None:
    with pytest.raises(ApiError) as caught:
        label_matcher("app in web")
    assert caught.value.code == 400
    with pytest.raises(ApiError):
        label_matcher("n>x")


def test_merge_patch_follows_rfc_7386() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    patch = {"a": "z", "c": {"f": None}}
    assert merge_patch(target, patch) == {"a": "z", "c": {"d": "e"}}
    assert merge_patch({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}
    assert merge_patch({"a": "b"}, ["c"]) == ["c"]


def _pod_spec(*containers: dict[str, Any]) -> dict[str, Any]:
    return {
        "spec": {"containers": list(containers), "finalizers": ["x"]},
        "metadata": {"finalizers": ["a"]},
    }


def test_strategic_merge_directives() -> None:
    original = _pod_spec(
        {"name": "a", "image": "1", "env": [{"name": "X", "value": "1"}]},
        {"name": "b", "image": "1"},
    )
    patch = {
        "metadata": {"finalizers": ["b"], "$deleteFromPrimitiveList/finalizers": ["a"]},
        "spec": {
            "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
            "containers": [{"name": "a", "image": "2"}],
            "finalizers": ["y"],
        },
    }
    merged = strategic_merge(original, patch, lists=BUILTIN, path=())
    assert [c["name"] for c in merged["spec"]["containers"]] == ["b", "a"]
    assert merged["spec"]["containers"][1]["env"] == [{"name": "X", "value": "1"}]
    assert merged["metadata"]["finalizers"] == ["b"]
    assert merged["spec"]["finalizers"] == ["y"]
    replaced = strategic_merge(
        original, {"spec": {"$patch": "replace", "containers": []}}, lists=BUILTIN, path=()
    )
    assert replaced["spec"] == {"containers": []}
    retained = strategic_merge(
        {"a": 1, "b": 2}, {"$retainKeys": ["b", "c"], "c": 3}, lists=BUILTIN, path=()
    )
    assert retained == {"b": 2, "c": 3}


def test_field_sets_round_trip_through_fields_v1() -> None:
    obj = {
        "metadata": {"name": "x", "labels": {"app": "web"}},
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "a", "image": "i", "ports": [{"containerPort": 80}]}]
                }
            }
        },
    }
    paths = fields_of(obj, BUILTIN)
    assert ("f:metadata", "f:labels", "f:app") in paths
    assert ("f:metadata", "f:name") not in paths
    item = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"a"}')
    assert item in paths
    tree = to_fields_v1(paths)
    assert "." in tree["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"a"}']
    assert from_fields_v1(tree) == paths
    assert describe((*item, "f:image")) == '.spec.template.spec.containers[name="a"].image'


def test_apply_conflicts_list_every_field_and_manager() -> None:
    live = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"a": "1", "b": "1"},
    }
    owned = server_side_apply(
        None,
        live,
        manager="one",
        force=False,
        api_version="v1",
        now="t",
        subresource="",
        lists=BUILTIN,
    )
    with pytest.raises(ApiError) as caught:
        server_side_apply(
            owned,
            {**live, "data": {"a": "2", "b": "2"}},
            manager="two",
            force=False,
            api_version="v1",
            now="t",
            subresource="",
            lists=BUILTIN,
        )
    assert caught.value.code == 409
    assert caught.value.message == (
        'Apply failed with 2 conflicts: conflicts with "one" using v1:\n- .data.a\n- .data.b'
    )


def test_apply_merges_schema_declared_list_maps() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "steps": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        "items": {"type": "object"},
                    },
                    "tags": {"type": "array", "x-kubernetes-list-type": "set"},
                },
            }
        },
    }
    lists = SchemaLists(schema)
    assert lists.rule(("spec", "steps"), []) == ("name",)
    assert lists.rule(("spec", "tags"), []) == "set"
    assert lists.rule(("spec", "other"), []) is None


def test_schema_translation_pruning_and_defaults() -> None:
    schema = {
        "type": "object",
        "properties": {
            "metadata": {"type": "object", "properties": {"name": {"type": "string"}}},
            "spec": {
                "type": "object",
                "properties": {
                    "port": {"x-kubernetes-int-or-string": True},
                    "note": {"type": "string", "nullable": True},
                    "mode": {"type": "string", "default": "fast"},
                    "embedded": {
                        "type": "object",
                        "x-kubernetes-embedded-resource": True,
                        "properties": {"spec": {"type": "object"}},
                    },
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                },
            },
        },
    }
    translated: Any = to_json_schema(schema)
    spec = translated["properties"]["spec"]["properties"]
    assert spec["port"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert spec["note"]["type"] == ["string", "null"]
    assert translated["properties"]["metadata"] == {"type": "object"}
    obj: dict[str, Any] = {
        "metadata": {"name": "n", "labels": {"kept": "yes"}},
        "spec": {
            "junk": 1,
            "free": {"any": {"thing": 1}},
            "embedded": {"apiVersion": "v1", "kind": "X", "metadata": {}, "spec": {}, "bad": 1},
        },
    }
    assert prune(obj, schema) == ["spec.junk", "spec.embedded.bad"]
    assert obj["metadata"]["labels"] == {"kept": "yes"}
    apply_defaults(obj, schema)
    assert obj["spec"]["mode"] == "fast" and obj["spec"]["free"] == {"any": {"thing": 1}}


def test_jsonpath_subset() -> None:
    obj = {
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "Healthy", "status": "False"},
            ]
        },
        "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
        "spec": {"hosts": ["a", "b"]},
    }
    assert find(obj, '.status.conditions[?(@.type=="Healthy")].status') == ["False"]
    assert find(obj, ".status.conditions[-1].type") == ["Healthy"]
    assert find(obj, ".spec.hosts[*]") == ["a", "b"]
    assert find(obj, r".metadata.labels.app\.kubernetes\.io/name") == ["web"]
    assert find(obj, ".missing.field") == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5s"),
        (119, "119s"),
        (150, "2m30s"),
        (600, "10m"),
        (7200, "120m"),
        (3 * 3600 + 60, "3h1m"),
        (30 * 3600, "30h"),
        (3 * 86400 + 3600, "3d1h"),
        (20 * 86400, "20d"),
        (3 * 365 * 86400, "3y"),
        (-5, "<invalid>"),
    ],
)
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_version_priority_orders_like_discovery() -> None:
    versions = ["v1alpha1", "v1beta2", "v2", "v1", "v1beta1", "v10alpha1", "foo"]
    assert sorted(versions, key=version_priority) == [
        "v2",
        "v1",
        "v1beta2",
        "v1beta1",
        "v10alpha1",
        "v1alpha1",
        "foo",
    ]


def test_history_window_expires_old_versions() -> None:
    store = Store(history=3)
    for i in range(5):
        store.commit("configmaps", {"metadata": {"namespace": "d", "name": f"c{i}"}})
    assert [c.rv for c in store.changes_after(3, "configmaps")] == [4, 5, 6]
    with pytest.raises(Expired, match="too old resource version: 2"):
        store.changes_after(2, "configmaps")


def test_protobuf_bodies_of_kubectl_create() -> None:
    # Captured from `kubectl create configmap c --from-literal=k=v --from-literal=k2=v2` (1.32).
    body = (
        b'k8s\x00\n\x0f\n\x02v1\x12\tConfigMap\x12%\n\x11\n\x01c\x12\x00\x1a\x00"\x00*\x002'
        b'\x008\x00B\x00\x12\x06\n\x01k\x12\x01v\x12\x08\n\x02k2\x12\x02v2\x1a\x00"\x00'
    )
    assert protobuf.decode(body) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"k": "v", "k2": "v2"},
    }
    with pytest.raises(ApiError) as caught:
        protobuf.decode(b"k8s\x00\n\x15\n\x07apps/v1\x12\nDeployment\x12\x00")
    assert caught.value.code == 415
    with pytest.raises(ApiError) as truncated:
        protobuf.decode(b"k8s\x00\n\x40\n")
    assert truncated.value.code == 400

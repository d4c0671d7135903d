"""Finalizers and garbage collection of dependents (asynchronous on a real cluster)."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from tests.contract import apis

from .target import until


def _cm(name: str, **meta: Any) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, **meta))


def _owner_ref(owner: Any) -> client.V1OwnerReference:
    return client.V1OwnerReference(
        api_version="v1", kind="ConfigMap", name=owner.metadata.name, uid=owner.metadata.uid
    )


def test_finalizer_holds_the_object_until_removed(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    core.create_namespaced_config_map(namespace, _cm("held", finalizers=["example.com/hold"]))
    core.delete_namespaced_config_map("held", namespace)
    marked = core.read_namespaced_config_map("held", namespace)
    assert marked.metadata.deletion_timestamp is not None
    assert marked.metadata.finalizers == ["example.com/hold"]
    core.patch_namespaced_config_map("held", namespace, {"metadata": {"finalizers": None}})
    until(
        api,
        core.list_namespaced_config_map,
        namespace,
        name="held",
        predicate=lambda obj: obj is None,
    )


def test_no_new_finalizers_while_deleting(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    core.create_namespaced_config_map(namespace, _cm("held", finalizers=["example.com/a"]))
    core.delete_namespaced_config_map("held", namespace)
    try:
        core.patch_namespaced_config_map(
            "held", namespace, {"metadata": {"finalizers": ["example.com/a", "example.com/b"]}}
        )
        raised = None
    except client.ApiException as exc:
        raised = exc.status
    core.patch_namespaced_config_map("held", namespace, {"metadata": {"finalizers": None}})
    assert raised == 422


def test_dependents_are_garbage_collected(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    owner = core.create_namespaced_config_map(namespace, _cm("owner"))
    core.create_namespaced_config_map(
        namespace, _cm("dependent", owner_references=[_owner_ref(owner)])
    )
    core.delete_namespaced_config_map("owner", namespace)
    until(
        api,
        core.list_namespaced_config_map,
        namespace,
        name="dependent",
        predicate=lambda obj: obj is None,
    )


def test_orphan_propagation_keeps_dependents(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    owner = core.create_namespaced_config_map(namespace, _cm("owner"))
    core.create_namespaced_config_map(
        namespace, _cm("dependent", owner_references=[_owner_ref(owner)])
    )
    core.delete_namespaced_config_map("owner", namespace, propagation_policy="Orphan")
    until(
        api,
        core.list_namespaced_config_map,
        namespace,
        name="owner",
        predicate=lambda obj: obj is None,
    )
    kept = until(
        api,
        core.list_namespaced_config_map,
        namespace,
        name="dependent",
        predicate=lambda obj: obj is not None and not obj["metadata"].get("ownerReferences"),
    )
    assert kept is not None


def test_dependent_with_a_living_owner_survives(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    first = core.create_namespaced_config_map(namespace, _cm("first"))
    second = core.create_namespaced_config_map(namespace, _cm("second"))
    core.create_namespaced_config_map(
        namespace, _cm("shared", owner_references=[_owner_ref(first), _owner_ref(second)])
    )
    core.delete_namespaced_config_map("first", namespace)
    survivor = until(
        api,
        core.list_namespaced_config_map,
        namespace,
        name="shared",
        predicate=lambda obj: (
            obj is not None and len(obj["metadata"].get("ownerReferences") or []) == 1
        ),
    )
    assert survivor is not None
    assert survivor["metadata"]["ownerReferences"][0]["name"] == "second"


def test_delete_with_stale_precondition_is_409(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    core.create_namespaced_config_map(namespace, _cm("a"))
    options = client.V1DeleteOptions(preconditions=client.V1Preconditions(resource_version="1"))
    try:
        core.delete_namespaced_config_map("a", namespace, body=options)
        status = 200
    except client.ApiException as exc:
        status = exc.status
    assert status == 409
    assert core.read_namespaced_config_map("a", namespace).metadata.name == "a"


def test_delete_collection_by_label(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    for name, group in (("a", "x"), ("b", "x"), ("c", "y")):
        core.create_namespaced_config_map(namespace, _cm(name, labels={"group": group}))
    core.delete_collection_namespaced_config_map(namespace, label_selector="group=x")
    left = core.list_namespaced_config_map(namespace, label_selector="group").items
    assert [c.metadata.name for c in left] == ["c"]

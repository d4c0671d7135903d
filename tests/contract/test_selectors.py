"""Label and field selectors on list (watch uses the same matching; see test_watch)."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.contract import apis


@pytest.fixture
def labelled(api: client.ApiClient, namespace: str) -> str:
    core = apis.core(api)
    for name, labels in (
        ("a", {"app": "web", "tier": "front"}),
        ("b", {"app": "web", "tier": "back"}),
        ("c", {"app": "db"}),
        ("d", {"release": "7"}),
    ):
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels))
        )
    return namespace


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["a", "b"]),
        ("app==web", ["a", "b"]),
        ("app!=web", ["c", "d"]),
        ("tier in (front,middle)", ["a"]),
        ("app notin (web)", ["c", "d"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c", "d"]),
        ("app=web,tier!=front", ["b"]),
        ("release>6", ["d"]),
        ("release<7", []),
    ],
)
def test_label_selectors(
    api: client.ApiClient, labelled: str, selector: str, expected: list[str]
) -> None:
    items = apis.core(api).list_namespaced_config_map(labelled, label_selector=selector).items
    names = [i.metadata.name for i in items if i.metadata.name != "kube-root-ca.crt"]
    assert names == expected


def test_field_selectors(api: client.ApiClient, labelled: str) -> None:
    core = apis.core(api)
    by_name = core.list_namespaced_config_map(labelled, field_selector="metadata.name=b").items
    assert [i.metadata.name for i in by_name] == ["b"]
    others = core.list_namespaced_config_map(
        labelled, field_selector="metadata.name!=b", label_selector="app"
    ).items
    assert [i.metadata.name for i in others] == ["a", "c"]
    across = core.list_config_map_for_all_namespaces(
        field_selector=f"metadata.namespace={labelled},metadata.name==c"
    ).items
    assert [(i.metadata.namespace, i.metadata.name) for i in across] == [(labelled, "c")]


def test_unsupported_field_selector_is_400(api: client.ApiClient, labelled: str) -> None:
    with pytest.raises(client.ApiException) as caught:
        apis.core(api).list_namespaced_config_map(labelled, field_selector="data.x=1")
    assert caught.value.status == 400
    assert apis.error_body(caught.value)["reason"] == "BadRequest"


def test_custom_resource_field_selector_refusal(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    with pytest.raises(client.ApiException) as caught:
        apis.custom(api).list_namespaced_custom_object(
            test_crds, "v1", namespace, "widgets", field_selector="spec.size=small"
        )
    assert caught.value.status == 400
    assert '"spec.size" is not a known field selector' in apis.error_body(caught.value)["message"]

"""Table responses, as kubectl asks for them on `get`."""

from __future__ import annotations

from kubernetes import client

from tests.contract import apis

from .target import raw

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def test_builtin_table(api: client.ApiClient, namespace: str) -> None:
    apis.core(api).create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"), data={"x": "1", "y": "2"}),
    )
    table = raw(
        api,
        "GET",
        path=f"/api/v1/namespaces/{namespace}/configmaps",
        accept=TABLE,
        query={"fieldSelector": "metadata.name=a"},
    ).body
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names == ["Name", "Data", "Age"]
    row = table["rows"][0]
    assert row["cells"][:2] == ["a", 2]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["name"] == "a"


def test_custom_resource_printer_columns(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    custom = apis.custom(api)
    body = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "large", "replicas": 3},
    }
    custom.create_namespaced_custom_object(test_crds, "v1", namespace, "widgets", body)
    custom.patch_namespaced_custom_object_status(
        test_crds, "v1", namespace, "widgets", "w", {"status": {"phase": "Ready"}}
    )
    table = raw(
        api,
        "GET",
        path=f"/apis/{test_crds}/v1/namespaces/{namespace}/widgets/w",
        accept=TABLE,
        query={"includeObject": "Object"},
    ).body
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Size",
        "Replicas",
        "Phase",
        "Age",
    ]
    cells = table["rows"][0]["cells"]
    assert cells[:4] == ["w", "large", 3, "Ready"]
    assert table["rows"][0]["object"]["spec"]["size"] == "large"


def test_partial_object_metadata_list(api: client.ApiClient, namespace: str) -> None:
    apis.core(api).create_namespaced_secret(
        namespace,
        client.V1Secret(metadata=client.V1ObjectMeta(name="s"), string_data={"token": "hidden"}),
    )
    accept = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
    listing = raw(api, "GET", path=f"/api/v1/namespaces/{namespace}/secrets", accept=accept).body
    assert listing["kind"] == "PartialObjectMetadataList"
    names = [i["metadata"]["name"] for i in listing["items"]]
    assert "s" in names and "data" not in listing["items"][0]


def test_secret_string_data_is_stored_as_data(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    core.create_namespaced_secret(
        namespace,
        client.V1Secret(metadata=client.V1ObjectMeta(name="s"), string_data={"token": "hidden"}),
    )
    secret = core.read_namespaced_secret("s", namespace)
    assert secret.data == {"token": "aGlkZGVu"} and secret.string_data is None
    assert secret.type == "Opaque"

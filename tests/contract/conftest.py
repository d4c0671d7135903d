"""Contract-suite fixtures: the target cluster, a namespace per test, the test CRDs.

`KUBECONFIG` set → the suite runs against that cluster (it creates namespaces prefixed
`contract-`, the CRDs `widgets`/`gadgets` in group `contract.rollout-engine.io`, and
Istio's VirtualService/DestinationRule CRDs only if they are absent; it removes what it
created). Unset → against the in-repo fake API server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.contract import apis
from tests.fakes.apiserver import ISTIO_CRDS, FakeApiServer

from .target import KubeTarget, until

GROUP = "contract.rollout-engine.io"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/contract/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeTarget]:
    workdir = tmp_path_factory.mktemp("contract")
    if os.environ.get("KUBECONFIG"):
        yield KubeTarget(kubeconfig=None, workdir=workdir, is_fake=False)
        return
    with FakeApiServer(workdir=workdir).start() as fake:
        yield KubeTarget(kubeconfig=fake.kubeconfig, workdir=workdir, is_fake=True)


@pytest.fixture
def api(kube: KubeTarget) -> Iterator[client.ApiClient]:
    with kube.api() as api_client:
        yield api_client


@pytest.fixture
def namespace(api: client.ApiClient) -> Iterator[str]:
    """A fresh namespace for one test, deleted afterwards."""
    name = f"contract-{uuid.uuid4().hex[:8]}"
    core = apis.core(api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


def _schema() -> dict[str, Any]:
    step = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "weight": {"type": "integer"}},
    }
    spec = {
        "type": "object",
        "required": ["size"],
        "properties": {
            "size": {"type": "string", "enum": ["small", "medium", "large"]},
            "replicas": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1},
            "port": {"x-kubernetes-int-or-string": True},
            "note": {"type": "string", "nullable": True},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "steps": {
                "type": "array",
                "items": step,
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
            },
        },
    }
    status = {
        "type": "object",
        "properties": {"phase": {"type": "string"}, "replicas": {"type": "integer"}},
    }
    return {"type": "object", "properties": {"spec": spec, "status": status}}


WIDGET_COLUMNS = [
    {"name": name, "type": kind, "jsonPath": path}
    for name, kind, path in (
        ("Size", "string", ".spec.size"),
        ("Replicas", "integer", ".spec.replicas"),
        ("Phase", "string", ".status.phase"),
        ("Age", "date", ".metadata.creationTimestamp"),
    )
]
WIDGET_SUBRESOURCES = {
    "status": {},
    "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"},
}


def widget_crd() -> dict[str, Any]:
    """Namespaced, two served versions, status and scale subresources, printer columns."""
    versions = [
        {
            "name": name,
            "served": True,
            "storage": name == "v1",
            "schema": {"openAPIV3Schema": _schema()},
            "subresources": WIDGET_SUBRESOURCES,
            "additionalPrinterColumns": WIDGET_COLUMNS,
        }
        for name in ("v1", "v1alpha1")
    ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "versions": versions,
            "names": {
                "plural": "widgets",
                "singular": "widget",
                "kind": "Widget",
                "shortNames": ["wdg"],
                "categories": ["contract-tests"],
            },
        },
    }


def gadget_crd() -> dict[str, Any]:
    """Cluster-scoped, no subresources (so status is written with the object)."""
    loose = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schema = {"type": "object", "properties": {"spec": loose, "status": loose}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"gadgets.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Cluster",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


def _established(crd: dict[str, Any] | None) -> bool:
    conditions = ((crd or {}).get("status") or {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


def install_crd(api: client.ApiClient, crd: dict[str, Any]) -> bool:
    """Create `crd` unless it exists; wait until Established. True when created here."""
    ext = apis.extensions(api)
    try:
        ext.create_custom_resource_definition(crd)
        created = True
    except client.ApiException as exc:
        if exc.status != 409:
            raise
        created = False
    until(
        api,
        ext.list_custom_resource_definition,
        name=crd["metadata"]["name"],
        predicate=_established,
    )
    return created


@pytest.fixture(scope="session")
def test_crds(kube: KubeTarget) -> Iterator[str]:
    """The Widget and Gadget CRDs; yields their group."""
    with kube.api() as api:
        crds = [widget_crd(), gadget_crd()]
        created = [c for c in crds if install_crd(api, c)]
        yield GROUP
        for crd in created:
            apis.extensions(api).delete_custom_resource_definition(crd["metadata"]["name"])


@pytest.fixture(scope="session")
def istio_crds(kube: KubeTarget) -> Iterator[Path]:
    """Istio's VirtualService/DestinationRule CRDs (left alone when already installed)."""
    with kube.api() as api:
        crds = list(yaml.safe_load_all(ISTIO_CRDS.read_text()))
        created = [c for c in crds if c and install_crd(api, c)]
        yield ISTIO_CRDS
        for crd in created:
            apis.extensions(api).delete_custom_resource_definition(crd["metadata"]["name"])

"""The real kubectl against the target cluster (`--validate=false`: no OpenAPI on the fake)."""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from tests.contract import apis

from .kubectl_watch import LineReader
from .target import KubeTarget

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        ports: [{containerPort: 80}]
"""


def _configmap(kube: KubeTarget, namespace: str, *, name: str, **labels: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"a": "1", "b": "2"},
    }
    kube.kubectl("apply", "-n", namespace, "--validate=false", "-f", "-", input=json.dumps(body))


def test_get_table_json_and_jsonpath(kube: KubeTarget, namespace: str) -> None:
    _configmap(kube, namespace, name="settings", app="web")
    table = kube.kubectl("get", "configmaps", "settings", "-n", namespace).stdout.splitlines()
    assert table[0].split() == ["NAME", "DATA", "AGE"]
    assert table[1].split()[:2] == ["settings", "2"]
    as_json = json.loads(
        kube.kubectl("get", "cm", "settings", "-n", namespace, "-o", "json").stdout
    )
    assert as_json["data"] == {"a": "1", "b": "2"}
    path = kube.kubectl(
        "get", "cm", "-n", namespace, "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"
    ).stdout
    assert path == "settings"


def test_label_selectors(kube: KubeTarget, namespace: str) -> None:
    _configmap(kube, namespace, name="one", tier="front")
    _configmap(kube, namespace, name="two", tier="back")
    names = kube.kubectl(
        "get", "cm", "-n", namespace, "-l", "tier in (front,back),tier!=back", "-o", "name"
    ).stdout.split()
    assert names == ["configmap/one"]


def test_apply_client_side_then_again(kube: KubeTarget, namespace: str) -> None:
    first = kube.kubectl(
        "apply", "-n", namespace, "--validate=false", "-f", "-", input=DEPLOYMENT
    ).stdout
    assert "deployment.apps/web created" in first
    again = kube.kubectl(
        "apply",
        "-n",
        namespace,
        "--validate=false",
        "-f",
        "-",
        input=DEPLOYMENT.replace("replicas: 2", "replicas: 3"),
    ).stdout
    assert "deployment.apps/web configured" in again
    same = kube.kubectl(
        "apply",
        "-n",
        namespace,
        "--validate=false",
        "-f",
        "-",
        input=DEPLOYMENT.replace("replicas: 2", "replicas: 3"),
    ).stdout
    assert "deployment.apps/web unchanged" in same
    spec = json.loads(kube.kubectl("get", "deploy", "web", "-n", namespace, "-o", "json").stdout)
    assert spec["spec"]["replicas"] == 3 and spec["metadata"]["generation"] == 2


def test_apply_server_side_with_conflict(kube: KubeTarget, namespace: str) -> None:
    kube.kubectl("apply", "-n", namespace, "--validate=false", "-f", "-", input=DEPLOYMENT)
    changed = DEPLOYMENT.replace("replicas: 2", "replicas: 5")
    conflict = kube.kubectl(
        "apply",
        "--server-side",
        "-n",
        namespace,
        "--validate=false",
        "-f",
        "-",
        input=changed,
        check=False,
    )
    assert conflict.returncode != 0
    assert "conflict" in conflict.stderr and ".spec.replicas" in conflict.stderr
    forced = kube.kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "-n",
        namespace,
        "--validate=false",
        "-f",
        "-",
        input=changed,
    ).stdout
    assert "serverside-applied" in forced
    replicas = kube.kubectl(
        "get", "deploy", "web", "-n", namespace, "-o", "jsonpath={.spec.replicas}"
    ).stdout
    assert replicas == "5"


def _patch(kube: KubeTarget, namespace: str, *args: str) -> None:
    kube.kubectl("patch", "deploy", "web", "-n", namespace, *args)


def test_patch_types_and_status_subresource(kube: KubeTarget, namespace: str) -> None:
    kube.kubectl("apply", "-n", namespace, "--validate=false", "-f", "-", input=DEPLOYMENT)
    _patch(kube, namespace, "--type", "merge", "-p", '{"spec":{"replicas":4}}')
    label = '[{"op":"add","path":"/metadata/labels/patched","value":"yes"}]'
    _patch(kube, namespace, "--type", "json", "-p", label)
    status = '{"status":{"readyReplicas":4,"replicas":4}}'
    _patch(kube, namespace, "--subresource", "status", "--type", "merge", "-p", status)
    image = '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}}}'
    _patch(kube, namespace, "-p", image)
    fields = (
        "{.spec.replicas} {.metadata.labels.patched} {.status.readyReplicas} "
        "{.spec.template.spec.containers[0].image} "
        "{.spec.template.spec.containers[0].ports[0].containerPort}"
    )
    out = kube.kubectl("get", "deploy", "web", "-n", namespace, "-o", f"jsonpath={fields}")
    assert out.stdout.split() == ["4", "yes", "4", "nginx:2", "80"]
    table = kube.kubectl("get", "deploy", "web", "-n", namespace).stdout.splitlines()
    assert table[0].split()[:2] == ["NAME", "READY"] and table[1].split()[:2] == ["web", "4/4"]


def test_delete(kube: KubeTarget, namespace: str) -> None:
    _configmap(kube, namespace, name="gone")
    assert (
        'configmap "gone" deleted' in kube.kubectl("delete", "cm", "gone", "-n", namespace).stdout
    )
    missing = kube.kubectl("get", "cm", "gone", "-n", namespace, check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_get_watch_prints_changes(kube: KubeTarget, namespace: str, api: client.ApiClient) -> None:
    _configmap(kube, namespace, name="watched")
    reader = LineReader(
        kube.kubectl_popen("get", "configmaps", "-n", namespace, "-w", "--request-timeout=60s")
    )
    try:
        assert reader.wait_for("watched").split()[:2] == ["watched", "2"]
        apis.core(api).patch_namespaced_config_map("watched", namespace, {"data": {"c": "3"}})
        reader.wait_for("watched   3")
        apis.core(api).create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="late"))
        )
        assert reader.wait_for("late").split()[:2] == ["late", "0"]
    finally:
        reader.stop()


def test_get_custom_resources_with_printer_columns(
    kube: KubeTarget, test_crds: str, namespace: str
) -> None:
    widget = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w1"},
        "spec": {"size": "medium", "replicas": 2},
    }
    kube.kubectl("apply", "-n", namespace, "--validate=false", "-f", "-", input=json.dumps(widget))
    lines = kube.kubectl("get", "widgets", "-n", namespace).stdout.splitlines()
    assert lines[0].split() == ["NAME", "SIZE", "REPLICAS", "PHASE", "AGE"]
    assert lines[1].split()[:3] == ["w1", "medium", "2"]
    short = kube.kubectl("get", "wdg", "-n", namespace, "-o", "name").stdout.split()
    assert short == [f"widget.{test_crds}/w1"]
    category = kube.kubectl("get", "contract-tests", "-n", namespace, "-o", "name").stdout.split()
    assert category == short


@pytest.mark.parametrize("version", ["v1", "v1alpha1"])
def test_get_explicit_version(
    kube: KubeTarget, test_crds: str, namespace: str, version: str
) -> None:
    widget = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "small"},
    }
    kube.kubectl("apply", "-n", namespace, "--validate=false", "-f", "-", input=json.dumps(widget))
    got = json.loads(
        kube.kubectl(
            "get", f"widgets.{version}.{test_crds}", "w", "-n", namespace, "-o", "json"
        ).stdout
    )
    assert got["apiVersion"] == f"{test_crds}/{version}"


def test_istio_resources(kube: KubeTarget, istio_crds: object, namespace: str) -> None:
    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "web"},
        "spec": {
            "hosts": ["web"],
            "http": [
                {
                    "route": [
                        {"destination": {"host": "web", "subset": "stable"}, "weight": 90},
                        {"destination": {"host": "web", "subset": "canary"}, "weight": 10},
                    ]
                }
            ],
        },
    }
    kube.kubectl("apply", "-n", namespace, "--validate=false", "-f", "-", input=json.dumps(vs))
    kube.kubectl(
        "patch",
        "vs",
        "web",
        "-n",
        namespace,
        "--type",
        "json",
        "-p",
        '[{"op":"replace","path":"/spec/http/0/route/1/weight","value":20}]',
    )
    weights = kube.kubectl(
        "get",
        "virtualservices.v1beta1.networking.istio.io",
        "web",
        "-n",
        namespace,
        "-o",
        "jsonpath={.spec.http[0].route[*].weight}",
    ).stdout
    assert weights == "90 20"


def test_create_generators(kube: KubeTarget, namespace: str) -> None:
    """`kubectl create <kind>` sends protobuf bodies."""
    kube.kubectl("create", "configmap", "cfg", "-n", namespace, "--from-literal=k=v")
    kube.kubectl("create", "secret", "generic", "sec", "-n", namespace, "--from-literal=t=x")
    kube.kubectl("create", "serviceaccount", "robot", "-n", namespace)
    data = kube.kubectl("get", "cm", "cfg", "-n", namespace, "-o", "jsonpath={.data.k}").stdout
    secret = kube.kubectl(
        "get", "secret", "sec", "-n", namespace, "-o", "jsonpath={.data.t} {.type}"
    ).stdout
    assert (data, secret) == ("v", "eA== Opaque")
    assert kube.kubectl("get", "sa", "robot", "-n", namespace, "-o", "name").stdout.strip() == (
        "serviceaccount/robot"
    )
    other = f"{namespace}-x"
    kube.kubectl("create", "namespace", other)
    assert kube.kubectl("get", "ns", other, "-o", "jsonpath={.status.phase}").stdout == "Active"
    kube.kubectl("delete", "namespace", other, "--wait=false")


def test_imperative_edits(kube: KubeTarget, namespace: str) -> None:
    kube.kubectl("apply", "-n", namespace, "--validate=false", "-f", "-", input=DEPLOYMENT)
    kube.kubectl("scale", "deploy", "web", "-n", namespace, "--replicas=3")
    kube.kubectl("label", "deploy", "web", "-n", namespace, "owner=team-a")
    kube.kubectl("annotate", "deploy", "web", "-n", namespace, "note=hello")
    kube.kubectl("set", "image", "deploy/web", "-n", namespace, "app=nginx:1.27")
    kube.kubectl("rollout", "restart", "deploy", "web", "-n", namespace)
    fields = (
        "{.spec.replicas} {.metadata.labels.owner} {.metadata.annotations.note} "
        "{.spec.template.spec.containers[0].image}"
    )
    out = kube.kubectl("get", "deploy", "web", "-n", namespace, "-o", f"jsonpath={fields}").stdout
    assert out.split() == ["3", "team-a", "hello", "nginx:1.27"]
    restarted = kube.kubectl(
        "get",
        "deploy",
        "web",
        "-n",
        namespace,
        "-o",
        "jsonpath={.spec.template.metadata.annotations}",
    ).stdout
    assert "kubectl.kubernetes.io/restartedAt" in restarted

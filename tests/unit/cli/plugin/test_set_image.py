"""set image: a guarded JSON patch on the workload Deployment (a new candidate for the engine)."""

from __future__ import annotations

import json
from typing import Any

from rollout_engine.cli.plugin.images import ImageRequest, image_changes, image_patch, parse_pairs
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import CANDIDATE_IMAGE, Scene
from tests.unit.cli.plugin.conftest import Plugin

GROUP = "apps/v1"


def _deployment(
    *containers: tuple[str, str], init: tuple[str, str] | None = None
) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": [{"name": n, "image": i} for n, i in containers]}
    if init is not None:
        pod["initContainers"] = [{"name": init[0], "image": init[1]}]
    return {"metadata": {"name": "web"}, "spec": {"template": {"spec": pod}}}


def test_set_image_patches_only_the_deployment(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    ran = plugin("set", "image", "web", "web=ghcr.io/example/web:1.6.0", "-n", "storefront")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        f"deployment storefront/web: web {CANDIDATE_IMAGE} → ghcr.io/example/web:1.6.0",
        "  rollout web starts rolling out the new revision",
    ]
    (write,) = apiserver.journal.writes()
    assert (write.resource, write.name, write.subresource) == ("deployments", "web", "")
    assert write.content_type == "application/json-patch+json"
    assert json.loads(write.body) == [
        {"op": "test", "path": "/spec/template/spec/containers/0/name", "value": "web"},
        {
            "op": "replace",
            "path": "/spec/template/spec/containers/0/image",
            "value": "ghcr.io/example/web:1.6.0",
        },
    ]
    stored = apiserver.store.get(GROUP, "Deployment", name="web", namespace="storefront")
    assert stored is not None
    assert stored["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "ghcr.io/example/web:1.6.0"
    )
    assert stored["metadata"]["generation"] == 2


def test_set_image_errors_and_no_ops(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    bad = plugin("set", "image", "web", "web", "-n", "storefront")
    assert (bad.code, bad.err) == (2, "error: expected CONTAINER=IMAGE (or *=IMAGE), got 'web'\n")
    unknown = plugin("set", "image", "web", "api=x:1", "-n", "storefront")
    assert (unknown.code, unknown.err) == (
        5,
        "error: no container 'api' in Deployment web (containers: web)\n",
    )
    same = plugin("set", "image", "web", f"*={CANDIDATE_IMAGE}", "-n", "storefront", "-o", "json")
    assert same.code == 0
    assert json.loads(same.out) == {
        "kind": "ImageChangeResult",
        "version": 1,
        "rollout": "web",
        "namespace": "storefront",
        "deployment": "web",
        "result": "unchanged",
        "changes": [],
    }
    missing = plugin("set", "image", "nope", "web=x:1", "-n", "storefront")
    assert missing.code == 3
    assert apiserver.journal.writes() == []


def test_set_image_is_refused_without_the_right_to_patch_deployments(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    apiserver.authorize(lambda r: r.identity != "viewer" or r.verb != "patch")
    ran = plugin("set", "image", "web", "web=x:2", "-n", "storefront", identity="viewer")
    assert ran.code == 4
    assert 'cannot patch resource "deployments"' in ran.err


def test_star_sets_every_container_including_init_containers() -> None:
    deployment = _deployment(("web", "a:1"), ("proxy", "p:1"), init=("migrate", "a:1"))
    changes = image_changes(deployment, parse_pairs(["*=a:2", "proxy=p:1"]))
    assert [(k, i, c.container, c.image) for k, i, c in changes] == [
        ("containers", 0, "web", "a:2"),
        ("initContainers", 0, "migrate", "a:2"),
    ]
    ops = image_patch(changes)
    assert [op["path"] for op in ops] == [
        "/spec/template/spec/containers/0/name",
        "/spec/template/spec/containers/0/image",
        "/spec/template/spec/initContainers/0/name",
        "/spec/template/spec/initContainers/0/image",
    ]
    assert parse_pairs(["a=b=c"]) == [ImageRequest("a", "b=c")]

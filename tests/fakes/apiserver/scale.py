"""The `/scale` subresource (`autoscaling/v1` Scale) of Deployments, ReplicaSets and CRDs
that declare one: what `kubectl scale` and HPA-like writers use."""

from __future__ import annotations

from typing import Any

from . import errors
from .cluster import Cluster, served
from .jsonpath import find
from .patching import JSON_PATCH, MERGE, apply_json_patch, apply_merge
from .storage import Obj, clone
from .writes import Target, WriteOptions, persist


def _scale_of(target: Target, obj: Obj) -> Obj:
    spec = target.rt.scale
    assert spec is not None
    replicas = find(obj, spec.spec_replicas)
    current = find(obj, spec.status_replicas)
    status: dict[str, Any] = {"replicas": current[0] if current else 0}
    if spec.label_selector and (selector := find(obj, spec.label_selector)):
        status["selector"] = selector[0]
    elif target.rt.storage in ("deployments.apps", "replicasets.apps"):
        labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        status["selector"] = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": replicas[0] if replicas else 0},
        "status": status,
    }


def get_scale(cluster: Cluster, target: Target) -> Obj:
    obj = cluster.store.peek(target.rt.storage, target.key)
    if obj is None:
        raise target.not_found()
    return _scale_of(target, served(target.rt, target.version, stored=obj))


def write_scale(
    cluster: Cluster,
    target: Target,
    *,
    body: Any,
    raw: bytes,
    content_type: str,
    opts: WriteOptions,
) -> Obj:
    """PUT (body) or PATCH (raw + content type) of the Scale; returns the new Scale."""
    with cluster.store.lock:
        old = cluster.store.peek(target.rt.storage, target.key)
        if old is None:
            raise target.not_found()
        scale = _scale_of(target, served(target.rt, target.version, stored=old))
        if content_type == MERGE:
            scale = apply_merge(scale, raw)
        elif content_type == JSON_PATCH:
            scale = apply_json_patch(scale, raw)
        elif content_type:
            raise errors.unsupported_media_type([JSON_PATCH, MERGE])
        else:
            scale = body
        wanted = (scale.get("metadata") or {}).get("resourceVersion")
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise target.conflict()
        replicas = (scale.get("spec") or {}).get("replicas")
        new = clone(old)
        _set(new, target.rt.scale.spec_replicas if target.rt.scale else "", value=replicas)
        main = Target(target.rt, target.version, target.namespace, target.name)
        updated = persist(cluster, main, old=old, new=new, opts=opts, track=True)
        return _scale_of(target, updated)


def _set(obj: Obj, path: str, *, value: Any) -> None:
    parts = [p for p in path.split(".") if p]
    node = obj
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value

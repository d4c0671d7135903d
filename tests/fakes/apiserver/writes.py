"""Create, update and patch: the write path every mutating request shares.

The order follows the apiserver: decode → preconditions (namespace, name, resourceVersion)
→ strategy (system metadata kept, status reset or kept, generation) → defaulting and
pruning → validation (422) → admission → managedFields → store. A write that changes
nothing is not stored (no new resourceVersion, no watch event), as on a real server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from . import errors
from .admission import AdmissionRequest
from .apply import server_side_apply
from .cluster import CRD_FINALIZER, CRD_STORAGE, Cluster, served, to_stored
from .crds import established_status, validate_crd
from .errors import ApiError
from .lists import ListSemantics, semantics_for
from .managed import record_update
from .patching import (
    ALL_PATCH_TYPES,
    APPLY,
    CUSTOM_PATCH_TYPES,
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    apply_json_patch,
    apply_merge,
    apply_strategic,
)
from .resources import ResourceType
from .storage import Obj, clone
from .strategy import (
    bump_generation,
    default_and_prune,
    prepare_create,
    prepare_update,
    same_object,
    validate,
)


@dataclass
class WriteOptions:
    """Per-request options: who writes, as which field manager, and how strictly."""

    identity: str
    manager: str
    manager_given: bool = False
    dry_run: bool = False
    field_validation: str = "Warn"
    force: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """The object a write addresses."""

    rt: ResourceType
    version: str
    namespace: str
    name: str
    subresource: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace if self.rt.namespaced else "", self.name)

    def not_found(self) -> ApiError:
        return errors.not_found(
            qualified=self.rt.qualified,
            group=self.rt.group,
            resource=self.rt.plural,
            name=self.name,
        )

    def conflict(self) -> ApiError:
        return errors.conflict(
            qualified=self.rt.qualified,
            group=self.rt.group,
            resource=self.rt.plural,
            name=self.name,
        )

    def lists(self) -> ListSemantics:
        return semantics_for(custom=self.rt.custom, schema=self.rt.schema(self.version))


def check_kind(target: Target, body: Any) -> None:
    if not isinstance(body, dict):
        raise errors.bad_request("the object provided is not a JSON object")
    rt, expected = target.rt, target.rt.api_version(target.version)
    if body.get("kind") and body["kind"] != rt.kind:
        raise errors.bad_request(
            f"the object provided is unrecognized (must be of type "
            f"{rt.kind}): kind {body['kind']!r} does not match"
        )
    if body.get("apiVersion") and body["apiVersion"] != expected:
        raise errors.bad_request(
            f"the API version in the data ({body['apiVersion']}) does "
            f"not match the expected API version ({expected})"
        )


def create(cluster: Cluster, target: Target, *, body: Any, opts: WriteOptions) -> Obj:
    check_kind(target, body)
    obj = to_stored(target.rt, body)
    meta = obj["metadata"]
    if meta.get("resourceVersion"):
        raise errors.bad_request("resourceVersion should not be set on objects to be created")
    if target.rt.namespaced:
        if meta.get("namespace") and meta["namespace"] != target.namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match "
                "the namespace sent on the request"
            )
        meta["namespace"] = target.namespace
    else:
        meta.pop("namespace", None)
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = cluster.generate_name(meta["generateName"])
    named = Target(target.rt, target.version, target.namespace, meta.get("name", ""))
    with cluster.store.lock:
        return _create(cluster, named, obj=obj, opts=opts, track=True)


def _create(cluster: Cluster, target: Target, *, obj: Obj, opts: WriteOptions, track: bool) -> Obj:
    rt = target.rt
    if rt.namespaced:
        cluster.require_namespace(rt, target.namespace, name=target.name)
    if target.name and cluster.store.peek(rt.storage, target.key) is not None:
        raise errors.already_exists(
            qualified=rt.qualified, group=rt.group, resource=rt.plural, name=target.name
        )
    prepare_create(cluster, rt, obj=obj, keep_managed=not track)
    if rt.storage == CRD_STORAGE:
        obj["metadata"]["finalizers"] = sorted(
            {*obj["metadata"].get("finalizers", []), CRD_FINALIZER}
        )
    _normalise(cluster, target, obj=obj, opts=opts)
    validate(target, obj, old=None)
    cluster.admission.review(_review(target, "CREATE", obj=obj, old=None, opts=opts))
    if track:
        record_update(
            None,
            obj,
            manager=opts.manager,
            api_version=rt.api_version(target.version),
            now=cluster.now(),
            subresource="",
            lists=target.lists(),
        )
    if opts.dry_run:
        return served(rt, target.version, stored=obj)
    return served(rt, target.version, stored=cluster.store.commit(rt.storage, obj))


def update(cluster: Cluster, target: Target, *, body: Any, opts: WriteOptions) -> tuple[Obj, bool]:
    """PUT; returns (object, created)."""
    check_kind(target, body)
    new = to_stored(target.rt, body)
    if new["metadata"].get("name") != target.name:
        raise errors.bad_request(
            f"the name of the object ({new['metadata'].get('name', '')}) "
            f"does not match the name on the URL ({target.name})"
        )
    with cluster.store.lock:
        old = cluster.store.peek(target.rt.storage, target.key)
        if old is None:
            if not target.rt.create_on_update or target.subresource:
                raise target.not_found()
            new["metadata"].pop("resourceVersion", None)
            new["metadata"]["namespace"] = target.namespace
            return _create(cluster, target, obj=new, opts=opts, track=True), True
        wanted = new["metadata"].get("resourceVersion")
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise target.conflict()
        if not wanted and not target.rt.unconditional_update:
            raise _rv_required(target)
        return persist(cluster, target, old=old, new=new, opts=opts, track=True), False


def _rv_required(target: Target) -> ApiError:
    cause = errors.Cause(
        "FieldValueInvalid",
        "Invalid value: 0: must be specified for an update",
        "metadata.resourceVersion",
    )
    return errors.invalid(
        group_kind=target.rt.group_kind,
        group=target.rt.group,
        kind=target.rt.kind,
        name=target.name,
        causes=[cause],
    )


def patch(
    cluster: Cluster, target: Target, *, raw: bytes, content_type: str, opts: WriteOptions
) -> tuple[Obj, bool]:
    accepted = CUSTOM_PATCH_TYPES if target.rt.custom else ALL_PATCH_TYPES
    if content_type not in accepted:
        raise errors.unsupported_media_type(accepted)
    if content_type == APPLY:
        return _apply(cluster, target, raw=raw, opts=opts)
    with cluster.store.lock:
        old = cluster.store.peek(target.rt.storage, target.key)
        if old is None:
            raise target.not_found()
        current = served(target.rt, target.version, stored=old)
        patched = _patched(current, raw, content_type=content_type, target=target)
        wanted = (patched.get("metadata") or {}).get("resourceVersion")
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise target.conflict()
        new = to_stored(target.rt, patched)
        return persist(cluster, target, old=old, new=new, opts=opts, track=True), False


def _patched(current: Obj, raw: bytes, *, content_type: str, target: Target) -> Obj:
    if content_type == MERGE:
        return apply_merge(current, raw)
    if content_type == JSON_PATCH:
        return apply_json_patch(current, raw)
    assert content_type == STRATEGIC
    return apply_strategic(current, raw, lists=target.lists())


def _apply(cluster: Cluster, target: Target, *, raw: bytes, opts: WriteOptions) -> tuple[Obj, bool]:
    if not opts.manager_given:
        raise errors.ApiError(
            422,
            "Invalid",
            'PatchOptions.meta.k8s.io "" is invalid: '
            "fieldManager: Required value: is required for apply patch",
        )
    applied = _applied_config(target, raw)
    rt, lists = target.rt, target.lists()
    with cluster.store.lock:
        old = cluster.store.peek(rt.storage, target.key)
        if old is None and target.subresource:
            raise target.not_found()
        wanted = applied["metadata"].pop("resourceVersion", None)
        if old is not None and wanted and wanted != old["metadata"]["resourceVersion"]:
            raise target.conflict()
        merged = server_side_apply(
            old,
            applied,
            manager=opts.manager,
            force=opts.force,
            api_version=rt.api_version(target.version),
            now=cluster.now(),
            subresource=target.subresource,
            lists=lists,
        )
        if old is None:
            return _create(cluster, target, obj=merged, opts=opts, track=False), True
        return persist(cluster, target, old=old, new=merged, opts=opts, track=False), False


def _applied_config(target: Target, raw: bytes) -> Obj:
    try:
        applied = yaml.safe_load(raw.decode() or "null")
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise errors.bad_request(f"error decoding YAML: {exc}") from exc
    check_kind(target, applied)
    if not applied.get("apiVersion") or not applied.get("kind"):
        raise errors.bad_request("apiVersion and kind must be set in an apply patch")
    meta = applied.setdefault("metadata", {})
    if meta.get("name", target.name) != target.name:
        raise errors.bad_request(
            f"the name of the object ({meta['name']}) does not match "
            f"the name on the URL ({target.name})"
        )
    if meta.get("managedFields"):
        raise errors.bad_request("metadata.managedFields must be nil")
    meta["name"] = target.name
    if target.rt.namespaced:
        meta["namespace"] = target.namespace
    if target.subresource == "status":
        applied = {"metadata": meta, "status": applied.get("status")}
    elif target.rt.status:
        applied.pop("status", None)
    return to_stored(target.rt, applied)


def persist(
    cluster: Cluster, target: Target, *, old: Obj, new: Obj, opts: WriteOptions, track: bool
) -> Obj:
    """The shared tail of every update: strategy, checks, bookkeeping, store."""
    rt = target.rt
    new = prepare_update(rt, old, new=new, subresource=target.subresource)
    _normalise(cluster, target, obj=new, opts=opts)
    bump_generation(rt, old, new=new, subresource=target.subresource)
    validate(target, new, old=old)
    cluster.admission.review(_review(target, "UPDATE", obj=new, old=old, opts=opts))
    if track:
        record_update(
            old,
            new,
            manager=opts.manager,
            api_version=rt.api_version(target.version),
            now=cluster.now(),
            subresource=target.subresource,
            lists=target.lists(),
        )
    meta = new["metadata"]
    if meta.get("deletionTimestamp") and not meta.get("finalizers"):
        if opts.dry_run:
            return served(rt, target.version, stored=new)
        gone = cluster.gc.finish(rt.storage, target.key, final=new)
        return served(rt, target.version, stored=gone or new)
    if same_object(old, new) or opts.dry_run:
        return served(rt, target.version, stored=old if same_object(old, new) else new)
    committed = cluster.store.commit(rt.storage, new)
    if meta.get("deletionTimestamp"):
        cluster.gc.settle()
    return served(rt, target.version, stored=committed)


def _normalise(cluster: Cluster, target: Target, *, obj: Obj, opts: WriteOptions) -> None:
    """Defaulting, pruning (CRs) and the CRD controllers' status, in place."""
    pruned = default_and_prune(
        cluster, target.rt, version=target.version, obj=obj, main=target.subresource == ""
    )
    if pruned and opts.field_validation == "Strict":
        raise errors.bad_request(
            "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in pruned)
        )
    if opts.field_validation != "Ignore":
        opts.warnings += [f'unknown field "{p}"' for p in pruned]
    if target.rt.storage == CRD_STORAGE and not validate_crd(obj):
        obj["status"] = established_status(obj, now=cluster.now())


def _review(
    target: Target, operation: str, *, obj: Obj | None, old: Obj | None, opts: WriteOptions
) -> AdmissionRequest:
    return AdmissionRequest(
        operation=operation,
        identity=opts.identity,
        resource=target.rt,
        namespace=target.namespace,
        name=target.name,
        subresource=target.subresource,
        obj=clone(obj) if obj else None,
        old=clone(old) if old else None,
        dry_run=opts.dry_run,
    )

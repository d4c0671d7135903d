"""DELETE of one object and of a collection, with DeleteOptions.

Options come from the body (`DeleteOptions`) or the query: `propagationPolicy`
(Background by default, Foreground, Orphan; legacy `orphanDependents`), `preconditions`
(uid, resourceVersion → 409 when they do not hold) and `dryRun`. A deleted object is
answered with a Success Status naming it, except for the kinds that return the object
(Pods, Services); an object kept by finalizers is answered with its marked state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import errors
from .admission import AdmissionRequest
from .cluster import Cluster, served
from .reads import ListQuery, list_objects
from .storage import Obj, clone
from .writes import Target


@dataclass(frozen=True)
class DeleteOptions:
    propagation: str = "Background"
    uid: str | None = None
    resource_version: str | None = None
    dry_run: bool = False


def parse_options(body: bytes, query: dict[str, str]) -> DeleteOptions:
    raw: dict[str, Any] = {}
    if body.strip():
        try:
            raw = json.loads(body)
        except ValueError as exc:
            raise errors.bad_request(f"error decoding DeleteOptions: {exc}") from exc
    policy = raw.get("propagationPolicy") or query.get("propagationPolicy")
    orphan = raw.get("orphanDependents", query.get("orphanDependents"))
    if policy is None and orphan is not None:
        policy = "Orphan" if str(orphan).lower() == "true" else "Background"
    if policy not in (None, "Background", "Foreground", "Orphan"):
        raise errors.bad_request(f"unsupported propagation policy {policy!r}")
    pre = raw.get("preconditions") or {}
    dry = raw.get("dryRun") or query.get("dryRun")
    return DeleteOptions(
        propagation=policy or "Background",
        uid=pre.get("uid"),
        resource_version=pre.get("resourceVersion"),
        dry_run=bool(dry),
    )


def delete_one(
    cluster: Cluster, target: Target, *, options: DeleteOptions, identity: str
) -> tuple[int, Obj]:
    """(HTTP status, body) of a DELETE on one object."""
    rt = target.rt
    with cluster.store.lock:
        current = cluster.store.peek(rt.storage, target.key)
        if current is None:
            raise target.not_found()
        _check_preconditions(target, current, options=options)
        review = AdmissionRequest(
            operation="DELETE",
            identity=identity,
            resource=rt,
            namespace=target.namespace,
            name=target.name,
            subresource="",
            obj=None,
            old=clone(current),
            dry_run=options.dry_run,
        )
        cluster.admission.review(review)
        if options.dry_run:
            return 200, served(rt, target.version, stored=current)
        result, gone = cluster.gc.delete(rt.storage, target.key, propagation=options.propagation)
    if not gone or rt.return_deleted:
        return 200, served(rt, target.version, stored=result or current)
    return 200, _success(target, current["metadata"].get("uid", ""))


def _success(target: Target, uid: str) -> Obj:
    """The Status naming a deleted object (group, resource plural and uid)."""
    details: dict[str, Any] = {"name": target.name, "kind": target.rt.plural, "uid": uid}
    if target.rt.group:
        details["group"] = target.rt.group
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


def _check_preconditions(target: Target, current: Obj, *, options: DeleteOptions) -> None:
    meta = current["metadata"]
    for label, wanted, actual in (
        ("UID", options.uid, meta.get("uid")),
        ("ResourceVersion", options.resource_version, meta.get("resourceVersion")),
    ):
        if wanted and wanted != actual:
            raise errors.conflict(
                qualified=target.rt.qualified,
                group=target.rt.group,
                resource=target.rt.plural,
                name=target.name,
                why=f"Precondition failed: {label} in precondition: {wanted}, "
                f"{label} in object meta: {actual}",
            )


def delete_collection(
    cluster: Cluster, query: ListQuery, *, options: DeleteOptions, identity: str
) -> Obj:
    """DELETE on a collection: every matching object, answered with the list deleted."""
    items = list_objects(cluster, query)[0]
    deleted = []
    for item in items:
        meta = item["metadata"]
        target = Target(query.rt, query.version, meta.get("namespace", ""), meta["name"])
        try:
            delete_one(cluster, target, options=options, identity=identity)
        except errors.ApiError as exc:
            if exc.code != 404:
                raise
            continue
        deleted.append(item)
    return {
        "kind": f"{query.rt.kind}List",
        "apiVersion": query.rt.api_version(query.version),
        "metadata": {"resourceVersion": str(cluster.store.resource_version)},
        "items": deleted,
    }

"""Per-kind rules of the write path (the apiserver's "strategies").

What a client may not set (uid, creationTimestamp, resourceVersion, generation, the
deletion marks) is always the server's; status is reset on create and kept on main-
resource writes for kinds with a status subresource; `/status` writes change only
status. `generation` starts at 1 and moves when the spec changes (for custom resources:
anything but metadata, which with a status subresource again means the spec).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from .crds import validate_crd
from .defaults import apply_builtin_defaults, initial_status
from .errors import Cause
from .resources import ResourceType
from .schema import apply_defaults, prune
from .storage import Obj, clone
from .validation import validate_builtin, validate_custom, validate_metadata

if TYPE_CHECKING:
    from .cluster import Cluster
    from .writes import Target

CRD_STORAGE = "customresourcedefinitions.apiextensions.k8s.io"
_SERVER_OWNED = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "resourceVersion",
    "name",
    "namespace",
    "generation",
)


def prepare_create(cluster: Cluster, rt: ResourceType, *, obj: Obj, keep_managed: bool) -> None:
    """Server-owned metadata of a new object; `keep_managed` when apply already set
    managedFields (a client cannot set them otherwise)."""
    meta = obj["metadata"]
    for key in (*_SERVER_OWNED[:5], "generation", "selfLink"):
        meta.pop(key, None)
    if not keep_managed:
        meta.pop("managedFields", None)
    meta["uid"] = cluster.new_uid()
    meta["creationTimestamp"] = cluster.now()
    if rt.generation:
        meta["generation"] = 1
    if rt.status:
        obj.pop("status", None)
        if not rt.custom:
            initial_status(obj, storage=rt.storage)


def prepare_update(rt: ResourceType, old: Obj, *, new: Obj, subresource: str) -> Obj:
    """`new` with the server-owned parts of `old` restored (may return a new dict)."""
    meta, old_meta = new.setdefault("metadata", {}), old["metadata"]
    for key in _SERVER_OWNED:
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    if subresource == "status":
        result = clone(old)
        _set_or_drop(result, "status", value=new.get("status"))
        _set_or_drop(
            result["metadata"],
            "managedFields",
            value=meta.get("managedFields", old_meta.get("managedFields")),
        )
        return result
    if rt.status:
        _set_or_drop(new, "status", value=clone(old.get("status")))
    return new


def _set_or_drop(obj: dict[str, Any], key: str, *, value: Any) -> None:
    if value is None:
        obj.pop(key, None)
    else:
        obj[key] = value


def bump_generation(rt: ResourceType, old: Obj, *, new: Obj, subresource: str = "") -> None:
    """Status writes never move generation; see the module docstring for the rest."""
    if not rt.generation or subresource:
        return
    if rt.custom:
        changed = any(old.get(k) != new.get(k) for k in {*old, *new} if k != "metadata")
    else:
        changed = old.get("spec") != new.get("spec")
    if changed:
        new["metadata"]["generation"] = int(old["metadata"].get("generation", 1)) + 1


def default_and_prune(
    cluster: Cluster, rt: ResourceType, *, version: str, obj: Obj, main: bool
) -> list[str]:
    """Fill defaults (and for CRs drop undeclared fields); returns the pruned paths."""
    if rt.custom:
        schema = rt.schema(version)
        pruned = prune(obj, schema)
        apply_defaults(obj, schema)
        return pruned
    if main:
        apply_builtin_defaults(obj, storage=rt.storage, allocate_ip=cluster.allocate_ip)
    return []


def validate(target: Target, obj: Obj, *, old: Obj | None) -> None:
    rt = target.rt
    causes = validate_metadata(obj, resource=rt.plural)
    if old is not None and old["metadata"].get("deletionTimestamp"):
        added = set(obj["metadata"].get("finalizers") or []) - set(
            old["metadata"].get("finalizers") or []
        )
        if added:
            causes.append(
                Cause(
                    "FieldValueForbidden",
                    "Forbidden: no new finalizers can be added if the object is being deleted",
                    "metadata.finalizers",
                )
            )
    if rt.custom:
        causes += validate_custom(obj, rt.schema(target.version) or {"type": "object"})
    elif rt.storage == CRD_STORAGE:
        causes += validate_crd(obj)
    else:
        causes += validate_builtin(obj, old, storage=rt.storage)
    if causes:
        raise errors.invalid(
            group_kind=rt.group_kind, group=rt.group, kind=rt.kind, name=target.name, causes=causes
        )


def _comparable(obj: Obj) -> Obj:
    copy = clone(obj)
    copy["metadata"].pop("resourceVersion", None)
    for entry in copy["metadata"].get("managedFields") or []:
        entry.pop("time", None)
    return copy


def same_object(old: Obj, new: Obj) -> bool:
    """True when a write would change nothing but managedFields timestamps."""
    return _comparable(old) == _comparable(new)

"""CustomResourceDefinitions: what makes a CRD served, and how its status reads.

Creating a CRD through `apiextensions.k8s.io/v1` registers a `ResourceType` per CRD with
its served versions, scope, names, subresources, schemas and printer columns. The real
server needs a moment before a new CRD is Established; the fake establishes it at once,
so the conditions are written with the CRD itself.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import Cause
from .resources import Column, ResourceType, ScaleSpec, version_priority

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")

AGE_COLUMN = Column(
    name="Age",
    type="date",
    json_path=".metadata.creationTimestamp",
    description="CreationTimestamp is a timestamp representing the server time when this "
    "object was created.",
)


def validate_crd(crd: dict[str, Any]) -> list[Cause]:
    """The CRD checks that keep the fake's registry consistent (a subset of the real ones)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group, plural = spec.get("group", ""), names.get("plural", "")
    causes = _name_causes(crd, group=group, plural=plural)
    for field, value in (
        ("spec.group", group),
        ("spec.names.plural", plural),
        ("spec.names.kind", names.get("kind", "")),
    ):
        if not value:
            causes.append(Cause("FieldValueRequired", "Required value", field))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(
            Cause(
                "FieldValueNotSupported",
                f'Unsupported value: "{spec.get("scope")}"'
                ': supported values: "Cluster", "Namespaced"',
                "spec.scope",
            )
        )
    causes.extend(_validate_versions(spec.get("versions") or []))
    return causes


def _name_causes(crd: dict[str, Any], *, group: str, plural: str) -> list[Cause]:
    causes = []
    if plural and not _DNS_LABEL.fullmatch(plural):
        message = f'Invalid value: "{plural}": must be a lowercase RFC 1123 label'
        causes.append(Cause("FieldValueInvalid", message, "spec.names.plural"))
    name = crd.get("metadata", {}).get("name", "")
    if group and plural and name != f"{plural}.{group}":
        message = f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group'
        causes.append(Cause("FieldValueInvalid", message, "metadata.name"))
    return causes


def _validate_versions(versions: list[dict[str, Any]]) -> list[Cause]:
    if not versions:
        return [
            Cause(
                "FieldValueInvalid",
                "Invalid value: null: must have exactly one version marked as storage version",
                "spec.versions",
            )
        ]
    causes: list[Cause] = []
    if sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            Cause(
                "FieldValueInvalid",
                "Invalid value: must have exactly one version marked as storage version",
                "spec.versions",
            )
        )
    for i, version in enumerate(versions):
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            causes.append(
                Cause(
                    "FieldValueRequired",
                    "Required value: schemas are required",
                    f"spec.versions[{i}].schema.openAPIV3Schema",
                )
            )
    return causes


def resource_type_for(crd: dict[str, Any]) -> ResourceType:
    """The served resource of a (valid) CRD: served versions sorted as discovery sorts them."""
    spec = crd["spec"]
    names = spec["names"]
    served = [v for v in spec["versions"] if v.get("served", True)]
    ordered = sorted(served, key=lambda v: version_priority(v["name"]))
    storage = next(v["name"] for v in spec["versions"] if v.get("storage"))
    subresources = ordered[0].get("subresources") or {} if ordered else {}
    return ResourceType(
        group=spec["group"],
        versions=tuple(v["name"] for v in ordered) or (storage,),
        plural=names["plural"],
        singular=names.get("singular") or names["kind"].lower(),
        kind=names["kind"],
        namespaced=spec["scope"] == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        status="status" in subresources,
        scale=_scale(subresources.get("scale")),
        generation=True,
        unconditional_update=False,
        custom=True,
        storage_version=storage,
        schemas={v["name"]: (v.get("schema") or {}).get("openAPIV3Schema") or {} for v in ordered},
        columns={v["name"]: _columns(v) for v in ordered},
    )


def _scale(scale: dict[str, Any] | None) -> ScaleSpec | None:
    if scale is None:
        return None
    return ScaleSpec(
        spec_replicas=scale.get("specReplicasPath", ".spec.replicas"),
        status_replicas=scale.get("statusReplicasPath", ".status.replicas"),
        label_selector=scale.get("labelSelectorPath"),
    )


def _columns(version: dict[str, Any]) -> tuple[Column, ...]:
    """Printer columns; a CRD without any gets the real server's default Age column."""
    declared = version.get("additionalPrinterColumns") or []
    if not declared:
        return (AGE_COLUMN,)
    return tuple(
        Column(
            name=c["name"],
            type=c.get("type", "string"),
            json_path=c["jsonPath"],
            format=c.get("format", ""),
            description=c.get("description", ""),
            priority=int(c.get("priority", 0)),
        )
        for c in declared
    )


def established_status(crd: dict[str, Any], *, now: str) -> dict[str, Any]:
    """The status the real apiextensions controllers converge to for an accepted CRD."""
    spec = crd["spec"]
    stored = {v["name"] for v in spec["versions"] if v.get("storage")}
    previous = set((crd.get("status") or {}).get("storedVersions") or [])
    names = dict(spec["names"])
    names.setdefault("singular", names["kind"].lower())
    names.setdefault("listKind", names["kind"] + "List")
    return {
        "acceptedNames": names,
        "conditions": [
            _condition("NamesAccepted", "NoConflicts", message="no conflicts found", now=now),
            _condition(
                "Established",
                "InitialNamesAccepted",
                message="the initial names have been accepted",
                now=now,
            ),
        ],
        "storedVersions": sorted(previous | stored),
    }


def _condition(kind: str, reason: str, *, message: str, now: str) -> dict[str, str]:
    return {
        "type": kind,
        "status": "True",
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }

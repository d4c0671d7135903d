"""Content negotiation: which representation a response takes.

Clients pick with `Accept`: kubectl asks for `as=Table` on get and watch; metadata-only
clients ask for `as=PartialObjectMetadata(List)`; everyone else takes JSON. Protobuf is
never offered (like a server with it disabled); a request accepting nothing we serve
gets 406.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import not_acceptable
from .resources import ResourceType
from .tables import table


@dataclass(frozen=True)
class Representation:
    """`kind` is json, yaml, table or metadata; `version` the meta.k8s.io version asked."""

    kind: str = "json"
    version: str = "v1"


def negotiate(accept: str | None) -> Representation:
    if not accept:
        return Representation()
    for media in accept.split(","):
        base, *raw_params = (p.strip() for p in media.split(";"))
        params = dict(p.partition("=")[::2] for p in raw_params)
        if base in ("application/json", "application/*", "*/*"):
            target = params.get("as")
            if target is None:
                return Representation()
            if params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
                if target == "Table":
                    return Representation("table", params["v"])
                if target in ("PartialObjectMetadata", "PartialObjectMetadataList"):
                    return Representation("metadata", params["v"])
        elif base in ("application/yaml", "text/yaml"):
            return Representation("yaml")
    raise not_acceptable(accept)


def partial(rep: Representation, obj: dict[str, Any]) -> dict[str, Any]:
    """An object reduced to PartialObjectMetadata."""
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": f"meta.k8s.io/{rep.version}",
        "metadata": obj["metadata"],
    }


def render_object(
    rep: Representation,
    rt: ResourceType,
    *,
    version: str,
    obj: dict[str, Any],
    include: str,
    now: float,
) -> dict[str, Any]:
    if rep.kind == "table":
        return table(
            rt,
            version,
            objects=[obj],
            rv=obj["metadata"].get("resourceVersion", ""),
            include=include,
            headers=True,
            now=now,
            meta_version=rep.version,
        )
    return partial(rep, obj) if rep.kind == "metadata" else obj


def render_list(
    rep: Representation,
    rt: ResourceType,
    *,
    version: str,
    items: list[dict[str, Any]],
    rv: str,
    include: str,
    now: float,
    cont: str = "",
    remaining: int = 0,
) -> dict[str, Any]:
    if rep.kind == "table":
        return table(
            rt,
            version,
            objects=items,
            rv=rv,
            include=include,
            headers=True,
            now=now,
            meta_version=rep.version,
        )
    meta: dict[str, Any] = {"resourceVersion": rv}
    if cont:
        meta.update({"continue": cont, "remainingItemCount": remaining})
    if rep.kind == "metadata":
        return {
            "kind": "PartialObjectMetadataList",
            "apiVersion": f"meta.k8s.io/{rep.version}",
            "metadata": meta,
            "items": [partial(rep, i) for i in items],
        }
    return {
        "kind": f"{rt.kind}List",
        "apiVersion": rt.api_version(version),
        "metadata": meta,
        "items": items,
    }

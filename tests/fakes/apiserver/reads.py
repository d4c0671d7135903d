"""GET of one object and LIST of a collection (selectors, pagination)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from .cluster import Cluster, served
from .errors import ApiError, bad_request
from .resources import ResourceType
from .selectors import field_matcher, label_matcher, labels_of
from .storage import Obj


@dataclass(frozen=True)
class ListQuery:
    """A collection request: scope, selectors and paging."""

    rt: ResourceType
    version: str
    namespace: str | None
    label_selector: str | None = None
    field_selector: str | None = None
    limit: int = 0
    cont: str = ""


def get_one(
    cluster: Cluster, rt: ResourceType, *, version: str, key: tuple[str, str], not_found: ApiError
) -> Obj:
    stored = cluster.store.peek(rt.storage, key)
    if stored is None:
        raise not_found
    return served(rt, version, stored=stored)


def matcher(query: ListQuery):  # type: ignore[no-untyped-def]
    """A predicate over stored objects for this query's namespace and selectors."""
    by_label = label_matcher(query.label_selector)
    by_field = field_matcher(query.field_selector, resource=query.rt.plural, custom=query.rt.custom)
    namespace = query.namespace

    def matches(obj: Obj) -> bool:
        if namespace and obj["metadata"].get("namespace") != namespace:
            return False
        return by_label(labels_of(obj)) and by_field(obj)

    return matches


def list_objects(cluster: Cluster, query: ListQuery) -> tuple[list[Obj], str, str, int]:
    """(served items, list resourceVersion, continue token, remaining item count)."""
    matches = matcher(query)
    with cluster.store.lock:
        rv = str(cluster.store.resource_version)
        stored = [
            o for o in cluster.store.items(query.rt.storage, query.namespace or None) if matches(o)
        ]
    start = _decode_continue(query.cont) if query.cont else 0
    page = stored[start:]
    cont, remaining = "", 0
    if query.limit and len(page) > query.limit:
        remaining = len(page) - query.limit
        page = page[: query.limit]
        cont = _encode_continue(start + query.limit, rv)
    return [served(query.rt, query.version, stored=o) for o in page], rv, cont, remaining


def _encode_continue(offset: int, rv: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": int(rv), "start": offset})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_continue(token: str) -> int:
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["start"])
    except (ValueError, KeyError, TypeError) as exc:
        raise bad_request(f"continue key is not valid: {exc}") from exc

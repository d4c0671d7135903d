"""Plain-dict access to any kind: get, list, create, replace, patch, apply, status, delete.

One generic request path serves core and grouped kinds alike, so callers work
with the JSON the API server speaks rather than the client's generated
models (which validate required fields on read and would make a foreign
object an exception). Patch content types are explicit, because the client's
defaults are a trap: a list sent to CustomObjectsApi goes out as a merge
patch, and strategic merge is refused (415) for custom resources.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import urllib3
from kubernetes import client

from rollout_engine.errors import KubeError
from rollout_engine.kube.errors import from_status, transport_error
from rollout_engine.kube.kinds import Kind

__all__ = ["FIELD_MANAGER", "Objects", "PatchType"]

FIELD_MANAGER = "rollout-engine"
PatchType = Literal["merge", "json", "apply"]
_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}


class Objects:
    """Dict-in, dict-out API access on one connection, with one field manager."""

    def __init__(
        self,
        api_client: client.ApiClient,
        *,
        field_manager: str = FIELD_MANAGER,
        timeout: float = 30.0,
    ) -> None:
        self._api = api_client
        self._field_manager = field_manager
        self._timeout = timeout

    def get(self, kind: Kind, *, name: str, namespace: str | None = None) -> dict[str, Any]:
        """One object; NotFound when it does not exist."""
        return self._call(
            "GET", kind.path(namespace=namespace, name=name), what=f"get {kind.kind} {name}"
        )

    def list_items(
        self,
        kind: Kind,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[dict[str, Any]], str]:
        """Objects of one namespace (all when None) and the list's resourceVersion."""
        query = [
            (k, v)
            for k, v in (("labelSelector", label_selector), ("fieldSelector", field_selector))
            if v
        ]
        answer = self._call(
            "GET", kind.path(namespace=namespace), query=query, what=f"list {kind.plural}"
        )
        items = [self._with_type(kind, item) for item in answer.get("items") or []]
        return items, str(answer.get("metadata", {}).get("resourceVersion", ""))

    def create(self, kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
        """Create; Conflict (reason AlreadyExists) when the name is taken."""
        namespace = body.get("metadata", {}).get("namespace")
        name = body.get("metadata", {}).get("name")
        return self._call(
            "POST",
            kind.path(namespace=namespace),
            body=body,
            query=[("fieldManager", self._field_manager)],
            what=f"create {kind.kind} {name}",
        )

    def replace(self, kind: Kind, body: dict[str, Any], *, status: bool = False) -> dict[str, Any]:
        """PUT with the body's resourceVersion: Conflict when someone wrote in between."""
        meta = body.get("metadata", {})
        path = kind.path(namespace=meta.get("namespace"), name=meta.get("name"))
        what = f"replace {kind.kind} {meta.get('name')}{' status' if status else ''}"
        query = [("fieldManager", self._field_manager)]
        return self._call(
            "PUT", path + ("/status" if status else ""), body=body, query=query, what=what
        )

    def patch(
        self,
        kind: Kind,
        *,
        name: str,
        namespace: str | None = None,
        patch: dict[str, Any] | list[dict[str, Any]],
        patch_type: PatchType = "merge",
        status: bool = False,
        force: bool = True,
    ) -> dict[str, Any]:
        """Patch by merge, JSON patch or server-side apply (field manager ``rollout-engine``)."""
        if patch_type == "merge" and isinstance(patch, list):
            raise KubeError("a merge patch must be an object; use patch_type='json' for a list")
        query = [("fieldManager", self._field_manager)]
        if patch_type == "apply" and force:
            query.append(("force", "true"))
        path = kind.path(namespace=namespace, name=name) + ("/status" if status else "")
        return self._call(
            "PATCH",
            path,
            body=patch,
            query=query,
            content_type=_CONTENT_TYPES[patch_type],
            what=f"patch {kind.kind} {name}{' status' if status else ''}",
        )

    def apply(self, kind: Kind, body: dict[str, Any], *, force: bool = True) -> dict[str, Any]:
        """Server-side apply of `body` (create or merge the fields we own)."""
        meta = body.get("metadata", {})
        return self.patch(
            kind,
            name=meta["name"],
            namespace=meta.get("namespace"),
            patch={"apiVersion": kind.api_version, "kind": kind.kind, **body},
            patch_type="apply",
            force=force,
        )

    def delete(self, kind: Kind, *, name: str, namespace: str | None = None) -> None:
        """Delete (background propagation); NotFound when already gone."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        self._call(
            "DELETE",
            kind.path(namespace=namespace, name=name),
            body=body,
            what=f"delete {kind.kind} {name}",
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json", "Content-Type": content_type}
        _, url, headers, data, post = self._api.param_serialize(
            method=method,
            resource_path=path,
            query_params=query or [],
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        try:
            response = self._api.call_api(
                method,
                url,
                header_params=headers,
                body=data,
                post_params=post,
                _request_timeout=self._timeout,
            )
            raw: bytes = response.read()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise transport_error(exc, action=what, host=self._api.configuration.host) from None
        if response.status >= 400:
            raise from_status(status=response.status, body=raw, action=what)
        parsed = json.loads(raw) if raw else {}
        return parsed if isinstance(parsed, dict) else {}

    @staticmethod
    def _with_type(kind: Kind, item: dict[str, Any]) -> dict[str, Any]:
        """List items carry no apiVersion/kind; add them so an item can be written back."""
        return {"apiVersion": kind.api_version, "kind": kind.kind, **item}

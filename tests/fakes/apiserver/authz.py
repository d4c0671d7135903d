"""An authorization hook: a test decides who may do what, and denials read like RBAC's.

No authorizer is installed by default (every known identity may do everything). A test
installs `authorizer(request) -> bool`; a refused request gets the real server's 403,
e.g. `configmaps "x" is forbidden: User "alice" cannot get resource "configmaps" in API
group "" in the namespace "default"`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, forbidden


@dataclass(frozen=True)
class AuthzRequest:
    """The attributes RBAC decides on."""

    identity: str
    verb: str
    group: str
    resource: str
    subresource: str
    namespace: str
    name: str


Authorizer = Callable[[AuthzRequest], bool]


REVIEWS = "selfsubjectaccessreviews"


def review(body: dict[str, Any], *, identity: str, authorizer: Authorizer | None) -> dict[str, Any]:
    """Answer a SelfSubjectAccessReview (`kubectl auth can-i`) with the installed authorizer.

    Every authenticated user may ask, as `system:basic-user` allows on a real cluster.
    """
    spec = body.get("spec") or {}
    attributes = spec.get("resourceAttributes") or {}
    request = AuthzRequest(
        identity,
        attributes.get("verb", ""),
        attributes.get("group", ""),
        attributes.get("resource", ""),
        attributes.get("subresource", ""),
        attributes.get("namespace", ""),
        attributes.get("name", ""),
    )
    allowed = authorizer is None or not attributes or authorizer(request)
    # RBAC only ever allows: a refusal is `allowed: false` with no reason, printed as "no".
    status: dict[str, Any] = {"allowed": allowed}
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "metadata": {},
        "spec": spec,
        "status": status,
    }


def denial(request: AuthzRequest) -> ApiError:
    resource = (
        f"{request.resource}/{request.subresource}" if request.subresource else (request.resource)
    )
    subject = f'{request.resource} "{request.name}"' if request.name else request.resource
    scope = (
        f'in the namespace "{request.namespace}"' if request.namespace else "at the cluster scope"
    )
    message = (
        f'{subject} is forbidden: User "{request.identity}" cannot {request.verb} '
        f'resource "{resource}" in API group "{request.group}" {scope}'
    )
    return forbidden(message, name=request.name, group=request.group, resource=request.resource)

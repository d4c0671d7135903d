"""An authorization hook: a test decides who may do what, and denials read like RBAC's.

No authorizer is installed by default (every known identity may do everything). A test
installs `authorizer(request) -> bool`; a refused request gets the real server's 403,
e.g. `configmaps "x" is forbidden: User "alice" cannot get resource "configmaps" in API
group "" in the namespace "default"`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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

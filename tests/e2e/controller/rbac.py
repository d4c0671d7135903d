"""An RBAC authorizer for the fake API server, evaluating the Roles actually applied to it.

After ``kubectl apply -k deploy/overlays/…``, the ClusterRoles, Roles and
their bindings live in the fake's store. This evaluates them for the
controller's ServiceAccount the way RBAC does (allow-only rules; a Role
applies in its own namespace; ``resource/subresource`` names), so a
controller that needs a verb the manifests do not grant gets a 403 and the
scenario fails. Everyone else (the test playing the user) may do anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakes.apiserver.authz import AuthzRequest
from tests.fakes.apiserver.handle import FakeApiServer

__all__ = ["service_account_authorizer"]

RBAC = "rbac.authorization.k8s.io/v1"


def _bound(binding: dict[str, Any], *, namespace: str, account: str) -> bool:
    return any(
        s.get("kind") == "ServiceAccount"
        and s.get("name") == account
        and s.get("namespace", binding["metadata"].get("namespace")) == namespace
        for s in binding.get("subjects") or []
    )


def _rules(api: FakeApiServer, *, namespace: str, account: str) -> list[tuple[str | None, Any]]:
    """(namespace the rule applies in — None: all, rule) for the account."""
    out: list[tuple[str | None, Any]] = []
    for binding in api.store.list(RBAC, "ClusterRoleBinding"):
        if _bound(binding, namespace=namespace, account=account):
            role = api.store.get(RBAC, "ClusterRole", name=binding["roleRef"]["name"])
            out += [(None, r) for r in (role or {}).get("rules") or []]
    for binding in api.store.list(RBAC, "RoleBinding"):
        if _bound(binding, namespace=namespace, account=account):
            where = binding["metadata"]["namespace"]
            role = api.store.get(RBAC, "Role", name=binding["roleRef"]["name"], namespace=where)
            out += [(where, r) for r in (role or {}).get("rules") or []]
    return out


def _allows(rule: Any, request: AuthzRequest) -> bool:
    resource = request.resource + (f"/{request.subresource}" if request.subresource else "")
    names = rule.get("resourceNames") or []
    return (
        request.group in rule.get("apiGroups", [])
        and resource in rule.get("resources", [])
        and request.verb in rule.get("verbs", [])
        and (not names or request.name in names)
    )


def service_account_authorizer(
    api: FakeApiServer, *, identity: str, namespace: str, account: str
) -> Callable[[AuthzRequest], bool]:
    """Requests by `identity` are judged as ServiceAccount `namespace`/`account`."""
    rules = _rules(api, namespace=namespace, account=account)
    assert rules, "no RBAC is bound to the controller's ServiceAccount"
    denied: list[AuthzRequest] = []

    def authorize(request: AuthzRequest) -> bool:
        if request.identity != identity:
            return True
        ok = any(
            (scope is None or scope == request.namespace) and _allows(rule, request)
            for scope, rule in rules
        )
        if not ok:
            denied.append(request)
        return ok

    authorize.denied = denied  # type: ignore[attr-defined]
    return authorize

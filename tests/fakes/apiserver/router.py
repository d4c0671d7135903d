"""URL → what is being asked for, following the apiserver's RequestInfo rules.

`/api/v1/...` is the core group, `/apis/{group}/{version}/...` the others; a path under
`namespaces/{ns}/` names a namespaced resource unless the next part is `status` or
`finalize` (then it is the Namespace's own subresource); the legacy `/watch/` prefix is
understood. The verb follows from the method, whether a name is given, and `watch=true`.
"""

from __future__ import annotations

from dataclasses import dataclass

_NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass(frozen=True)
class ResourcePath:
    group: str
    version: str
    plural: str
    namespace: str
    name: str
    subresource: str
    legacy_watch: bool = False


@dataclass(frozen=True)
class DiscoveryPath:
    """`doc` is version, api, apis, group, resources or health."""

    doc: str
    group: str = ""
    version: str = ""


def parse(path: str) -> ResourcePath | DiscoveryPath | None:
    parts = [p for p in path.split("/") if p]
    fixed = {
        "version": "version",
        "healthz": "health",
        "livez": "health",
        "readyz": "health",
        "api": "api",
        "apis": "apis",
    }
    if len(parts) == 1 and parts[0] in fixed:
        return DiscoveryPath(fixed[parts[0]])
    if parts[:1] == ["api"] and len(parts) >= 2:
        return _under_version("", parts[1], rest=parts[2:])
    if parts[:1] == ["apis"] and len(parts) == 2:
        return DiscoveryPath("group", group=parts[1])
    if parts[:1] == ["apis"] and len(parts) >= 3:
        return _under_version(parts[1], parts[2], rest=parts[3:])
    return None


def _under_version(
    group: str, version: str, *, rest: list[str]
) -> ResourcePath | DiscoveryPath | None:
    if not rest:
        return DiscoveryPath("resources", group=group, version=version)
    legacy_watch = rest[0] == "watch"
    rest = rest[1:] if legacy_watch else rest
    namespace = ""
    if rest[:1] == ["namespaces"] and len(rest) >= 3 and rest[2] not in _NAMESPACE_SUBRESOURCES:
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return None
    padded = [*rest, "", ""]
    return ResourcePath(group, version, padded[0], namespace, padded[1], padded[2], legacy_watch)


def verb_of(method: str, path: ResourcePath, *, watch: bool) -> str | None:
    named = bool(path.name)
    if method == "GET":
        if watch or path.legacy_watch:
            return "watch"
        return "get" if named else "list"
    return {
        ("POST", False): "create",
        ("PUT", True): "update",
        ("PATCH", True): "patch",
        ("DELETE", True): "delete",
        ("DELETE", False): "deletecollection",
    }.get((method, named))

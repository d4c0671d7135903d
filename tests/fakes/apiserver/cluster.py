"""The state one fake apiserver serves, and the conversions between stored and served form.

Objects are stored once per resource (a CRD's storage version, core form for Events) and
served in whichever version the request names; with the `None` conversion strategy that
means rewriting `apiVersion` only, as a real server does for CRDs without a webhook.
CRDs become served when a CRD object is committed, whichever way it got into the store.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import events
from .admission import Admission
from .crds import resource_type_for, validate_crd
from .discovery import Registry
from .errors import forbidden, not_found
from .gc import Collector, OwnerIndex
from .resources import ResourceType
from .storage import Change, Obj, Store, clone

CRD_STORAGE = "customresourcedefinitions.apiextensions.k8s.io"
CRD_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


@dataclass
class ServerConfig:
    """Knobs a test may turn; the defaults match a real server where that is practical."""

    history: int = 10_000
    bookmark_interval: float = 1.0
    watch_timeout: float = 1800.0
    max_body: int = 3 * 1024 * 1024
    seed: int = 0
    clock: Callable[[], float] = field(default=time.time)


class Cluster:
    """Registry + store + admission + bookkeeping shared by every request handler."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.registry = Registry()
        self.store = Store(history=self.config.history)
        self.admission = Admission()
        self.owners = OwnerIndex()
        self.gc = Collector(self)
        self._rng = random.Random(self.config.seed)
        self._next_ip = 10
        self.store.observers.append(self.owners.observe)
        self.store.observers.append(self._serve_crds)
        self.seed_namespaces()
        # A real cluster's early resourceVersions are long compacted: watching from "1" is 410.
        self.store.compact()

    def now(self) -> str:
        stamp = datetime.fromtimestamp(self.config.clock(), tz=UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    def new_uid(self) -> str:
        with self.store.lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def generate_name(self, prefix: str) -> str:
        with self.store.lock:
            return prefix + "".join(self._rng.choice(_NAME_CHARS) for _ in range(5))

    def allocate_ip(self) -> str:
        with self.store.lock:
            self._next_ip += 1
            return f"10.96.{self._next_ip // 250}.{self._next_ip % 250}"

    def seed_namespaces(self) -> None:
        for name in DEFAULT_NAMESPACES:
            obj = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": name,
                    "uid": self.new_uid(),
                    "creationTimestamp": self.now(),
                    "labels": {"kubernetes.io/metadata.name": name},
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
            self.store.commit("namespaces", obj)

    def wipe(self) -> None:
        """A rebuilt cluster: no objects and no CRDs, only the default namespaces."""
        with self.store.lock:
            self.store.wipe()
            self.registry.reset_custom()
            self.owners.clear()
            self.gc.clear()
            self.seed_namespaces()

    def _serve_crds(self, change: Change) -> None:
        if change.storage != CRD_STORAGE:
            return
        name = change.obj["metadata"]["name"]
        if change.type == "DELETED":
            self.registry.unregister_crd(name)
        elif not validate_crd(change.obj):
            self.registry.register_crd(name, resource_type_for(change.obj))

    def require_namespace(self, rt: ResourceType, namespace: str, *, name: str) -> None:
        """NamespaceLifecycle admission: the namespace must exist and not be terminating."""
        ns = self.store.peek("namespaces", ("", namespace))
        if ns is None:
            raise not_found(qualified="namespaces", group="", resource="namespaces", name=namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise forbidden(
                f'{rt.qualified} "{name}" is forbidden: unable to create new '
                f"content in namespace {namespace} because it is being terminated",
                name=name,
                group=rt.group,
                resource=rt.plural,
            )


def served(rt: ResourceType, version: str, *, stored: Obj) -> Obj:
    """A copy of a stored object as the client asked for it (`apiVersion` first)."""
    body = events.from_core(clone(stored)) if rt.codec == "events.k8s.io" else clone(stored)
    body.pop("apiVersion", None)
    body.pop("kind", None)
    return {"apiVersion": rt.api_version(version), "kind": rt.kind, **body}


def to_stored(rt: ResourceType, body: Obj) -> Obj:
    """A request body in stored form (the body is not modified)."""
    obj = events.to_core(clone(body)) if rt.codec == "events.k8s.io" else clone(body)
    obj["apiVersion"] = rt.api_version(rt.storage_version) if rt.codec == "" else "v1"
    obj["kind"] = rt.kind
    obj.setdefault("metadata", {})
    return obj

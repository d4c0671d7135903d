"""Labels, annotations and owner references: how the controller marks what it owns.

Everything it creates (the ``<name>-primary`` Deployment, default Services,
AnalysisRuns, the NGINX canary Ingress) carries an owner reference to the
Rollout (``controller: true``), so deleting the Rollout deletes them, and
the label ``rollout-engine.io/rollout`` so a watch event leads back to it.
On objects it does not own (the workload Deployment, the user's Services
and VirtualServices) it writes only the fields listed in the README's GitOps
section.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from strategies import REVISION_LABEL

__all__ = [
    "FINALIZER",
    "MANAGED_BY",
    "PREVIOUS_REVISION",
    "PREVIOUS_TEMPLATE",
    "REVISION_LABEL",
    "ROLLOUT_LABEL",
    "SCALED_REPLICAS",
    "controller_of",
    "label_value",
    "our_labels",
    "owned_by",
    "owner_reference",
]

FINALIZER: Final = "rollout-engine.io/finalizer"
"""On every Rollout the controller acts on: deletion waits until the app is handed back."""
ROLLOUT_LABEL: Final = "rollout-engine.io/rollout"
"""On every object the controller creates: the Rollout's name (hashed when over 63 chars)."""
MANAGED_BY: Final = ("app.kubernetes.io/managed-by", "rollout-engine")
SCALED_REPLICAS: Final = "rollout-engine.io/scaled-replicas"
"""On the workload Deployment: ``<replicas written>/<service size>`` as of the controller's
last write (a different ``spec.replicas`` means someone else set it: the service's new size)."""
PREVIOUS_TEMPLATE: Final = "rollout-engine.io/previous-template"
"""On ``<name>-primary``: the pod template of the stable before the last promotion (for undo)."""
PREVIOUS_REVISION: Final = "rollout-engine.io/previous-revision"


def label_value(name: str) -> str:
    """`name` as a label value (63 characters at most; longer names keep a hash)."""
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[:52].rstrip('-_.')}-{digest}"


def our_labels(rollout: str) -> dict[str, str]:
    """The labels of every object created for Rollout `rollout`."""
    return {ROLLOUT_LABEL: label_value(rollout), MANAGED_BY[0]: MANAGED_BY[1]}


def owner_reference(rollout: dict[str, Any]) -> dict[str, Any]:
    """A controller owner reference to `rollout` (as read from the API)."""
    meta = rollout.get("metadata") or {}
    return {
        "apiVersion": rollout.get("apiVersion", "rollout-engine.io/v1alpha1"),
        "kind": "Rollout",
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "controller": True,
    }


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The controlling owner reference of `obj`, if any."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return next((r for r in refs if r.get("controller")), None)


def owned_by(obj: dict[str, Any], rollout: dict[str, Any]) -> bool:
    """`obj` is controlled by `rollout` (same uid)."""
    ref = controller_of(obj)
    uid = (rollout.get("metadata") or {}).get("uid")
    return ref is not None and ref.get("kind") == "Rollout" and ref.get("uid") == uid

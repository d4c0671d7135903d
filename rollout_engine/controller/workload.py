"""The workload model: the user's Deployment is the candidate, ``<name>-primary`` the stable.

- **revision**: the first 10 hex digits of the SHA-256 of the pod template
  (canonical JSON), with the controller's own revision label left out, so
  the label never changes the revision it names.
- **primary's pods**: the candidate's template, with every label of the
  Deployment's selector suffixed ``-primary`` (``app: web`` → ``app:
  web-primary``, as Flagger does) so neither Deployment's selector matches
  the other's pods, plus ``rollout-engine.io/revision``. Other labels and
  annotations are copied unchanged. The transformation is undone exactly to
  recover the user's template (undo).
- **readiness** of a revision: ready pods of the *current* template only,
  from Deployment status (a lower bound while a rolling update runs); None
  while the status is stale (``observedGeneration`` behind), so the engine
  never decides on a count that predates the last write.
- **the service's size**: the primary's replicas; a ``spec.replicas`` on the
  workload that the controller did not write (``kubectl scale``, a Git sync)
  is the new size.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from rollout_engine.controller.ownership import REVISION_LABEL, SCALED_REPLICAS
from rollout_engine.errors import SpecError

__all__ = [
    "PRIMARY_SUFFIX",
    "from_primary_template",
    "primary_selector",
    "primary_spec",
    "primary_template",
    "ready_of",
    "replicas_of",
    "revision_of",
    "scaled_annotation",
    "selector_of",
    "service_size",
    "template_of",
]

Obj = dict[str, Any]
PRIMARY_SUFFIX = "-primary"
_COPIED_SPEC = ("strategy", "minReadySeconds", "progressDeadlineSeconds", "revisionHistoryLimit")


def template_of(deployment: Obj) -> Obj:
    """The Deployment's pod template without the controller's revision label."""
    template = copy.deepcopy((deployment.get("spec") or {}).get("template") or {})
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(REVISION_LABEL, None)
    return template


def revision_of(template: Obj) -> str:
    """The revision (a short hash) of a pod template as `template_of` returns it."""
    text = json.dumps(template, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def selector_of(deployment: Obj) -> dict[str, str]:
    """The workload's ``matchLabels`` (the candidate Service selects on them).

    Raises:
        SpecError: the selector uses ``matchExpressions`` (not supported) or is empty.
    """
    selector = (deployment.get("spec") or {}).get("selector") or {}
    name = (deployment.get("metadata") or {}).get("name")
    if selector.get("matchExpressions"):
        raise SpecError(
            f"Deployment {name} selects pods with matchExpressions; the controller needs "
            "matchLabels only (it derives the primary's selector from them)",
            path="spec.workloadRef",
        )
    labels = selector.get("matchLabels") or {}
    if not labels:
        raise SpecError(f"Deployment {name} has no selector.matchLabels", path="spec.workloadRef")
    return {str(k): str(v) for k, v in labels.items()}


def primary_selector(selector: dict[str, str]) -> dict[str, str]:
    """The primary's selector: the workload's, each value suffixed ``-primary``."""
    return {k: _suffixed(v) for k, v in selector.items()}


def primary_template(template: Obj, *, selector: dict[str, str], revision: str) -> Obj:
    """The primary's pod template for the candidate `template` of revision `revision`."""
    out = copy.deepcopy(template)
    meta = out.setdefault("metadata", {})
    labels = dict(meta.get("labels") or {})
    labels.update(primary_selector(selector))
    labels[REVISION_LABEL] = revision
    meta["labels"] = labels
    return out


def from_primary_template(template: Obj, *, selector: dict[str, str]) -> Obj:
    """Undo `primary_template`: the user's template the primary was made from."""
    out = copy.deepcopy(template)
    labels = (out.get("metadata") or {}).get("labels") or {}
    labels.pop(REVISION_LABEL, None)
    labels.update(selector)
    return out


def primary_spec(candidate: Obj, *, template: Obj, selector: dict[str, str], replicas: int) -> Obj:
    """The primary Deployment's spec (the workload's rollout settings are copied)."""
    source = candidate.get("spec") or {}
    spec: Obj = {k: copy.deepcopy(source[k]) for k in _COPIED_SPEC if k in source}
    spec.update(
        replicas=replicas,
        selector={"matchLabels": primary_selector(selector)},
        template=template,
    )
    return spec


def ready_of(deployment: Obj | None) -> int | None:
    """Ready pods running the Deployment's current template; None while its status is stale."""
    if deployment is None:
        return 0
    meta, status = deployment.get("metadata") or {}, deployment.get("status") or {}
    if int(status.get("observedGeneration", 0)) < int(meta.get("generation", 1)):
        return None
    pods = int(status.get("replicas", 0))
    updated = int(status.get("updatedReplicas", 0))
    ready = int(status.get("readyReplicas", 0))
    # NB: readyReplicas counts old pods too; every pod not updated may be a ready old one
    return max(0, min(updated, ready - (pods - updated)))


def replicas_of(deployment: Obj | None) -> int:
    """``spec.replicas`` (1 when unset, as the API server defaults it)."""
    if deployment is None:
        return 0
    value = (deployment.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def service_size(candidate: Obj, primary: Obj | None) -> int:
    """How many replicas the service needs.

    The primary's replicas; but a workload ``spec.replicas`` the controller
    did not write (``kubectl scale``, a Git sync) is the new size, and
    without a primary the size last recorded on the workload counts.
    """
    wanted = replicas_of(candidate)
    written, size = scaled_annotation(candidate)
    if written is None or written != wanted:
        return wanted
    return replicas_of(primary) if primary is not None else (size or wanted)


def scaled_annotation(candidate: Obj) -> tuple[int | None, int | None]:
    """(replicas the controller last wrote, the service size then) from the workload."""
    annotations = (candidate.get("metadata") or {}).get("annotations") or {}
    text = str(annotations.get(SCALED_REPLICAS, ""))
    written, _, size = text.partition("/")
    try:
        return int(written), int(size) if size else None
    except ValueError:
        return None, None


def _suffixed(value: str) -> str:
    if len(value) + len(PRIMARY_SUFFIX) <= 63:
        return value + PRIMARY_SUFFIX
    digest = hashlib.sha256(value.encode()).hexdigest()[:6]
    return f"{value[: 63 - len(PRIMARY_SUFFIX) - 7].rstrip('-_.')}-{digest}{PRIMARY_SUFFIX}"

"""Peers' manifests as our Rollout: Argo Rollouts ``Rollout`` and Flagger ``Canary``.

The mapping is about resource shapes, so it lives with the models. What
maps one to one is carried over; what has no equivalent (experiments,
mirror routes, Flagger webhooks, HPA references …) is reported precisely,
field by field, in :attr:`Conversion.notes`, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from rollout_engine.api import _argo, _flagger
from rollout_engine.api._notes import ConversionNote, Notes
from rollout_engine.api.kinds import GROUP_VERSION
from rollout_engine.api.rollout import Rollout
from rollout_engine.errors import SpecError

__all__ = ["Conversion", "ConversionNote", "Notes", "convert", "source_of"]

Obj = dict[str, Any]

_ARGO = ("argoproj.io/", "Rollout")
_FLAGGER = ("flagger.app/", "Canary")


@dataclass(frozen=True)
class Conversion:
    """A peer's manifest as our Rollout, with what did not carry over."""

    source: str
    rollout: Rollout
    notes: tuple[ConversionNote, ...]


def source_of(body: Mapping[str, Any]) -> str | None:
    """``Argo Rollouts Rollout``, ``Flagger Canary``, or None for anything else."""
    api_version, kind = str(body.get("apiVersion", "")), body.get("kind")
    if api_version.startswith(_ARGO[0]) and kind == _ARGO[1]:
        return "Argo Rollouts Rollout"
    if api_version.startswith(_FLAGGER[0]) and kind == _FLAGGER[1]:
        return "Flagger Canary"
    return None


def convert(body: Mapping[str, Any]) -> Conversion:
    """Map an Argo Rollout or a Flagger Canary to our Rollout.

    Raises:
        SpecError: `body` is neither, or cannot be mapped (no strategy, or
            the result does not validate); ``path`` names the field.
    """
    source = source_of(body)
    notes = Notes()
    if source == "Argo Rollouts Rollout":
        spec = _argo.rollout_spec(body, notes)
    elif source == "Flagger Canary":
        spec = _flagger.rollout_spec(body, notes)
    else:
        raise SpecError(
            f"not an Argo Rollouts Rollout or a Flagger Canary: {body.get('apiVersion')} "
            f"{body.get('kind')}",
            path="kind",
        )
    rollout = _validate(
        {
            "apiVersion": GROUP_VERSION,
            "kind": "Rollout",
            "metadata": _metadata(body, notes),
            "spec": spec,
        }
    )
    return Conversion(source, rollout, tuple(notes.items))


def _metadata(body: Mapping[str, Any], notes: Notes) -> Obj:
    meta = body.get("metadata") or {}
    if not meta.get("name"):
        raise SpecError("the manifest has no metadata.name", path="metadata.name")
    out: Obj = {"name": meta["name"]}
    for key in ("namespace", "labels"):
        if meta.get(key):
            out[key] = meta[key]
    annotations = dict(meta.get("annotations") or {})
    for key in sorted(annotations):
        if key.startswith("notifications.argoproj.io/"):
            notes.drop(
                f"metadata.annotations[{key}]",
                "Argo notification subscriptions become spec.notifications "
                "(a Slack webhook from a Secret)",
            )
            del annotations[key]
    if annotations:
        out["annotations"] = annotations
    return out


def _validate(body: Obj) -> Rollout:
    try:
        return Rollout.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise SpecError(f"the converted Rollout is invalid: {first['msg']}", path=path) from exc

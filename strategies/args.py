"""Analysis arguments, resolved as far as the pure layer can.

``podTemplateHashValue`` becomes the stable's or the candidate's revision,
and a ``fieldRef`` to a field of the Rollout becomes its value. Secret
references stay references: the pure layer never sees a secret, and the
controller resolves them at measurement time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rollout_engine.api.base import dump
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.template import Argument

__all__ = ["resolve_args"]

_SEGMENT = re.compile(r"([^.\[\]]+)|\[['\"]([^'\"]+)['\"]\]")


def resolve_args(
    args: Iterable[Argument], *, rollout: Rollout, stable: str, candidate: str
) -> tuple[Argument, ...]:
    """`args` with every value the pure layer can know filled in."""
    return tuple(_resolve(a, rollout=rollout, stable=stable, candidate=candidate) for a in args)


def _resolve(arg: Argument, *, rollout: Rollout, stable: str, candidate: str) -> Argument:
    source = arg.value_from
    if source is None:
        return arg
    if source.pod_template_hash_value is not None:
        value = stable if source.pod_template_hash_value == "Stable" else candidate
        return Argument(name=arg.name, value=value)
    if source.field_ref is not None:
        found = _field(dump(rollout), source.field_ref.field_path)
        if isinstance(found, str | int | float | bool):
            return Argument(
                name=arg.name, value=str(found).lower() if isinstance(found, bool) else str(found)
            )
    return arg


def _field(body: Any, path: str) -> Any:
    """Follow a Kubernetes fieldPath (``metadata.labels['app']``); None when absent."""
    node = body
    for match in _SEGMENT.finditer(path):
        key = match.group(1) or match.group(2)
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node

"""Shared building blocks of the resource models.

Every model is frozen (a value, not a mutable record), forbids unknown fields
(a typo in Git is an error, not a silently ignored key) and speaks camelCase
on the wire while staying snake_case in Python.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

__all__ = [
    "ARG_PLACEHOLDER",
    "BUILTIN_PLACEHOLDERS",
    "DNS_LABEL",
    "DURATION_PATTERN",
    "CamelModel",
    "Duration",
    "IntOrString",
    "Invalid",
    "Name",
    "TemplatedDuration",
    "Time",
    "dump",
    "set_fields",
]

DURATION_PATTERN: Final = r"^(0|([0-9]+(\.[0-9]+)?(ms|s|m|h))+)$"
"""Kubernetes / Go duration strings as users write them: ``30s``, ``5m``, ``1h30m``."""

ARG_PLACEHOLDER: Final = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")
"""``{{args.name}}``: a template argument, resolved when a run is created."""

BUILTIN_PLACEHOLDERS: Final = {
    "elapsed": "time since the analysis run started, e.g. 315s: count events with "
    "increase(metric[{{elapsed}}])",
}
"""Placeholders the engine fills in at every measurement, besides ``{{args.x}}``."""

DNS_LABEL: Final = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"

_TEMPLATED_DURATION: Final = (
    r"^((0|([0-9]+(\.[0-9]+)?(ms|s|m|h))+)|.*\{\{\s*args\.[A-Za-z0-9_.-]+\s*\}\}.*)$"
)


class CamelModel(BaseModel):
    """Base of every resource model: frozen, strict about unknown keys, camelCase aliases."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        validate_default=False,
    )


def set_fields(model: BaseModel) -> list[str]:
    """The wire names (camelCase) of the fields that are set (not None), in declaration order."""
    fields = type(model).model_fields
    return [fields[name].alias or name for name, value in model if value is not None]


def dump(model: BaseModel) -> dict[str, Any]:
    """Serialise a model the way the API server stores it (aliases, no nulls)."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


Name = Annotated[
    str,
    Field(min_length=1, max_length=253, pattern=DNS_LABEL),
]
"""A Kubernetes object name (DNS subdomain)."""

Duration = Annotated[
    str,
    Field(pattern=DURATION_PATTERN, examples=["30s", "5m", "1h"]),
]
"""A duration string such as ``30s``; never a bare number."""

TemplatedDuration = Annotated[
    str,
    Field(pattern=_TEMPLATED_DURATION, examples=["30s", "{{args.interval}}"]),
]
"""A duration, or a ``{{args.x}}`` placeholder resolved when the run is created."""

IntOrString = Annotated[
    int | str,
    WithJsonSchema({"x-kubernetes-int-or-string": True}),
]
"""An integer, or a string (a ``{{args.x}}`` placeholder or a duration), as Kubernetes' intstr."""

Time = Annotated[
    datetime,
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""An RFC 3339 timestamp."""


class Invalid(ValueError):
    """A validation failure that knows its fix; lint shows both.

    Raised from model validators; pydantic keeps the exception in the error's
    context, so the fix survives validation.
    """

    def __init__(self, message: str, *, fix: str) -> None:
        super().__init__(message)
        self.fix = fix

"""Kubernetes object metadata and the small references every kind shares."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from rollout_engine.api.base import CamelModel, Name, Time

__all__ = ["Condition", "ConditionStatus", "ObjectMeta", "SecretKeySelector", "SecretValueSource"]

ConditionStatus = Literal["True", "False", "Unknown"]


class ObjectMeta(CamelModel):
    """The part of ``metadata`` the engine reads.

    Unlike our own fields, metadata tolerates keys we do not model (managedFields,
    finalizers, …): the API server owns it and adds to it over time.
    """

    model_config = ConfigDict(extra="allow")

    name: Name
    namespace: Name | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: Time | None = None


class SecretKeySelector(CamelModel):
    """One key of a Secret in the resource's namespace."""

    name: Name
    key: str = Field(min_length=1, max_length=253, pattern=r"^[-._a-zA-Z0-9]+$")


class SecretValueSource(CamelModel):
    """A value that lives in a Secret, never in the resource itself."""

    secret_key_ref: SecretKeySelector


class Condition(CamelModel):
    """A status condition, per the Kubernetes API conventions."""

    type: str = Field(min_length=1)
    status: ConditionStatus
    reason: str = Field(min_length=1, pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    message: str = ""
    last_transition_time: Time
    observed_generation: int | None = None
